"""R-35: no CSV the platform writes can carry a spreadsheet formula; every export goes through core.csv_export."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.csv_export import BOM, csv_document, safe_cell

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = [p for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != "tests"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_formula_looking_cell_is_neutralised(start):
    assert safe_cell(start + "1+1") == "'" + start + "1+1"


@pytest.mark.parametrize("value, cell", [
    ("小区停水", "小区停水"), ("1+1", "1+1"), ("a=b", "a=b"), ("'=x", "'=x"), (None, ""), (3, "3"), (True, "True"),
    (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "2026-12-01T08:00:00+00:00"), ("", ""),
])
def test_other_cells_are_left_alone(value, cell):
    assert safe_cell(value) == cell


def test_a_document_neutralises_every_cell_header_included():
    text = csv_document(["=header", "ok"], [["=HYPERLINK(\"http://x\")", "-2"], ["@SUM(A1)", "\tcmd"]])
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM):])))
    assert rows == [["'=header", "ok"], ["'=HYPERLINK(\"http://x\")", "'-2"], ["'@SUM(A1)", "'\tcmd"]]


def test_every_csv_the_platform_writes_goes_through_core_csv_export():
    """A new export cannot bypass the rule: csv writers live in core/csv_export.py only."""
    writers, exports = [], []
    for directory in SOURCE_DIRS:
        for path in directory.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            relative = path.relative_to(ROOT).as_posix()
            if re.search(r"csv\.(writer|DictWriter)\s*\(", text) and relative != "core/csv_export.py":
                writers.append(relative)
            if "text/csv" in text:
                exports.append((relative, "csv_document" in text))
    assert writers == []
    assert exports and all(uses for _, uses in exports), exports
