"""The ARI worker's failure safety (R-01, R-17): the event pump never waits for the database,
and the end of a call survives a Redis outage and a failed database commit — the record is
closed, the recording filed with its row (the spool file removed only after the commit) and
the agent released."""
from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import time
import wave
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.store import AcdStore, QueuedCall
from calls.repository import CallRecords
from core.kv import create_redis
from core.timeutil import utcnow
from events.bus import EventBus
from ivr.call_types import Leg
from ivr.connection import AppConnection
from ivr.plugin import build_call_worker
from ivr.registry import CallRegistry
from ivr.session import CallSession
from ivr.worker import Worker
from models import Call, Recording
from recordings import service
from recordings.audio import sha256_of
from tests.ivr.call_ports import fake_ports

pytestmark = pytest.mark.timeout(120)
APP = "hotline-failsafe"


class QuietCalls:
    """The ARI side of a call, reduced to what ending one does (and an answer that never comes:
    the call's flow is not what these tests look at)."""

    def __init__(self) -> None:
        self.hung_up: list[str] = []

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        self.hung_up.append(channel_id)

    async def answer(self, channel_id: str) -> None:
        await asyncio.Event().wait()

    async def stop_recording(self, name: str) -> None:
        return None

    async def destroy(self, bridge_id: str) -> None:
        return None

    async def delete_stored(self, name: str) -> None:
        return None


def make_worker(settings, *, records, store=None, redis=None, sessionmaker=None) -> Worker:
    return build_call_worker(settings, sessionmaker=sessionmaker, redis=redis, ari=SimpleNamespace(),
                             telephony=QuietCalls(), store=store, records=records,
                             bus=EventBus(redis) if redis is not None else None,
                             prompts=None, tickets=None, ownership=SimpleNamespace(node="failsafe-node"))


