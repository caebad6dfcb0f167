"""Telephony test fixtures (a pytest plugin, registered in tests/conftest.py): the real
Asterisk (started once per session, stopped at the end), ARI credentials, sipp runners,
ARI worker processes and the event bus.

    async def test_something(asterisk, workers, sipp, bus, telephony_settings): ...

- `telephony_settings`: the session's settings with test knobs (short prompts and timeouts,
  a free FastAGI port). Ports, the Asterisk root and the emergency address come from the
  environment (HOTLINE_SIP_PORT, HOTLINE_ARI_PORT, HOTLINE_ASTERISK_ROOT,
  HOTLINE_EMERGENCY_ADDRESS …) so a developer can run beside another Asterisk.
- `asterisk`: an AsteriskHandle (ari_url, ws_url, user, password, settings, cli(), restart()).
- `ari`: an async ivr.ari.AriClient with the spec loaded.
- `sipp`: a tests.telephony_sipp.SippRunner for this test (every process killed after it).
- `workers`: the session's WorkerPool with exactly one healthy worker at the start of the
  test; workers a test adds are stopped after it.
- `bus`: collects the event-bus messages (HOTLINE_EVENTS_CHANNEL) published during the test.
Skipped when the machine cannot run them (not root, no sipp, no Asterisk root/debootstrap).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis as redis_sync

from core.secrets import ari_password
from core.settings import REPO_ROOT, Settings
from ivr.ownership import live_key, node_of
from pbx.seat_secrets import load_seat_passwords
from tests.telephony_sipp import SippRunner, wait_until, write_tone_pcap

PROMPTS_FILE = Path(__file__).parent / "telephony" / "prompts.yaml"
WORKER_READY_TIMEOUT = 30.0
BOOT_TIMEOUT = 90.0


def not_here(reason: str):
    """A real part this test needs is missing (or held by another engineer's run): skip locally,
    naming it. In CI (.ci/run sets CI) everything is installed and nothing else runs, so the
    same situation is a failure, never a silent skip."""
    (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


def telephony_unavailable() -> str | None:
    """Why the real-telephony tests cannot run here (None: they can)."""
    if os.geteuid() != 0:
        return "needs root (Asterisk runs chrooted)"
    for tool in ("sipp", "espeak-ng"):
        if shutil.which(tool) is None:
            return f"needs {tool} (scripts/install-system-deps.sh)"
    if shutil.which("asterisk") is None and shutil.which("debootstrap") is None and not (
            Path(os.environ.get("HOTLINE_ASTERISK_ROOT", "/var/cache/hotline12345/asterisk-root")) /
            ".hotline12345-root").exists():
        return "needs an Asterisk root or debootstrap"
    return None


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_env(settings: Settings) -> dict[str, str]:
    """HOTLINE_* variables that make a child process see exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(settings.environment())
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


# ------------------------------------------------------------------ settings and Asterisk
@pytest.fixture(scope="session")
def telephony_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Session settings with the telephony test knobs."""
    base = tmp_path_factory.mktemp("telephony")
    return settings.replace(
        fastagi_port=free_tcp_port(), ring_timeout_seconds=6, wrap_up_seconds=1,
        ivr_digit_timeout_seconds=2.0, ivr_ticket_timeout_seconds=4.0, queue_announce_seconds=5.0,
        prompts_file=PROMPTS_FILE, prompts_dir=base / "prompts", recordings_dir=base / "recordings",
        log_json=False,
        # the survey dialer calls at any hour in tests, rings briefly and retries at once
        survey_call_window="00:00-24:00", survey_ring_seconds=6, survey_retry_minutes=0,
    )


@dataclass
class AsteriskHandle:
    settings: Settings
    pid: int
    started_here: bool

    @property
    def ari_url(self) -> str:
        return f"http://{self.settings.telephony.ari_host}:{self.settings.telephony.ari_port}/ari"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.settings.telephony.ari_host}:{self.settings.telephony.ari_port}/ari"

    @property
    def user(self) -> str:
        return self.settings.telephony.ari_user

    @property
    def password(self) -> str:
        return ari_password(self.settings)

    @property
    def sip_target(self) -> str:
        return f"{self.settings.telephony.sip_host}:{self.settings.telephony.sip_port}"

    def sip_password(self, extension: str) -> str:
        return load_seat_passwords(self.settings)[extension]

    def cli(self, command: str) -> str:
        from pbx import process

        return process.cli(self.settings, command)

    def restart(self) -> None:
        """Stop and start Asterisk (bounded); the workers must reconnect by themselves."""
        from pbx import process

        process.stop(self.settings)
        self.pid = process.start(self.settings, timeout=BOOT_TIMEOUT)

    def channels(self) -> list[dict]:
        response = httpx.get(f"{self.ari_url}/channels", auth=(self.user, self.password), timeout=5)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def asterisk(telephony_settings: Settings):
    """The real Asterisk, once per session (reused and left running if it ran before)."""
    reason = telephony_unavailable()
    if reason:
        not_here(reason)
    from pbx import process

    started_here = process.running_pid(telephony_settings) is None
    pid = process.start(telephony_settings, timeout=BOOT_TIMEOUT)
    handle = AsteriskHandle(telephony_settings, pid, started_here)
    yield handle
    if started_here:
        process.stop(telephony_settings)


@pytest.fixture
async def ari(asterisk: AsteriskHandle):
    from ivr.ari import AriClient

    client = AriClient(asterisk.ari_url, asterisk.user, asterisk.password)
    await client.load_spec()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def tone_pcap(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 6-s 440 Hz PCMA RTP capture: what sipp agents 'say'."""
    return str(write_tone_pcap(tmp_path_factory.mktemp("audio") / "tone440.pcap"))


@pytest.fixture(scope="session")
def long_tone_pcap(tmp_path_factory: pytest.TempPathFactory) -> str:
    """60 s of a 300 Hz tone: a caller that keeps talking (RTP that does not stop)."""
    return str(write_tone_pcap(tmp_path_factory.mktemp("audio-long") / "tone300.pcap", frequency=300,
                               seconds=60))


@pytest.fixture
def sipp(asterisk: AsteriskHandle, tmp_path: Path):
    runner = SippRunner(workdir=tmp_path, target=asterisk.sip_target)
    yield runner
    runner.close()


# ------------------------------------------------------------------ workers
@dataclass
class WorkerProcess:
    worker_id: str
    popen: subprocess.Popen
    log: Path
    settings: Settings

    @property
    def app(self) -> str:
        return f"{self.settings.telephony.ari_app}-{self.worker_id}"

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive:
            self.popen.send_signal(sig)
            self.popen.wait(timeout=15)

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL after a bound."""
        if not self.alive:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=5)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class WorkerPool:
    settings: Settings
    workdir: Path
    redis: redis_sync.Redis
    processes: list[WorkerProcess] = field(default_factory=list)
    python_args: list[str] = field(default_factory=list)  # e.g. ["-m", "cProfile", "-o", path]
    _count: int = 0

    def start(self, worker_id: str | None = None, *, wait: bool = True) -> WorkerProcess:
        """Start `hotline worker` (as its own process) and wait until its app is live."""
        self._count += 1
        worker_id = worker_id or f"t{secrets.token_hex(3)}x{self._count}"  # unique across pools and runs
        log = self.workdir / f"worker-{worker_id}.log"
        with open(log, "ab") as out:
            popen = subprocess.Popen([sys.executable, *self.python_args, "-m", "cli.main", "worker",
                                      "--worker-id", worker_id],
                                     cwd=REPO_ROOT, env=settings_env(self.settings), stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT)
        proc = WorkerProcess(worker_id, popen, log, self.settings)
        self.processes.append(proc)
        if wait:
            self.wait_ready(proc)
        return proc

    def wait_ready(self, proc: WorkerProcess, timeout: float = WORKER_READY_TIMEOUT) -> None:
        def ready():
            if not proc.alive:
                raise AssertionError(f"worker {proc.worker_id} exited\n{proc.log_tail()}")
            return self.redis.hget(live_key(node_of(self.settings)), proc.app) == proc.worker_id
        wait_until(ready, timeout, message=f"worker {proc.worker_id} live")

    @property
    def alive(self) -> list[WorkerProcess]:
        return [p for p in self.processes if p.alive]

    def ensure_one(self) -> WorkerProcess:
        """Exactly one healthy worker: extras stopped, a dead one replaced."""
        alive = self.alive
        for extra in alive[1:]:
            extra.stop()
        if alive:
            self.wait_ready(alive[0])
            return alive[0]
        return self.start()

    def stop_all(self) -> None:
        for proc in self.processes:
            proc.stop()


@pytest.fixture(scope="session")
def worker_pool(asterisk: AsteriskHandle, telephony_settings: Settings, tmp_path_factory):
    client = redis_sync.Redis.from_url(telephony_settings.redis.redis_url, decode_responses=True)
    pool = WorkerPool(telephony_settings, tmp_path_factory.mktemp("workers"), client)
    yield pool
    pool.stop_all()
    client.close()


@pytest.fixture
def workers(worker_pool: WorkerPool, redis):
    """The pool with one healthy worker (after the per-test Redis flush)."""
    first = worker_pool.ensure_one()
    yield worker_pool
    for proc in worker_pool.processes:
        if proc is not first:
            proc.stop()
    worker_pool.processes = [p for p in worker_pool.processes if p.alive]


# ------------------------------------------------------------------ event bus
class BusRecorder:
    """Collects bus messages in a thread; wait_for() finds one with a bound."""

    def __init__(self, url: str, channel: str) -> None:
        self.client = redis_sync.Redis.from_url(url, decode_responses=True)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)
        self.messages: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while not self._stop.is_set():
            message = self.pubsub.get_message(timeout=0.2)
            if message and message.get("type") == "message":
                self.messages.append(json.loads(message["data"]))

    def find(self, type_: str, **match) -> list[dict]:
        return [m for m in list(self.messages) if m["type"] == type_
                and all(m["data"].get(k) == v for k, v in match.items())]

    def wait_for(self, type_: str, timeout: float = 20.0, **match) -> dict:
        found = wait_until(lambda: self.find(type_, **match), timeout, message=f"bus {type_} {match}")
        return found[0]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.pubsub.close()
        self.client.close()


@pytest.fixture
def bus(telephony_settings: Settings):
    recorder = BusRecorder(telephony_settings.redis.redis_url, telephony_settings.redis.events_channel)
    yield recorder
    recorder.close()
