"""The voice menu as a pure state machine: (state, event) -> (state, action).

Greeting, then: 1 personal matters -> general queue; 2 enterprise matters (涉企) ->
enterprise queue; 3 ticket progress (key in the number, end with #, hear its status);
0 or no key within the timeout -> general queue. An invalid key is re-prompted at most
twice; the third goes to the general queue (a caller is never dropped by the menu).
No I/O here: the ARI side plays what `Prompt` names and feeds back what the caller keyed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from acd.queues import ENTERPRISE, GENERAL

MAX_INVALID = 2  # re-prompts after an invalid key
MAX_TICKET_ATTEMPTS = 2
TICKET_MAX_DIGITS = 20


# ------------------------------------------------------------------ actions
@dataclass(frozen=True)
class Text:
    """A prompt made on the fly from text (e.g. a ticket's status)."""

    text: str


PromptRef = str | Text  # a configured prompt key, or text to speak


@dataclass(frozen=True)
class Prompt:
    """Play the prompts (a key press interrupts them), then collect up to max_digits keys."""

    prompts: tuple[PromptRef, ...]
    max_digits: int = 1
    timeout: float = 5.0
    terminator: str | None = None


@dataclass(frozen=True)
class ToQueue:
    queue: str
    choice: str  # what the caller chose: "1", "2", "0", "timeout", "invalid"


@dataclass(frozen=True)
class LookupTicket:
    number: str


Action = Prompt | ToQueue | LookupTicket


# ------------------------------------------------------------------ events
@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Keys:
    digits: str  # what was keyed ("" = nothing before the timeout)


@dataclass(frozen=True)
class TicketStatus:
    found: bool
    text: str = ""  # the status sentence to speak when found


Event = Start | Keys | TicketStatus


# ------------------------------------------------------------------ state
@dataclass(frozen=True)
class MenuConfig:
    digit_timeout: float = 5.0
    ticket_timeout: float = 10.0


@dataclass(frozen=True)
class MenuState:
    stage: str = "new"  # new | main | ticket | lookup | done
    invalid: int = 0
    ticket_attempts: int = 0


def _main(state: MenuState, config: MenuConfig, *lead: PromptRef) -> tuple[MenuState, Action]:
    return replace(state, stage="main"), Prompt((*lead, "menu"), 1, config.digit_timeout)


def _ticket_entry(state: MenuState, config: MenuConfig, *lead: PromptRef) -> tuple[MenuState, Action]:
    return (replace(state, stage="ticket"),
            Prompt((*lead, "ticket_enter"), TICKET_MAX_DIGITS, config.ticket_timeout, terminator="#"))


def _done(state: MenuState, queue: str, choice: str) -> tuple[MenuState, Action]:
    return replace(state, stage="done"), ToQueue(queue, choice)


def step(state: MenuState, event: Event, config: MenuConfig = MenuConfig()) -> tuple[MenuState, Action]:
    """The next state and what to do."""
    if state.stage == "new" and isinstance(event, Start):
        return _main(state, config, "greeting")
    if state.stage == "main" and isinstance(event, Keys):
        return _on_main_key(state, event.digits[:1], config)
    if state.stage == "ticket" and isinstance(event, Keys):
        return _on_ticket_number(state, event.digits.rstrip("#"), config)
    if state.stage == "lookup" and isinstance(event, TicketStatus):
        if event.found:
            return _main(replace(state, invalid=0, ticket_attempts=0), config, Text(event.text))
        return _on_ticket_failed(state, config, "ticket_not_found")
    raise ValueError(f"event {event!r} not expected in stage {state.stage!r}")


def _on_main_key(state: MenuState, key: str, config: MenuConfig) -> tuple[MenuState, Action]:
    if key == "":
        return _done(state, GENERAL, "timeout")
    if key in ("1", "0"):
        return _done(state, GENERAL, key)
    if key == "2":
        return _done(state, ENTERPRISE, key)
    if key == "3":
        return _ticket_entry(state, config)
    if state.invalid >= MAX_INVALID:
        return _done(state, GENERAL, "invalid")
    return _main(replace(state, invalid=state.invalid + 1), config, "invalid")


def _on_ticket_number(state: MenuState, number: str, config: MenuConfig) -> tuple[MenuState, Action]:
    if number.isdigit():
        return replace(state, stage="lookup"), LookupTicket(number)
    return _on_ticket_failed(state, config, "ticket_invalid")


def _on_ticket_failed(state: MenuState, config: MenuConfig, notice: str) -> tuple[MenuState, Action]:
    attempts = state.ticket_attempts + 1
    if attempts >= MAX_TICKET_ATTEMPTS:  # back to the main menu rather than loop
        return _main(replace(state, ticket_attempts=0, invalid=0), config, notice)
    return _ticket_entry(replace(state, ticket_attempts=attempts), config, notice)
