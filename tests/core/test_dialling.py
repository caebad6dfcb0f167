"""The outside-number allow-list (R-35): table-driven over the default list and a custom one."""
from __future__ import annotations

import pytest

from core.dialling import DEFAULT_OUTSIDE_NUMBERS, caller_id, outside_number_allowed
from core.settings import Settings

CASES = [
    # number, allowed by default, what it is
    ("13800138000", True, "mobile 138"),
    ("19912345678", True, "mobile 199"),
    ("17012345678", True, "mobile 170 (virtual operator)"),
    ("12345678901", False, "11 digits starting 12: no mobile range"),
    ("1380013800", False, "mobile one digit short"),
    ("138001380001", False, "mobile one digit long"),
    ("02885551234", True, "Chengdu landline with area code 028"),
    ("01065551234", True, "Beijing landline 010"),
    ("08167654321", True, "0816 + 7 digits"),
    ("081687654321", True, "0816 + 8 digits"),
    ("85551234", True, "local 8-digit landline"),
    ("6555123", True, "local 7-digit landline"),
    ("110", True, "police"), ("119", True, "fire"), ("120", True, "ambulance"), ("122", True, "traffic police"),
    ("112", False, "short code other than the emergency services"),
    ("114", False, "directory enquiries"),
    ("12345", False, "the hotline itself"),
    ("10086", False, "carrier service line"),
    ("95588", False, "95xxx service line"),
    ("96110", False, "96xxx short code"),
    ("4008123123", False, "400 shared-cost line"),
    ("8008101234", False, "800 line"),
    ("12590123", False, "125xx premium information line"),
    ("0085212345678", False, "international 00852"),
    ("00112025550123", False, "international 001"),
    ("0", False, "a single digit"),
    ("", False, "empty"),
    ("+8613800138000", False, "a plus sign"),
    ("1380013800a", False, "a letter"),
    ("１３８００１３８０００", False, "full-width digits"),
    ("13800138000,110", False, "a list smuggled in"),
]


@pytest.mark.parametrize(("number", "allowed", "what"), CASES, ids=[c[2] for c in CASES])
def test_default_allow_list(number: str, allowed: bool, what: str) -> None:
    assert outside_number_allowed(number, DEFAULT_OUTSIDE_NUMBERS) is allowed, what


@pytest.mark.parametrize(("number", "allowed"), [("13800138000", False), ("02885551234", True),
                                                 ("0288555123", False), ("110", False)])
def test_a_configured_allow_list_replaces_the_default(number: str, allowed: bool) -> None:
    assert outside_number_allowed(number, r"028[0-9]{8}") is allowed


def test_a_malformed_allow_list_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="HOTLINE_OUTSIDE_NUMBERS"):
        Settings(outside_numbers="1[3-9")


def test_caller_id_shows_the_hotline_number() -> None:
    assert caller_id("12345") == '"12345" <12345>'
