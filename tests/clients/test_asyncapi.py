"""docs/asyncapi.yaml (the event contract of the province data push) says what the code sends:
every ticket event type with the fields of its model, the envelope of events.feed, the exchange."""
from __future__ import annotations

from datetime import UTC, datetime

import yaml

from core.settings import REPO_ROOT, IntegrationSettings
from events.feed import external_event
from models import OutboxEvent
from workorders import events

DOCUMENT = yaml.safe_load((REPO_ROOT / "docs" / "asyncapi.yaml").read_text())
MODELS = {cls.type: cls for cls in events.TicketFacts.__subclasses__()}


def _message(type_: str) -> dict:
    return DOCUMENT["components"]["messages"][type_.replace(".", "_")]


def _data_schema(type_: str) -> dict:
    ref = _message(type_)["payload"]["allOf"][1]["properties"]["data"]["$ref"]
    return DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_ticket_event_type_is_documented_with_its_fields():
    assert set(events.TICKET_EVENT_TYPES) == set(MODELS)
    for type_, model in MODELS.items():
        schema = _data_schema(type_)
        assert set(schema["properties"]) == set(model.model_fields), type_
        assert set(schema["required"]) == {n for n, f in model.model_fields.items() if f.is_required()}, type_
        assert _message(type_)["bindings"]["amqp"]["deliveryMode"] == 2


def test_the_envelope_and_the_exchange_are_what_the_relay_sends():
    envelope = DOCUMENT["components"]["schemas"]["Envelope"]
    row = OutboxEvent(id=7, seq=5, type="ticket.signed", payload={"ticket_id": 1}, created_at=datetime.now(UTC))
    assert set(external_event(row)) == set(envelope["properties"]) == set(envelope["required"])
    exchange = DOCUMENT["channels"]["hotlineEvents"]["bindings"]["amqp"]["exchange"]
    assert exchange["name"] == IntegrationSettings.model_fields["amqp_exchange"].default == "hotline.events"
    assert exchange["type"] == "topic" and exchange["durable"] is True
    assert DOCUMENT["asyncapi"].startswith("3.")
