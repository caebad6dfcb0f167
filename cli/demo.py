"""`hotline demo call`: a simulated citizen calls 12345 so a newcomer hears the product.

sipp plays the carrier's side: it calls from the carrier's address (HOTLINE_PSTN_ADDRESS,
the only address whose calls enter the hotline), keys the menu digits (RFC 4733), talks,
stays on the line for a while and hangs up. Its <log> lines (pbx/sipp.py) are printed as
they appear, in plain words.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import click

from core.settings import Settings, get_settings
from pbx import process as pbx_process
from pbx.render import SERVICE_NUMBER, split_host_port
from pbx.sipp import (
    SPEECH_PCAP,
    STEP_ANSWERED,
    STEP_CALLER_HUNG_UP,
    STEP_KEYED,
    STEP_PLATFORM_HUNG_UP,
    STEP_WAITING,
    demo_caller_scenario,
    free_media_port,
    free_udp_port,
)

DEMO_NUMBER = "13800138000"
ANSWER_TIMEOUT_SECONDS = 30  # the voice menu answers at once; longer means nobody is there
POLL_SECONDS = 0.2

# what each step of the scenario means to the person watching
_STEP_LINES = {
    STEP_ANSWERED: "语音导航已接听 / answered by the voice menu (IVR)",
    STEP_KEYED: "已按键 {detail} / keyed {detail}",
    STEP_WAITING: "等待座席接听，请在 /desktop/ 签入并接听 / waiting: an agent signed in at /desktop/ sees it ring",
    STEP_PLATFORM_HUNG_UP: "平台已挂断 / the platform hung up",
    STEP_CALLER_HUNG_UP: "市民已挂断 / the caller hung up",
}


def step_line(log_line: str) -> str | None:
    """The printed line for one line of sipp's log (None: not one of our steps)."""
    step, _, detail = log_line.strip().partition(" ")
    template = _STEP_LINES.get(step)
    return template.format(detail=detail) if template else None


def why_not_ready(settings: Settings) -> str | None:
    """Why a demo call cannot be placed here (None: it can)."""
    if shutil.which("sipp") is None:
        return ("sipp 未安装 / sipp is not installed: run scripts/install-system-deps.sh as root "
                "(Debian package sip-tester)")
    if pbx_process.running_pid(settings) is None:
        return "平台未运行 / the platform is not running: start it with `make run` (or `hotline up`) first"
    host, _ = split_host_port(settings.telephony.pstn_address)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((host, 0))
    except OSError:
        return (f"cannot call from the carrier's address {host} (HOTLINE_PSTN_ADDRESS): it is not an "
                "address of this machine; the demo works with the development default 127.0.0.2")
    return None


def _sipp_command(settings: Settings, scenario: Path, workdir: Path) -> list[str]:
    host, _ = split_host_port(settings.telephony.pstn_address)
    return ["sipp", "-sf", str(scenario), "-i", host, "-p", str(free_udp_port(host)), "-mi", host,
            "-mp", str(free_media_port(host)), "-m", "1", "-nostdin", "-nr", "-s", SERVICE_NUMBER,
            "-trace_logs", "-log_file", str(workdir / "steps.log"),
            "-trace_err", "-error_file", str(workdir / "errors.log"),
            f"{settings.telephony.sip_host if settings.telephony.sip_host not in ('0.0.0.0', '::') else '127.0.0.1'}:{settings.telephony.sip_port}"]


def _new_lines(path: Path, seen: int) -> tuple[list[str], int]:
    if not path.exists():
        return [], seen
    lines = path.read_text(errors="replace").splitlines()
    return lines[seen:], len(lines)


def place_call(settings: Settings, *, digits: str, seconds: int, number: str, echo=click.echo) -> int:
    """Place the call, print its steps; returns sipp's exit code (0: every step as planned)."""
    with tempfile.TemporaryDirectory(prefix="hotline-demo-") as tmp:
        workdir = Path(tmp)
        scenario = workdir / "caller.xml"
        scenario.write_text(demo_caller_scenario(
            number=number, digits=digits, pcap_dir=workdir, talk_ms=seconds * 1000,
            audio=SPEECH_PCAP if Path(SPEECH_PCAP).exists() else None))
        echo(f"正在拨打 {SERVICE_NUMBER}（来电号码 {number}） / dialling {SERVICE_NUMBER} as citizen {number}")
        sipp = subprocess.Popen(_sipp_command(settings, scenario, workdir), cwd=workdir, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS + seconds + 30
        seen, answered = 0, False
        started = time.monotonic()
        try:
            while True:
                lines, seen = _new_lines(workdir / "steps.log", seen)
                for line in lines:
                    answered = answered or line.startswith(STEP_ANSWERED)
                    printed = step_line(line)
                    if printed:
                        echo(printed)
                code = sipp.poll()
                if code is not None:
                    break
                now = time.monotonic()
                if now > deadline or (not answered and now - started > ANSWER_TIMEOUT_SECONDS):
                    echo("无人接听，放弃 / nobody answered: is the ARI worker running (`make run`)?")
                    sipp.kill()
                    sipp.wait(timeout=5)
                    return 1
                time.sleep(POLL_SECONDS)  # polling sipp's log file, bounded by the deadline
            lines, seen = _new_lines(workdir / "steps.log", seen)
            for line in lines:
                printed = step_line(line)
                if printed:
                    echo(printed)
            if code != 0:
                errors = (workdir / "errors.log")
                tail = errors.read_text(errors="replace")[-1500:] if errors.exists() else ""
                echo(f"呼叫未按计划结束 / the call did not go as planned (sipp exit {code})\n{tail}".rstrip())
            else:
                echo("通话结束 / call ended")
            return code
        finally:
            if sipp.poll() is None:
                sipp.kill()
                sipp.wait(timeout=5)


@click.group(help="Try the platform: a simulated citizen calls the hotline.")
def demo() -> None:
    pass


@demo.command(help="Call 12345 as a citizen (from the carrier side) so a signed-in agent at /desktop/ sees it ring.")
@click.option("--digits", default="1", show_default=True,
              help="menu keys to press: 1 personal matters, 2 enterprise matters, 0 an agent; '' none")
@click.option("--seconds", default=60, show_default=True, type=click.IntRange(1, 3600),
              help="how long the citizen stays on the line before hanging up")
@click.option("--number", default=DEMO_NUMBER, show_default=True, help="the citizen's phone number")
def call(digits: str, seconds: int, number: str) -> None:
    if any(d not in "0123456789*#" for d in digits):
        raise click.BadParameter("only 0-9, * and # can be keyed", param_hint="--digits")
    if not number.isdigit():
        raise click.BadParameter("digits only", param_hint="--number")
    settings = get_settings()
    reason = why_not_ready(settings)
    if reason:
        raise click.ClickException(reason)
    raise SystemExit(place_call(settings, digits=digits, seconds=seconds, number=number))
