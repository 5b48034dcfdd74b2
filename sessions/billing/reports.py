"""Admin reports on billing: each a table, a chart and a CSV, from a fixed number of aggregate queries."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When, Window
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from sessions.billing import ageing, reports_claims
from sessions.billing.pricing import ZERO
from sessions.billing.report_table import AGE_BUCKETS, Report, fill_period, in_range
from sessions.models import Charge, ChargeKind, Course, Payment, PaymentKind

MONEY = DecimalField(max_digits=12, decimal_places=2)


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    """The period as the page heading shows it."""
    if start and end:
        return f"{start:%d %b %Y} – {end:%d %b %Y}"
    if start:
        return f"from {start:%d %b %Y}"
    if end:
        return f"up to {end:%d %b %Y}"
    return "all dates"


def _charge_sums() -> dict:
    return {
        "sessions": Count("pk", filter=Q(kind=ChargeKind.SESSION)),
        "fees": Count("pk", filter=~Q(kind=ChargeKind.SESSION)),
        "charged": Sum("total"),
        "payer": Sum("payer_part"),
        "savings": Sum("savings_part"),
        "patient": Sum("patient_part"),
    }


MONEY_COLUMNS = [
    ("charged", "Charged"),
    ("payer", "Payer part"),
    ("savings", "Savings programme"),
    ("patient", "Patient part"),
]


def revenue_by_month(*, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    rows = [
        {**r, "month": r["month"].strftime("%Y-%m")}
        for r in in_range(Charge.objects.all(), "service_date", start, end)
        .annotate(month=TruncMonth("service_date"))
        .values("month")
        .annotate(**_charge_sums())
        .order_by("month")
    ]
    signed = Case(When(kind=PaymentKind.REFUND, then=-F("amount")), default=F("amount"), output_field=MONEY)
    received = {
        r["month"].strftime("%Y-%m"): r["s"]
        for r in in_range(Payment.objects.all(), "on", start, end)
        .annotate(month=TruncMonth("on"))
        .values("month")
        .annotate(s=Sum(signed))
        .order_by()
    }
    for r in rows:
        r["received"] = received.pop(r["month"], ZERO)
    for month, amount in received.items():
        rows.append(
            {"month": month, "sessions": 0, "fees": 0, "received": amount, **dict.fromkeys(dict(MONEY_COLUMNS), ZERO)}
        )
    rows.sort(key=lambda r: r["month"])
    return Report(
        "revenue-by-month",
        "Revenue by month",
        "Charges by the month of service; payments (less refunds) by the month received.",
        [
            ("month", "Month"),
            ("sessions", "Sessions"),
            ("fees", "Fees"),
            *MONEY_COLUMNS,
            ("received", "Received from patients"),
        ],
        rows,
        "bar",
        "month",
        [("charged", "Charged"), ("received", "Received from patients")],
    )


def revenue_by_protocol(*, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    rows = list(
        in_range(Charge.objects.all(), "service_date", start, end)
        .values(protocol=F("session__course__protocol__name"))
        .annotate(**_charge_sums())
        .order_by("-charged")
    )
    return Report(
        "revenue-by-protocol",
        "Revenue by protocol",
        "All charges by the protocol of the session (fees included).",
        [("protocol", "Protocol"), ("sessions", "Sessions"), ("fees", "Fees"), *MONEY_COLUMNS],
        rows,
        "bar",
        "protocol",
        [("payer", "Payer part"), ("savings", "Savings programme"), ("patient", "Patient part")],
    )


def revenue_by_payer(*, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    rows = list(
        in_range(Charge.objects.all(), "service_date", start, end)
        .values(payer_name=F("payer__name"))
        .annotate(**_charge_sums())
        .order_by("-charged")
    )
    for r in rows:
        r["payer_name"] = r["payer_name"] or "Self-pay / no coverage"
    return Report(
        "by-payer",
        "Sessions and revenue by payer",
        "The payer on file on the day of each charge; fees are always the patient's.",
        [("payer_name", "Payer"), ("sessions", "Sessions"), ("fees", "Fees"), *MONEY_COLUMNS],
        rows,
        "bar",
        "payer_name",
        [("charged", "Charged"), ("payer", "Payer part")],
    )


COURSES_PER_PAGE = 50  # rows of the cost-per-course page; its CSV has every course


def cost_per_course(
    *, start: dt.date | None = None, end: dt.date | None = None, page: int | str | None = None
) -> Report:
    """Session charges per course over the period, one page of ``COURSES_PER_PAGE`` courses (``page`` None:
    every course, for the CSV), oldest course first, with the totals of the whole period.

    Three queries whatever the period holds: the totals (one aggregate over the period's session charges,
    from the covering (kind, service date, …) index of the charges: migration 0022); the page's courses with
    their sessions, charged and patient part, summed in the database grouped by course start and course,
    with the number of courses counted over the groups (``COUNT(*) OVER ()``) so that the period's charges
    are joined to their sessions once; then the names of those courses (the CSV: every course, named in the
    grouped query itself). A page past the last shows the last (two more queries). Only the average per session (charged ÷ sessions, to the cent, as before) is worked
    out here, for the rows shown and the total.
    """
    charges = in_range(Charge.objects.filter(kind=ChargeKind.SESSION), "service_date", start, end)
    totals = charges.aggregate(
        sessions=Count("pk"),
        charged=Coalesce(Sum("total"), Value(ZERO), output_field=MONEY),
        patient=Coalesce(Sum("patient_part"), Value(ZERO), output_field=MONEY),
    )
    sums = {"sessions": Count("pk"), "charged": Sum("total"), "patient": Sum("patient_part")}
    by_course = {"started": F("session__course__start_date"), "course_id": F("session__course_id")}
    pager = None
    if page is None:  # every course, named in the same query
        names = {
            "first": F("patient__first_name"),
            "last": F("patient__last_name"),
            "protocol": F("session__course__protocol__name"),
        }
        rows = list(charges.values(**by_course, **names).annotate(**sums).order_by("started", "course_id"))
        count = len(rows)
    else:
        per_course = (
            charges.values(**by_course).annotate(**sums, courses=Window(Count("*"))).order_by("started", "course_id")
        )
        number = page_number(page)
        rows = list(per_course[(number - 1) * COURSES_PER_PAGE : number * COURSES_PER_PAGE])
        if not rows and number > 1:  # past the last page: show the last one
            first = list(per_course[:1])
            number = max(1, -(-(first[0]["courses"] if first else 0) // COURSES_PER_PAGE))
            rows = list(per_course[(number - 1) * COURSES_PER_PAGE : number * COURSES_PER_PAGE])
        count = rows[0]["courses"] if rows else 0
        pager = Paginator(range(count), COURSES_PER_PAGE).page(number if rows else 1)
        named = Course.objects.filter(pk__in=[r["course_id"] for r in rows]).values_list(
            "pk", "patient__first_name", "patient__last_name", "protocol__name"
        )
        by_pk = {pk: {"first": first, "last": last, "protocol": protocol} for pk, first, last, protocol in named}
        for r in rows:
            r.update(by_pk[r["course_id"]])
    for r in rows:
        r["course"] = f"#{r['course_id']} {r['first']} {r['last']}"
        r["started"] = r["started"].isoformat()
        r["per_session"] = _per_session(r["charged"], r["sessions"])
    totals = {
        "course": f"Total: {count} courses",
        "sessions": totals["sessions"],
        "charged": totals["charged"],
        "patient": totals["patient"],
        "per_session": _per_session(totals["charged"], totals["sessions"]),
    }
    return Report(
        "cost-per-course",
        "Cost per course",
        "Session charges per course: the whole course and the average per session.",
        [
            ("course", "Course"),
            ("protocol", "Protocol"),
            ("started", "Started"),
            ("sessions", "Sessions charged"),
            ("charged", "Charged"),
            ("patient", "Patient part"),
            ("per_session", "Average per session"),
        ],
        rows,
        "bar",
        "course",
        [("charged", "Charged"), ("patient", "Patient part")],
        totals=totals,
        paging=pager,
    )


def page_number(page: int | str | None) -> int:
    """The page of rows asked for (from the address, say); anything but a positive number is the first."""
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def _per_session(charged: Decimal | None, sessions: int) -> Decimal:
    return (charged / sessions).quantize(Decimal("0.01")) if sessions and charged is not None else ZERO


def outstanding_by_age(
    *, today: dt.date | None = None, start: dt.date | None = None, end: dt.date | None = None, page: int | None = None
) -> Report:
    """Unpaid amounts by the age of the charge; payments fall on each patient's oldest charges first
    (over all charges, so a range shows what is still owed for the services in it).

    One query whatever the history (``ageing.owed_by_age``: the allocation as a window sum in the
    database): page ``page`` of the debtors, or all of them (the CSV) when ``page`` is None, with the
    totals of the whole report. A page past the last shows the last page.
    """
    today = today or timezone.localdate()
    aged = ageing.owed_by_age(today=today, start=start, end=end, page=page)
    if page is not None and page > 1 and not aged.rows:
        last = max(1, -(-ageing.owed_by_age(today=today, start=start, end=end, page=1).count // ageing.PAGE_ROWS))
        if last < page:
            page = last
            aged = ageing.owed_by_age(today=today, start=start, end=end, page=page)
    report = Report(
        "outstanding-by-age",
        "Outstanding balances by age",
        "What patients still owe, by days since the service; payments settle the oldest charges first.",
        [("patient", "Patient"), *[(b, b) for b in AGE_BUCKETS], ("total", "Total")],
        aged.rows,
        "bar",
        "patient",
        [(b, b) for b in AGE_BUCKETS],
        totals=aged.totals,
    )
    if page is not None:
        report.paging = Paginator(range(aged.count), ageing.PAGE_ROWS).get_page(page)
    return report


REPORTS: dict[str, tuple[str, Callable[..., Report]]] = {
    "revenue-by-month": ("Revenue by month", revenue_by_month),
    "revenue-by-protocol": ("Revenue by protocol", revenue_by_protocol),
    "outstanding-by-age": ("Outstanding balances by age", outstanding_by_age),
    "by-payer": ("Sessions and revenue by payer", revenue_by_payer),
    "cost-per-course": ("Cost per course", cost_per_course),
}
# Every report the pages offer: the ones above (on charges) and the claim reports.
ALL_REPORTS = {**REPORTS, **reports_claims.REPORTS}
# What is owed now: without dates this report keeps every open balance instead of the default period.
OPEN_BALANCES = "outstanding-by-age"


def report_run(
    slug: str, *, start: dt.date | None = None, end: dt.date | None = None, today=None, page: int | None = None
) -> Report:
    """The report ``slug`` over the dates asked for. Without dates every report covers the default period
    (the last 12 full months up to today, clinic time) except the open balances, which are all owed now.
    ``page`` is for the reports that page their rows (the open balances): None is every row (the CSV)."""
    today = today or timezone.localdate()
    build = ALL_REPORTS[slug][1]
    if slug != OPEN_BALANCES:
        start, end = fill_period(start, end, today)
    accepts = inspect.signature(build).parameters
    extra = {"today": today} if "today" in accepts else {}
    if "page" in accepts:
        extra["page"] = page
    report = build(start=start, end=end, **extra)
    report.start, report.end = start, end
    report.period = period_text(start, end) if start or end else f"all open balances on {today:%d %b %Y}"
    return report