# ---------------------------------------------------------------- the event pump
class StalledRecords:
    """Fake call-record port: the database hangs until `release` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.created: list[dict] = []

    async def create(self, **fields):
        self.created.append(fields)
        call_id = 9000 + len(self.created)
        await self.release.wait()
        return SimpleNamespace(id=call_id, started_at=fields["started_at"])


class ScriptedSocket:
    """Fake ARI websocket: the given events, then the end of the stream."""

    def __init__(self, events: list[dict]) -> None:
        self.raws = [json.dumps(e) for e in events]

    def __aiter__(self):
        return self

    async def __anext__(self) -> str:
        if not self.raws:
            raise StopAsyncIteration
        return self.raws.pop(0)


def stasis_start(channel_id: str, number: str, args=()) -> dict:
    return {"type": "StasisStart", "args": list(args),
            "channel": {"id": channel_id, "caller": {"number": number}, "dialplan": {"exten": "12345"}}}


def dtmf(channel_id: str, digit: str) -> dict:
    return {"type": "ChannelDtmfReceived", "digit": digit, "channel": {"id": channel_id}}


async def test_a_stalled_database_does_not_stall_the_event_pump(settings):
    records = StalledRecords()
    worker = make_worker(settings, records=records)
    connection = AppConnection(SimpleNamespace(), "ws://unused", "unused", APP,
                               on_event=lambda event: worker.on_event(APP, event), on_connected=lambda: None)
    events = [stasis_start("pump-1", "13900000001"), dtmf("pump-1", "1"),
              stasis_start("pump-2", "13900000002"), dtmf("pump-2", "2"), dtmf("pump-1", "3"),
              stasis_start("999-agent-1001-abcdef", "1001", args=("agent", "999"))]  # a leg of a call that is over
    try:
        await asyncio.wait_for(connection._pump(ScriptedSocket(events)), timeout=2)  # every event consumed
        first, second = worker.registry.by_channel("pump-1"), worker.registry.by_channel("pump-2")
        assert [m["digit"] for m in list(first.inbox._queue)] == ["1", "3"]  # waiting for their call
        assert [m["digit"] for m in list(second.inbox._queue)] == ["2"]
        assert not worker.sessions  # no record yet: the database is still stalled
        async with asyncio.timeout(5):
            while "999-agent-1001-abcdef" not in worker.calls.hung_up:
                await asyncio.sleep(0.01)  # polling the fake, bounded by the timeout
        records.release.set()  # the database is back: the calls get their records
        async with asyncio.timeout(5):
            while len(worker.sessions) < 2:
                await asyncio.sleep(0.01)  # polling the worker's index, bounded by the timeout
        assert {s.caller for s in worker.sessions.values()} == {"pump-1", "pump-2"}
        assert [r["channel_id"] for r in records.created] == ["pump-1", "pump-2"]
    finally:
        tasks = [s.task for s in worker.registry.live() if s.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------- the end of a call
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayRedis:
    """A redis-server of this test's own, stopped (saving its data) and started again."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
            "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = create_redis(self.url, socket_timeout=0.5, connect_timeout=0.5)
        try:
            async with asyncio.timeout(10):
                while True:
                    with contextlib.suppress(Exception):
                        if await probe.ping():
                            return
                    await asyncio.sleep(0.05)  # polling the starting server, bounded by the timeout
        finally:
            await probe.aclose()

    async def stop(self) -> None:
        """SHUTDOWN SAVE: the data come back with the next start."""
        cli = await asyncio.create_subprocess_exec("redis-cli", "-p", str(self.port), "shutdown", "save",
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.wait_for(cli.wait(), 10)
        await asyncio.wait_for(self.process.wait(), 10)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await asyncio.wait_for(self.process.wait(), 10)


class FailingOnceSession(AsyncSession):
    """A database session whose commit fails once for a recording's row and once for the call's
    closing write (a database error), noting whether the spool file existed at that moment."""

    failed: ClassVar[set[str]] = set()
    observed: ClassVar[list[tuple[str, bool]]] = []
    spool: ClassVar[Path | None] = None

    async def commit(self) -> None:
        rows = list(self.identity_map.values())
        kinds = {"recording"} if any(isinstance(r, Recording) for r in rows) else set()
        if any(isinstance(r, Call) and r.ended_at is not None for r in rows):
            kinds.add("close")
        for kind in sorted(kinds - self.failed):
            self.failed.add(kind)
            self.observed.append((kind, self.spool.exists()))
            raise OperationalError("COMMIT", {}, ConnectionError("the database went away"))
        await super().commit()


def write_wav(path: Path, seconds: float = 1.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x10\x00\xf0\xff" * int(seconds * 4000))


async def test_ending_a_call_survives_a_redis_outage_and_a_failed_commit(settings, engine, seeded, tmp_path,
                                                                         monkeypatch, caplog):
    spool = tmp_path / "spool"
    monkeypatch.setattr(service, "spool_file", lambda s, name: spool / f"{name}.wav")
    local = settings.replace(recordings_dir=tmp_path / "store")
    redis_server = ThrowawayRedis(tmp_path)
    await redis_server.start()
    redis = create_redis(redis_server.url, socket_timeout=1, connect_timeout=0.5)
    async with engine.connect() as connection:
        outer = await connection.begin()
        try:
            maker = async_sessionmaker(bind=connection, expire_on_commit=False, class_=FailingOnceSession,
                                       join_transaction_mode="create_savepoint")
            records = CallRecords(maker)
            store = AcdStore(redis, prefix=f"hotline:failsafe:{redis_server.port}")
            worker = make_worker(local, records=records, store=store, redis=redis, sessionmaker=maker)
            call = await records.create(channel_id="failsafe-caller", app=APP, node="failsafe-node",
                                        caller_number="13900000009", called_number="12345", phase="bridged",
                                        started_at=utcnow(), answered_at=utcnow(), queue="general")
            name = f"call-{call.id}-failsafe"
            write_wav(spool / f"{name}.wav")
            FailingOnceSession.failed, FailingOnceSession.observed = set(), []
            FailingOnceSession.spool = spool / f"{name}.wav"
            # an agent talking with the caller, as the ACD knows it
            await store.upsert_profile(user_id=4242, username="failsafe", display_name="F", extension="1999",
                                       skills=frozenset({"general"}))
            now = time.time()
            await store.request_state(4242, "ready", "", now)
            await store.enqueue(QueuedCall(call_id=call.id, queue="general", entered_at=now, app=APP))
            assert await store.claim(call_id=call.id, user_id=4242, now=now, offer_until=now + 15) == 1
            assert await store.answered(call_id=call.id, user_id=4242, now=now)

            session = CallSession(worker.ports, APP, call_id=call.id, caller="failsafe-caller",
                                  caller_number="13900000009", phase="bridged", started_at=call.started_at)
            leg = Leg(f"{call.id}-agent-1999-abcdef", "agent", "1999", 4242, answered=True)
            session.legs.add(leg)
            session.agent, session.answered, session.caller_gone = leg, True, True
            session.recording_name = name

            await redis_server.stop()  # Redis away when the caller hangs up
            ending = asyncio.create_task(session.ending.finish())
            async with asyncio.timeout(20):
                while not any(getattr(r, "work", "") == "release the agents" for r in caplog.records):
                    await asyncio.sleep(0.05)  # polling the log for the first failed attempt, bounded
            assert not ending.done()
            await redis_server.start()  # back, with its data
            await asyncio.wait_for(ending, timeout=60)

            # the spool file outlived the recording's failed commit; it was gone (filed) before the
            # call's closing write
            assert FailingOnceSession.observed == [("recording", True), ("close", False)]
            async with maker() as db:
                closed = await db.get(Call, call.id)
                filed = (await db.scalars(select(Recording).where(Recording.call_id == call.id))).all()
            assert closed.ended_at is not None and closed.disposition == "answered"
            assert len(filed) == 1 and closed.recording_id == filed[0].id
            assert filed[0].sha256 == sha256_of(local.recordings.recordings_dir / filed[0].path)
            assert not (spool / f"{name}.wav").exists()  # removed once the row was committed
            agent = await store.get_agent(4242)
            assert agent.call_id != call.id and agent.state.state != "on_call"
            assert await store.get_call(call.id) is None
        finally:
            await redis_server.kill()
            await redis.aclose()
            await outer.rollback()


async def test_an_exception_escaping_a_call_task_is_logged_with_the_call(settings, caplog):
    class BrokenRegistry(CallRegistry):
        def add_call(self, call) -> None:
            raise RuntimeError("index broken")

    session = CallSession(fake_ports(registry=BrokenRegistry()), APP, call_id=77, caller="broken-1", caller_number="13900000077")
    session.start(fresh=False)
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(session.task, 5)
    await asyncio.sleep(0)  # the task's done callbacks run on the next turn of the loop
    failed = [r for r in caplog.records if r.getMessage() == "call task failed"]
    assert failed and failed[0].call_id == 77 and failed[0].levelname == "ERROR"
    assert "index broken" in str(failed[0].exc_info[1])
