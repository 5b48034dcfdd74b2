"""CSV for spreadsheets without formula injection: every CSV export writes through ``writer``.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel and
LibreOffice as a formula (a payer named ``=HYPERLINK(…)`` becomes a live link). Such a cell is prefixed
with an apostrophe, which the spreadsheet shows as text (the OWASP advice, as ``defusedcsv`` does).
Numbers, dates and decimals are written as they are.
"""

from __future__ import annotations

import csv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, buf, **kwargs):
        self._writer = csv.writer(buf, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(buf, **kwargs) -> _SafeWriter:
    return _SafeWriter(buf, **kwargs)
