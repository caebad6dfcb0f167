"""The voice menu as a pure state machine (R-01, R-05): keys 1/2/3/0, timeout, invalid keys
re-prompted at most twice, ticket progress."""
from __future__ import annotations

import pytest

from ivr.menu import (
    Keys,
    LookupTicket,
    MenuConfig,
    MenuState,
    Prompt,
    Start,
    Text,
    TicketStatus,
    ToQueue,
    step,
)

CONFIG = MenuConfig(digit_timeout=5, ticket_timeout=10)


def start():
    state, action = step(MenuState(), Start(), CONFIG)
    assert action == Prompt(("greeting", "menu"), 1, 5)
    return state


@pytest.mark.parametrize(("keys", "queue", "choice"), [
    ("1", "general", "1"), ("2", "enterprise", "2"), ("0", "general", "0"), ("", "general", "timeout")])
def test_main_menu_choices(keys, queue, choice):
    _, action = step(start(), Keys(keys), CONFIG)
    assert action == ToQueue(queue, choice)


def test_invalid_keys_reprompted_twice_then_general_queue():
    state = start()
    state, action = step(state, Keys("7"), CONFIG)
    assert action.prompts == ("invalid", "menu")
    state, action = step(state, Keys("*"), CONFIG)
    assert action.prompts == ("invalid", "menu")
    state, action = step(state, Keys("9"), CONFIG)
    assert action == ToQueue("general", "invalid")


def test_a_valid_key_after_an_invalid_one_counts():
    state, _ = step(start(), Keys("8"), CONFIG)
    _, action = step(state, Keys("2"), CONFIG)
    assert action == ToQueue("enterprise", "2")


def test_ticket_progress_found_then_back_to_menu():
    state, action = step(start(), Keys("3"), CONFIG)
    assert action == Prompt(("ticket_enter",), 20, 10, terminator="#")
    state, action = step(state, Keys("510120261127000123#"), CONFIG)
    assert action == LookupTicket("510120261127000123")
    state, action = step(state, TicketStatus(True, "当前状态：办理中"), CONFIG)
    assert action.prompts == (Text("当前状态：办理中"), "menu")
    _, action = step(state, Keys("0"), CONFIG)
    assert action == ToQueue("general", "0")


def test_ticket_not_found_asks_again_then_returns_to_menu():
    state, _ = step(start(), Keys("3"), CONFIG)
    state, _ = step(state, Keys("123"), CONFIG)
    state, action = step(state, TicketStatus(False), CONFIG)
    assert action.prompts == ("ticket_not_found", "ticket_enter")
    state, action = step(state, Keys(""), CONFIG)  # nothing keyed: counts as a failed attempt
    assert action.prompts == ("ticket_invalid", "menu")
    _, action = step(state, Keys(""), CONFIG)
    assert action == ToQueue("general", "timeout")


def test_unexpected_event_is_a_bug():
    with pytest.raises(ValueError):
        step(MenuState(), Keys("1"), CONFIG)
