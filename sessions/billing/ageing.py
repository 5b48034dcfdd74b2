"""What patients still owe, by the age of each charge, computed in the database in one query.

The rule is the ledger's (``ledger.allocate_oldest_first``): a patient's payments (less refunds) settle
their charges oldest first, each charge's net being its patient part plus its adjustments (a net of
zero or less takes nothing). Walking a patient's charges oldest first with ``due`` = max(net, 0), what is
still owed on a charge is

    owed = clamp(due so far (this charge included) − paid, 0, due)

where ``paid`` = the sum of the nets less the balance (the pool the ledger allocates). The running sum is
a window sum per patient; the patients are the debtors (balance above zero, ``ledger.balance_expression``).
Amounts are carried in whole cents, so SQLite's float sums stay exact; the age bands, the rows (a page of
them, largest total first) and the totals over every row come from the same query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from clinic.models import Patient
from sessions.billing.ledger import balance_expression
from sessions.billing.report_table import AGE_BUCKETS
from sessions.models import Adjustment, AdjustmentDirection, Charge

PAGE_ROWS = 50  # debtors on a page of the report (the CSV has them all)
BAND_DAYS = (30, 60, 90)  # upper ends of the first three age bands, in days since the service


@dataclass
class Aged:
    rows: list[dict]  # patient_id, patient (name), one amount per age band, total
    totals: dict  # the same sums over every debtor of the report, not only this page's
    count: int  # debtors with something owed in the range


def _debtors_sql() -> tuple[str, tuple]:
    debtors = (
        Patient.objects.annotate(balance=balance_expression())
        .filter(balance__gt=0)
        .values_list("pk", "first_name", "last_name", "balance")
        .order_by()
    )
    return debtors.query.sql_with_params()


def _sql(*, start: dt.date | None, end: dt.date | None, paged: bool) -> str:
    q = connection.ops.quote_name
    charge, adjustment = q(Charge._meta.db_table), q(Adjustment._meta.db_table)
    in_range = "".join((" AND service_date >= %s" if start else "", " AND service_date <= %s" if end else ""))
    bands = ", ".join(f"SUM(CASE WHEN band = {i} THEN owed ELSE 0 END) AS b{i}" for i in range(len(AGE_BUCKETS)))
    band_totals = ", ".join(f"SUM(b{i}) OVER ()" for i in range(len(AGE_BUCKETS)))
    return f"""
WITH debtor (patient_id, first_name, last_name, balance) AS ({{debtors}}),
charge_net AS (
  SELECT c.patient_id, d.first_name, d.last_name, ROUND(d.balance * 100) AS balance, c.id, c.service_date,
         ROUND(c.patient_part * 100) + COALESCE((
           SELECT ROUND(SUM(CASE WHEN a.direction = %s THEN a.amount
                                 WHEN a.direction = %s THEN -a.amount ELSE 0 END) * 100)
           FROM {adjustment} a WHERE a.charge_id = c.id), 0) AS net
  FROM debtor d JOIN {charge} c ON c.patient_id = d.patient_id
),
walked AS (
  SELECT patient_id, first_name, last_name, service_date,
         CASE WHEN net > 0 THEN net ELSE 0 END AS due,
         SUM(CASE WHEN net > 0 THEN net ELSE 0 END) OVER (
           PARTITION BY patient_id ORDER BY service_date, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
         ) AS due_so_far,
         SUM(net) OVER (PARTITION BY patient_id) - balance AS paid
  FROM charge_net
),
owed AS (
  SELECT patient_id, first_name, last_name,
         CASE WHEN service_date >= %s THEN 0 WHEN service_date >= %s THEN 1 WHEN service_date >= %s THEN 2
              ELSE 3 END AS band,
         CASE WHEN due_so_far - paid <= 0 THEN 0 WHEN due_so_far - paid >= due THEN due
              ELSE due_so_far - paid END AS owed
  FROM walked
  WHERE 1 = 1{in_range}
),
per_patient AS (
  SELECT patient_id, first_name, last_name, {bands}, SUM(owed) AS total
  FROM owed GROUP BY patient_id, first_name, last_name
)
SELECT patient_id, first_name, last_name, {", ".join(f"b{i}" for i in range(len(AGE_BUCKETS)))}, total,
       COUNT(*) OVER (), {band_totals}, SUM(total) OVER ()
FROM per_patient WHERE total > 0
ORDER BY total DESC, patient_id{" LIMIT %s OFFSET %s" if paged else ""}
"""  # noqa: S608 - our own table names and fixed fragments; every value is a parameter


def _money(cents) -> Decimal:
    return Decimal(int(round(cents or 0))).scaleb(-2)


def owed_by_age(
    *, today: dt.date, start: dt.date | None = None, end: dt.date | None = None, page: int | None = None
) -> Aged:
    """The debtors owing something for services between ``start`` and ``end`` (each open end unbounded),
    largest total first (then by patient), with what they owe in each age band on ``today``: page
    ``page`` of ``PAGE_ROWS`` rows, or every row when ``page`` is None. The totals are over every row."""
    debtors, debtor_params = _debtors_sql()
    adapt = connection.ops.adapt_datefield_value
    params = [
        *debtor_params,
        AdjustmentDirection.INCREASE,
        AdjustmentDirection.REDUCE,
        *(adapt(today - dt.timedelta(days=days)) for days in BAND_DAYS),
        *(adapt(day) for day in (start, end) if day),
    ]
    if page is not None:
        params += [PAGE_ROWS, (page - 1) * PAGE_ROWS]
    sql = _sql(start=start, end=end, paged=page is not None).replace("{debtors}", debtors)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    bands = len(AGE_BUCKETS)
    rows = [
        {
            "patient_id": r[0],
            "patient": f"{r[1]} {r[2]}",
            **{b: _money(v) for b, v in zip(AGE_BUCKETS, r[3 : 3 + bands], strict=True)},
            "total": _money(r[3 + bands]),
        }
        for r in fetched
    ]
    sums = fetched[0][4 + bands + 1 :] if fetched else (0,) * (bands + 1)
    totals = {
        "patient": "Total",
        **{b: _money(v) for b, v in zip(AGE_BUCKETS, sums[:bands], strict=True)},
        "total": _money(sums[bands]),
    }
    return Aged(rows, totals, fetched[0][4 + bands] if fetched else 0)
