"""Claim reports: claims by status and age, denial rate by payer and reason, expected vs paid by
payer, days to payment. Each loads claims, lines, payments and adjustments once (four queries
whatever the number of claims) and reconciles: billed = paid + contractual + patient + open."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils import timezone

from sessions.billing.pricing import ZERO
from sessions.billing.remittance import CONTRACTUAL
from sessions.billing.report_table import AGE_BUCKETS, Report, in_range
from sessions.models import Charge, Claim, ClaimLine, ClaimStatus, LineAdjustment, LinePayment

SENT = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.ACCEPTED,
    ClaimStatus.PAID,
    ClaimStatus.PARTIALLY_PAID,
    ClaimStatus.DENIED,
)


def _bucket(days: int) -> str:
    return AGE_BUCKETS[0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3]


def claims_money_rows(
    *, patient_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict]:
    """Every sent claim (not corrected or voided), or one patient's, with a date of service in the range,
    with billed, paid, contractual, patient, denied and open amounts."""
    scope = in_range(Claim.objects.filter(status__in=SENT), "service_date", start, end)
    if patient_id is not None:
        scope = scope.filter(patient_id=patient_id)
    claims = list(
        scope.values(
            "pk", "status", "payer__name", "submitted_at", "transferred_to_patient", "service_date", "control_number"
        ).order_by("service_date", "pk")
    )
    ranged = patient_id is not None or start is not None or end is not None
    lines, payments, adjustments = ClaimLine.objects.all(), LinePayment.objects.all(), LineAdjustment.objects.all()
    if ranged:  # the same claims as a subquery (indexed on the date of service), not a list of ids
        ids = scope.order_by().values("pk")
        lines, payments = lines.filter(claim_id__in=ids), payments.filter(claim_id__in=ids)
        adjustments = adjustments.filter(payment__claim_id__in=ids)
    billed = dict(lines.values_list("claim_id").annotate(s=Sum("amount")).order_by())
    paid, paid_on = {}, {}  # per claim: what was paid and the payer's last payment date
    for claim_id, amount, day in (
        payments.values_list("claim_id").annotate(s=Sum("paid"), last=Max("remittance__paid_on")).order_by()
    ):
        paid[claim_id] = amount
        if day:
            paid_on[claim_id] = day
    adjust: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    reasons: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for claim_id, group, reason, amount in adjustments.values_list(
        "payment__claim_id", "group", "reason", "amount"
    ).order_by():
        if (group, reason) in CONTRACTUAL:
            adjust[claim_id]["contractual"] += amount
        elif group == "PR":
            adjust[claim_id]["patient"] += amount
        else:
            adjust[claim_id]["denied"] += amount
            reasons[claim_id].append((f"{group}-{reason}", amount))
    rows = []
    for c in claims:
        pk = c["pk"]
        row = {
            "pk": pk,
            "claim": c["control_number"],
            "service_date": c["service_date"],
            "status": c["status"],
            "payer": c["payer__name"],
            "submitted": timezone.localtime(c["submitted_at"]).date() if c["submitted_at"] else None,
            "paid_on": paid_on.get(pk),
            "billed": billed.get(pk, ZERO),
            "paid": paid.get(pk, ZERO),
            "contractual": adjust[pk]["contractual"],
            "patient": adjust[pk]["patient"] + c["transferred_to_patient"],
            "denied": adjust[pk]["denied"],
            "reasons": reasons[pk],
        }
        row["open"] = row["billed"] - row["paid"] - row["contractual"] - row["patient"]
        rows.append(row)
    return rows


def claims_by_status_and_age(
    *, today: dt.date | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> Report:
    today = today or timezone.localdate()
    by_status: dict[str, dict] = {}
    labels = dict(ClaimStatus.choices)
    for c in claims_money_rows(start=start, end=end):
        row = by_status.setdefault(
            c["status"],
            {"status": labels[c["status"]], "claims": 0, "billed": ZERO, "open": ZERO, **dict.fromkeys(AGE_BUCKETS, 0)},
        )
        row["claims"] += 1
        row["billed"] += c["billed"]
        row["open"] += c["open"]
        row[_bucket((today - (c["submitted"] or today)).days)] += 1
    rows = [by_status[s] for s in SENT if s in by_status]
    return Report(
        "claims-by-status",
        "Claims by status and age",
        "Sent claims by status, and how long since each was submitted.",
        [
            ("status", "Status"),
            ("claims", "Claims"),
            ("billed", "Billed"),
            ("open", "Open"),
            *[(b, b) for b in AGE_BUCKETS],
        ],
        rows,
        "bar",
        "status",
        [(b, b) for b in AGE_BUCKETS],
    )


def denial_rate(*, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    lines_by_payer: dict[str, int] = defaultdict(int)
    answered = in_range(LinePayment.objects.filter(claim__status__in=SENT), "claim__service_date", start, end)
    for payer in answered.values_list("claim__payer__name", flat=True).order_by():
        lines_by_payer[payer] += 1
    rows_by: dict[tuple[str, str], dict] = {}
    for c in claims_money_rows(start=start, end=end):
        for reason, amount in c["reasons"]:
            row = rows_by.setdefault(
                (c["payer"], reason), {"payer": c["payer"], "reason": reason, "lines": 0, "amount": ZERO}
            )
            row["lines"] += 1
            row["amount"] += amount
    rows = sorted(rows_by.values(), key=lambda r: (r["payer"], -r["lines"]))
    for r in rows:
        total = lines_by_payer.get(r["payer"]) or 1
        r["rate"] = (Decimal(r["lines"] * 100) / total).quantize(Decimal("0.1"))
        r["label"] = f"{r['payer']} {r['reason']}"
    return Report(
        "denial-rate",
        "Denial rate by payer and reason",
        "Denied lines by payer and reason code, as a share of the lines that payer answered.",
        [
            ("payer", "Payer"),
            ("reason", "Reason"),
            ("lines", "Denied lines"),
            ("rate", "Denial rate %"),
            ("amount", "Denied amount"),
        ],
        rows,
        "bar",
        "label",
        [("rate", "Denial rate %")],
    )


def expected_vs_paid(*, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    # Each charge once (a charge has a claim line per code: a join would count its payer part per line).
    sent = in_range(Claim.objects.filter(status__in=SENT), "service_date", start, end)
    charges = Charge.objects.filter(pk__in=ClaimLine.objects.filter(claim__in=sent).values("charge_id"))
    expected = dict(charges.values_list("payer__name").annotate(s=Sum("payer_part")).order_by())
    keys = ("billed", "paid", "contractual", "patient", "open")
    by_payer: dict[str, dict] = {}
    for c in claims_money_rows(start=start, end=end):
        row = by_payer.setdefault(c["payer"], {"payer": c["payer"], "claims": 0, **dict.fromkeys(keys, ZERO)})
        row["claims"] += 1
        for k in keys:
            row[k] += c[k]
    rows = sorted(by_payer.values(), key=lambda r: r["payer"])
    totals = {"payer": "Total", "claims": sum(r["claims"] for r in rows)}
    for r in rows:
        r["expected"] = expected.get(r["payer"], ZERO)
    for k in (*keys, "expected"):
        totals[k] = sum((r[k] for r in rows), ZERO)
    return Report(
        "expected-vs-paid",
        "Expected vs paid by payer",
        "Expected: the payer's part estimated at charge time. Billed = paid + contractual write-off + patient + open.",
        [
            ("payer", "Payer"),
            ("claims", "Claims"),
            ("billed", "Billed"),
            ("expected", "Expected from payer"),
            ("paid", "Paid"),
            ("contractual", "Contractual write-off"),
            ("patient", "Patient responsibility"),
            ("open", "Open"),
        ],
        rows,
        "bar",
        "payer",
        [("expected", "Expected"), ("paid", "Paid")],
        totals=totals,
    )


def days_to_payment(*, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    days: dict[str, list[int]] = defaultdict(list)
    for c in claims_money_rows(start=start, end=end):
        if c["submitted"] and c["paid_on"] and c["paid"] > 0:
            days[c["payer"]].append((c["paid_on"] - c["submitted"]).days)
    rows = [
        {
            "payer": p,
            "claims": len(d),
            "average": (Decimal(sum(d)) / len(d)).quantize(Decimal("0.1")),
            "fastest": min(d),
            "slowest": max(d),
        }
        for p, d in sorted(days.items())
    ]
    return Report(
        "days-to-payment",
        "Days to payment",
        "Days from submission to the payer's payment date, per payer (claims with a payment).",
        [
            ("payer", "Payer"),
            ("claims", "Claims paid"),
            ("average", "Average days"),
            ("fastest", "Fastest"),
            ("slowest", "Slowest"),
        ],
        rows,
        "bar",
        "payer",
        [("average", "Average days")],
    )


REPORTS: dict[str, tuple[str, Callable[..., Report]]] = {
    "claims-by-status": ("Claims by status and age", claims_by_status_and_age),
    "denial-rate": ("Denial rate by payer and reason", denial_rate),
    "expected-vs-paid": ("Expected vs paid by payer", expected_vs_paid),
    "days-to-payment": ("Days to payment", days_to_payment),
}
