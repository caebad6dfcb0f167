"""CSV documents for people to open in a spreadsheet: every export of the platform is written here (R-35).

A cell that starts with = + - @, a tab or a carriage return is read by Excel, WPS and
LibreOffice as a formula (or the start of one), so text typed by a citizen or a user —
`=HYPERLINK("http://…")` in a ticket's content — would run on the reader's machine. Such a
cell gets a leading apostrophe, which spreadsheets show as text and never evaluate.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel reads a UTF-8 file as such (Chinese text) only when it starts with this


def safe_cell(value: object) -> str:
    """The cell's text, with a formula-looking start neutralised; None is an empty cell."""
    text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV file (BOM, header, rows); every cell, the header's too, goes through safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return BOM + buffer.getvalue()
