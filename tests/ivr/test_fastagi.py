"""The blocked-caller step (R-26): the in-root AGI relay hands the conversation to the
workers' FastAGI server; whatever fails, the relay ends quietly and fast so the dialplan
goes on (a caller is never left in silence)."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

from agi_scripts.blocklist_check import choose_app
from agi_scripts.fastagi import FastAgiServer

RELAY = Path(__file__).resolve().parents[2] / "agi_scripts" / "check_blocked.py"
AGI_ENV = "agi_request: check_blocked.py\nagi_channel: PJSIP/pstn-00000001\nagi_callerid: 13900139000\n" \
          "agi_uniqueid: 1795.1\n\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_relay(port: int, stdin: str, timeout: float = 10.0) -> tuple[int, str, float]:
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(RELAY), f"127.0.0.1:{port}", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout)
    return proc.returncode, out.decode(), time.monotonic() - started


async def test_relay_carries_the_workers_commands_to_asterisk():
    seen = {}

    async def handler(request):
        seen.update(request.env)
        await request.set_variable("HOTLINE_BLOCKED", "1")

    port = free_port()
    server = FastAgiServer("127.0.0.1", port, {"check_blocked": handler})
    await server.start()
    try:
        code, out, _ = await run_relay(port, AGI_ENV + "200 result=1\n")
    finally:
        await server.stop()
    assert code == 0 and out == 'SET VARIABLE HOTLINE_BLOCKED "1"\n'
    assert seen["agi_callerid"] == "13900139000" and server.served == 1


async def test_relay_without_worker_ends_at_once():
    code, out, elapsed = await run_relay(free_port(), AGI_ENV)
    assert code == 0 and out == "" and elapsed < 3


async def test_relay_with_a_hung_worker_gives_up_within_its_timeout():
    async def hang(reader, writer):
        await asyncio.sleep(30)

    port = free_port()
    server = await asyncio.start_server(hang, "127.0.0.1", port)
    try:
        code, out, elapsed = await run_relay(port, AGI_ENV)
    finally:
        server.close()
    assert code == 0 and out == "" and elapsed < 5  # READ_TIMEOUT 3 s (the dialplan caps at 5 s too)


async def test_a_crashing_handler_still_closes_the_conversation():
    async def crash(request):
        raise RuntimeError("database on fire")

    port = free_port()
    server = FastAgiServer("127.0.0.1", port, {"check_blocked": crash})
    await server.start()
    try:
        code, out, elapsed = await run_relay(port, AGI_ENV)
    finally:
        await server.stop()
    assert code == 0 and out == "" and elapsed < 3


def test_routing_hint_prefers_the_least_loaded_then_our_own():
    assert choose_app({}, None) is None
    assert choose_app({"a": 3, "b": 1}, "a") == "b"
    assert choose_app({"a": 1, "b": 1}, "b") == "b"
    assert choose_app({"a": 0, "b": 0}, None) in ("a", "b")
