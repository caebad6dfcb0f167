"""Ticket progress by phone (key 3): the caller keys the digits of a ticket number and hears
its status; read from the work-orders domain's tickets table."""
from __future__ import annotations

from ivr.prompt_texts import ticket_status_text
from ivr.tickets import find_ticket
from tests.conftest import login
from tests.workorders.helpers import create


async def test_a_ticket_is_found_by_the_digits_of_its_number(client, session):
    ticket = await create(client, await login(client, "agent1001"))
    digits = ticket["number"].replace("-", "")
    found = await find_ticket(session, digits)
    assert found is not None and found.number == ticket["number"]
    assert found.status == ticket["status"] and found.status_label  # the label of workorders' state machine
    sentence = ticket_status_text(found.number, found.status_label)
    assert found.status_label in sentence and " ".join(digits[-6:]) in sentence


async def test_unknown_or_malformed_numbers_are_not_found(session):
    assert await find_ticket(session, "000000000000000000") is None
    assert await find_ticket(session, "12ab") is None
    assert await find_ticket(session, "9" * 40) is None
