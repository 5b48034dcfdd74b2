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
from sessions.models import Adjustment, AdjustmentDirection, Charge, Payment, PaymentKind

PAGE_ROWS = 50  # debtors on a page of the report (the CSV has them all)
BAND_DAYS = (30, 60, 90)  # upper ends of the first three age bands, in days since the service


@dataclass
class Aged:
    rows: list[dict]  # patient_id, patient (name), one amount per age band, total
    totals: dict  # the same sums over every debtor of the report, not only this page's
    count: int  # debtors with something owed in the range


def _balances_sql() -> tuple[str, list]:
    """Every patient's balance (``ledger.balance_expression``'s rule). SQLite: that expression, three
    subqueries per patient over the patient indexes (no billing table read whole). PostgreSQL: the same
    three sums, grouped over the tables in one pass each (hash aggregates): 24k correlated subqueries
    cost it 0.45 s and push the query's estimated cost into JIT compilation (seconds)."""
    if connection.vendor != "postgresql":
        balances = Patient.objects.annotate(balance=balance_expression()).values_list("pk", "balance").order_by()
        sql, params = balances.query.sql_with_params()
        return sql, list(params)
    q = connection.ops.quote_name
    charge, adjustment, payment = (q(m._meta.db_table) for m in (Charge, Adjustment, Payment))
    sql = f"""
  SELECT patient_id, SUM(amount) FROM (
    SELECT patient_id, patient_part AS amount FROM {charge}
    UNION ALL SELECT patient_id, CASE WHEN direction = %s THEN amount ELSE -amount END FROM {adjustment}
    UNION ALL SELECT patient_id, CASE WHEN kind = %s THEN amount ELSE -amount END FROM {payment}
  ) entries GROUP BY patient_id"""  # noqa: S608  # nosec B608 - our own table names; every value is a parameter
    return sql, [AdjustmentDirection.INCREASE, PaymentKind.REFUND]


def _adjusted(adjustment: str) -> tuple[str, str, str]:
    """Each charge's adjustments in cents, as (a CTE, its join, the amount): per charge through its index
    on SQLite, grouped in one pass on PostgreSQL (see ``_balances_sql``)."""
    signed = "SUM(CASE WHEN a.direction = %s THEN a.amount WHEN a.direction = %s THEN -a.amount ELSE 0 END)"
    if connection.vendor != "postgresql":
        per_charge = f"SELECT ROUND({signed} * 100) FROM {adjustment} a WHERE a.charge_id = c.id"  # noqa: S608  # nosec B608
        return "", "", f"COALESCE(({per_charge}), 0)"
    grouped = f"SELECT a.charge_id, ROUND({signed} * 100) FROM {adjustment} a GROUP BY a.charge_id"  # noqa: S608  # nosec B608
    cte = f"charge_adjustment (charge_id, cents) AS ({grouped}),"
    return cte, "LEFT JOIN charge_adjustment ca ON ca.charge_id = c.id", "COALESCE(ca.cents, 0)"


def _sql(*, start: dt.date | None, end: dt.date | None, paged: bool) -> str:
    q = connection.ops.quote_name
    charge, adjustment, patient = (q(m._meta.db_table) for m in (Charge, Adjustment, Patient))
    in_range = "".join((" AND service_date >= %s" if start else "", " AND service_date <= %s" if end else ""))
    bands = ", ".join(f"SUM(CASE WHEN band = {i} THEN owed ELSE 0 END) AS b{i}" for i in range(len(AGE_BUCKETS)))
    band_totals = ", ".join(f"SUM(pp.b{i}) OVER ()" for i in range(len(AGE_BUCKETS)))
    adjusted_cte, adjusted_join, adjusted = _adjusted(adjustment)
    return f"""
WITH patient_balance (patient_id, balance) AS MATERIALIZED ({{balances}}),
{adjusted_cte}
charge_net AS MATERIALIZED (
  SELECT c.patient_id, c.id, c.service_date, CAST(ROUND(d.balance * 100) AS BIGINT) AS balance,
         CAST(ROUND(c.patient_part * 100) + {adjusted} AS BIGINT) AS net
  FROM patient_balance d JOIN {charge} c ON c.patient_id = d.patient_id {adjusted_join}
  WHERE d.balance > 0
),
walked AS (
  SELECT patient_id, service_date,
         CASE WHEN net > 0 THEN net ELSE 0 END AS due,
         SUM(CASE WHEN net > 0 THEN net ELSE 0 END) OVER (
           PARTITION BY patient_id ORDER BY service_date, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
         ) AS due_so_far,
         SUM(net) OVER (PARTITION BY patient_id) - balance AS paid
  FROM charge_net
),
owed AS (
  SELECT patient_id,
         CASE WHEN service_date >= %s THEN 0 WHEN service_date >= %s THEN 1 WHEN service_date >= %s THEN 2
              ELSE 3 END AS band,
         CASE WHEN due_so_far - paid <= 0 THEN 0 WHEN due_so_far - paid >= due THEN due
              ELSE due_so_far - paid END AS owed
  FROM walked
  WHERE 1 = 1{in_range}
),
per_patient AS (
  SELECT patient_id, {bands}, SUM(owed) AS total FROM owed GROUP BY patient_id
)
SELECT pp.patient_id, p.first_name, p.last_name, {", ".join(f"pp.b{i}" for i in range(len(AGE_BUCKETS)))}, pp.total,
       COUNT(*) OVER (), {band_totals}, SUM(pp.total) OVER ()
FROM per_patient pp JOIN {patient} p ON p.{q(Patient._meta.pk.column)} = pp.patient_id
WHERE pp.total > 0
ORDER BY pp.total DESC, pp.patient_id{" LIMIT %s OFFSET %s" if paged else ""}
"""  # noqa: S608  # nosec B608 - our own table names and fixed fragments; every value is a parameter


def _money(cents) -> Decimal:
    return Decimal(int(round(cents or 0))).scaleb(-2)


def owed_by_age(
    *, today: dt.date, start: dt.date | None = None, end: dt.date | None = None, page: int | None = None
) -> Aged:
    """The debtors owing something for services between ``start`` and ``end`` (each open end unbounded),
    largest total first (then by patient), with what they owe in each age band on ``today``: page
    ``page`` of ``PAGE_ROWS`` rows, or every row when ``page`` is None. The totals are over every row."""
    balances, balance_params = _balances_sql()
    adapt = connection.ops.adapt_datefield_value
    params = [
        *balance_params,
        AdjustmentDirection.INCREASE,
        AdjustmentDirection.REDUCE,
        *(adapt(today - dt.timedelta(days=days)) for days in BAND_DAYS),
        *(adapt(day) for day in (start, end) if day),
    ]
    if page is not None:
        params += [PAGE_ROWS, (page - 1) * PAGE_ROWS]
    sql = _sql(start=start, end=end, paged=page is not None).replace("{balances}", balances)
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
