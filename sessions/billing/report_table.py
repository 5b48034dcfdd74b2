"""A report as the admin pages show it: a table, a chart and a CSV."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.paginator import Page

from clinic import csvsafe

DEFAULT_MONTHS = 12  # a report without dates covers the last 12 full months and this month up to today
MAX_YEARS = 10  # the widest range a report runs over


def months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``day``'s month."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, 1) if year >= 1 else dt.date.min


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 12 full months up to today: from the first of the month 12 months ago to today."""
    return months_before(today, DEFAULT_MONTHS), today


def fill_period(start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date | None]:
    """The period a report covers: no dates is the default period; an end alone gets the 12 full months
    before it; a start alone runs on to the latest data."""
    if start is None and end is None:
        return default_period(today)
    if start is None:
        return months_before(end, DEFAULT_MONTHS), end
    return start, end


def period_problem(start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple[str, str] | None:
    """(field, message) when the dates cannot make a report period, else None."""
    if start and end and start > end:
        return "end", "The end comes before the start; choose a later end date."
    first, last = fill_period(start, end, today)
    if (last or max(today, first)) > _years_after(first, MAX_YEARS):
        field = "start" if start else "end"
        return field, f"Choose a period of at most {MAX_YEARS} years."
    return None


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, or beyond year 9999
        return dt.date.max if day.year + years > 9999 else day.replace(year=day.year + years, day=28)


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
    start: dt.date | None = None
    end: dt.date | None = None
    pager: Page | None = None  # the page of rows shown, for a report that pages them; None: every row

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
