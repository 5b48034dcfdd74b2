"""A report as the admin pages show it: a table, a chart and a CSV."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from clinic import csvsafe


def in_range(qs, field: str, start: dt.date | None, end: dt.date | None):
    """Rows whose ``field`` (a date) falls in the chosen range; an open end is unbounded."""
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs


AGE_BUCKETS = ("0–30 days", "31–60 days", "61–90 days", "90+ days")


@dataclass
class Report:
    slug: str
    title: str
    description: str
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[dict]
    chart_type: str
    chart_label_key: str
    chart_series: list[tuple[str, str]]  # (key, label)
    totals: dict | None = None
    period: str = ""

    def chart(self) -> dict:
        return {
            "type": self.chart_type,
            "labels": [str(r[self.chart_label_key]) for r in self.rows],
            "datasets": [
                {"label": label, "data": [float(r[key] or 0) for r in self.rows]} for key, label in self.chart_series
            ],
        }

    def table(self) -> list[list]:
        return [[r.get(key) for key, _ in self.columns] for r in self.rows]

    def csv(self) -> str:
        """UTF-8 with a byte-order mark so spreadsheets read it as UTF-8; plain numbers, ISO dates."""
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = csvsafe.writer(buf)  # formula cells neutralised
        writer.writerow([label for _, label in self.columns])
        for row in self.table():
            writer.writerow(["" if v is None else v for v in row])
        if self.totals:
            writer.writerow([self.totals.get(key, "") for key, _ in self.columns])
        return buf.getvalue()
