"""The blanking of hidden callers' names and numbers in texts a unit reads (R-25), as a pure function."""
from __future__ import annotations

import pytest

from models import TicketCaller
from workorders.serialize import REDACTED, Viewer, redactor_for
from workorders.state_machine import Side

UNIT, HOTLINE, EXPERT = Viewer(Side.UNIT, True), Viewer(Side.HOTLINE, True), Viewer(Side.HOTLINE, False)
REPORTER = TicketCaller(name="钱举报", phone="13887654321", hidden_from_units=True, confidential=False)
LANDLINE = TicketCaller(name="赵保密", phone="02887654321", hidden_from_units=True, confidential=True)
OPEN = TicketCaller(name="孙公开", phone="13611112222", hidden_from_units=False, confidential=False)


@pytest.mark.parametrize("text, shown", [
    ("钱举报来电举报", f"{REDACTED}来电举报"),
    ("回访13887654321不满意", f"回访{REDACTED}不满意"),
    ("电话 138 8765 4321。", f"电话 {REDACTED}。"),
    ("电话+86-138-8765-4321", f"电话+86-{REDACTED}"),
    ("座机028-87654321或87654321", f"座机{REDACTED}或{REDACTED}"),
    ("赵保密、孙公开13611112222", f"{REDACTED}、孙公开13611112222"),  # an ordinary caller stays readable
    ("钱某举报", "钱某举报"),
])
def test_units_read_texts_without_hidden_callers(text, shown):
    assert redactor_for([REPORTER, LANDLINE, OPEN], UNIT).text(text) == shown


def test_the_hotline_reads_texts_whole_and_a_viewer_without_personal_data_reads_no_caller():
    text = "钱举报13887654321，孙公开13611112222"
    assert redactor_for([REPORTER, OPEN], HOTLINE).text(text) == text
    assert redactor_for([REPORTER, OPEN], EXPERT).text(text) == f"{REDACTED}{REDACTED}，{REDACTED}{REDACTED}"


def test_history_details_are_blanked_inside():
    detail = {"note": ["钱举报"], "n": 3, "who": {"phone": "13887654321"}}
    assert redactor_for([REPORTER], UNIT).deep(detail) == {"note": [REDACTED], "n": 3, "who": {"phone": REDACTED}}
