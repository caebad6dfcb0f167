"""A call's ports for tests: a real registry, fakes (or nothing) for the rest."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ivr.background import Background
from ivr.ports import CallPolicy, CallPorts
from ivr.registry import CallRegistry

POLICY = CallPolicy(digit_timeout=5.0, ticket_timeout=10.0, announce_every=30.0, ring_timeout=15,
                    wrap_up_seconds=30, outside_numbers=r"1\d{10}", outbound_caller_id="12345")


def fake_ports(**parts: Any) -> CallPorts:
    """Ports with the given parts; those not given are empty stand-ins."""
    defaults = {name: SimpleNamespace() for name in ("telephony", "acd", "records", "publisher", "prompts",
                                                     "tickets", "seats", "recordings")}
    acd = parts.get("acd", defaults.get("acd"))
    return CallPorts(**{**defaults, "background": Background(), "registry": CallRegistry(),
                        "wake_dispatcher": lambda: None, "enter_acd": lambda entry: acd.enqueue(entry),
                        "policy": POLICY, **parts})
