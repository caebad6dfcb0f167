"""sipp as the carrier's callers, the agents' phones and the emergency centre, for tests
and the benchmark. Scenarios are built from small XML templates (the SIP messages and key
presses live in pbx/sipp.py, shared with `hotline demo call`; tests/telephony/scenarios
holds the fixed ones); every process started through `SippRunner` is stopped by it, and
every wait is bounded (sipp's own -timeout does not stop an idle UAS).
"""
from __future__ import annotations

import math
import os
import signal
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pbx.sipp import HEAD as _HEAD
from pbx.sipp import SDP as _SDP
from pbx.sipp import SPEECH_PCAP, dtmf_key, free_media_port, free_udp_port, write_dtmf_pcap
from pbx.sipp import ack as _ack
from pbx.sipp import answer_bye as _answer_bye
from pbx.sipp import bye as _bye
from pbx.sipp import invite as _invite
from pbx.sipp import write_pcap as _write_pcap
from recordings.audio import audioop

SCENARIOS = Path(__file__).parent / "telephony" / "scenarios"
CARRIER_IP = "127.0.0.2"
AGENT_IP = "127.0.0.1"
EMERGENCY_IP = "127.0.0.3"

# ------------------------------------------------------------------ scenario builders
def caller_scenario(*, number: str = "13800138000", digits: str | list[tuple[int, str]] = "",
                    digit_delay_ms: int = 1500, audio: str | None = SPEECH_PCAP, audio_delay_ms: int = 0,
                    talk_ms: int = 8000, hang_up: bool = True, pcap_dir: Path | None = None) -> str:
    """A carrier-side caller: INVITE 12345 (answered by the voice menu), key `digits` after
    `digit_delay_ms` (or a list of (pause ms, keys) steps), wait `audio_delay_ms`, send
    speech, then hang up `talk_ms` later (or wait for the platform's BYE)."""
    xml = [_HEAD.format(name="hotline caller"), _invite(number), """
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
""", _ack(number)]
    steps = [(digit_delay_ms, digits)] if isinstance(digits, str) and digits else list(digits or [])
    presses = 0
    for pause_ms, keys in steps:
        xml.append(f'  <pause milliseconds="{pause_ms}"/>\n')
        for digit in keys:
            if pcap_dir is None:
                raise ValueError("pcap_dir is needed to key digits")
            pcap = write_dtmf_pcap(Path(pcap_dir) / f"dtmf-{number}-{presses}-{dtmf_key(digit)}.pcap", digit,
                                   index=presses)
            presses += 1
            xml.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n'
                       '  <pause milliseconds="400"/>\n')
    if audio_delay_ms:
        xml.append(f'  <pause milliseconds="{audio_delay_ms}"/>\n')
    if audio:
        xml.append(f'  <nop><action><exec play_pcap_audio="{audio}"/></action></nop>\n')
    if hang_up:
        xml.append(f'  <pause milliseconds="{talk_ms}"/>\n' + _bye(number) +
                   '  <recv response="200" crlf="true"/>\n')
    else:
        xml.append(_answer_bye())
    xml.append("</scenario>\n")
    return "".join(xml)


def rejected_scenario(*, number: str, code: int = 403, early_media: bool = True) -> str:
    """A caller the dialplan turns away: early media (the notice, 183) then `code`."""
    media = '  <recv response="183"/>\n' if early_media else '  <recv response="183" optional="true"/>\n'
    return (_HEAD.format(name="rejected caller") + _invite(number) + f"""
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
{media}  <recv response="{code}"/>
""" + _ack(number, contact=False) + "</scenario>\n")


def _answer_ok() -> str:
    """The answering side's 200 OK (with our SDP) to the INVITE just received."""
    return f"""  <send retrans="500"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      {_SDP}
  ]]></send>
  <recv request="ACK" crlf="true"/>
"""


def answerer_scenario(*, ring_ms: int = 300, audio: str | None = None, talk_ms: int | None = None,
                      answer: bool = True) -> str:
    """A phone (agent, expert seat, emergency centre) that answers INVITEs after `ring_ms`,
    plays `audio`, and either waits for the BYE or hangs up itself after `talk_ms`.
    answer=False: it rings until the caller gives up (CANCEL)."""
    # the caller's From (with its tag) is kept only if we hang up ourselves (sipp rejects
    # a variable that is set but never used)
    capture = ('\n    <action><ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>'
               '\n      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="remote_contact"/>'
               '</action>\n  ') if talk_ms is not None else ""
    xml = [_HEAD.format(name="answering phone"), f"""
  <recv request="INVITE">{capture}</recv>
  <send><![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port]>
      Content-Length: 0
  ]]></send>
"""]
    if not answer:
        xml.append("""  <recv request="CANCEL"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
  <send><![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: [cseq] INVITE
      Content-Length: 0
  ]]></send>
  <recv request="ACK"/>
</scenario>
""")
        return "".join(xml)
    xml.append(f'  <pause milliseconds="{ring_ms}"/>\n' + _answer_ok())
    if audio:
        xml.append(f'  <nop><action><exec play_pcap_audio="{audio}"/></action></nop>\n')
    if talk_ms is not None:
        xml.append(_uas_hangup(talk_ms))
    else:
        xml.append(_answer_bye() + "</scenario>\n")
    return "".join(xml)


def _uas_hangup(talk_ms: int) -> str:
    # The answering side hangs up: to the INVITE's Contact; From carries our tag, To is the
    # INVITE's From (with its tag).
    return f"""  <pause milliseconds="{talk_ms}"/>
  <send retrans="500"><![CDATA[
      BYE [$remote_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$remote_from]
      [last_Call-ID:]
      CSeq: 2 BYE
      Contact: <sip:[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <recv response="200" crlf="true"/>
</scenario>
"""


# ------------------------------------------------------------------ test audio
def write_tone_pcap(path: Path, *, frequency: float = 440.0, seconds: float = 6.0, amplitude: int = 8000) -> Path:
    """A pcap of PCMA RTP packets carrying a sine tone (what an agent 'says' in tests)."""
    rate, per_packet = 8000, 160
    samples = [int(amplitude * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(seconds * rate))]
    alaw = audioop.lin2alaw(struct.pack(f"<{len(samples)}h", *samples), 2)
    packets = [struct.pack("!BBHII", 0x80, 8, i & 0xFFFF, i * per_packet, 0x1234ABCD)
               + alaw[i * per_packet:(i + 1) * per_packet] for i in range(len(alaw) // per_packet)]
    return _write_pcap(path, packets)


# ------------------------------------------------------------------ processes
@dataclass
class SippProcess:
    name: str
    popen: subprocess.Popen
    workdir: Path
    ip: str
    port: int
    media_port: int = 0  # where it receives RTP (the m=audio port of its SDP)

    def wait(self, timeout: float) -> int:
        """sipp's exit code (0 = every call as scripted); killed if it outlives `timeout`."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"sipp {self.name} still running after {timeout}s\n{self.log_tail()}")

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)

    def messages(self) -> str:
        path = self.workdir / f"{self.name}.msg"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        for suffix in ("err", "out"):
            path = self.workdir / f"{self.name}.{suffix}"
            if path.exists():
                parts.append(path.read_text(errors="replace")[-chars:])
        return "\n".join(parts)


@dataclass
class SippRunner:
    """Starts sipp processes in `workdir` and stops every one of them on `close()`."""

    workdir: Path
    target: str  # Asterisk's SIP address, host:port
    processes: list[SippProcess] = field(default_factory=list)
    _count: int = 0

    def start(self, scenario: str, *, ip: str, port: int | None = None, service: str | None = None,
              target: bool = True, calls: int = 1, rate: float | None = None, extra: tuple[str, ...] = (),
              name: str | None = None, trace: bool = True) -> SippProcess:
        """Run `scenario` (XML text, or a file name in tests/telephony/scenarios)."""
        self._count += 1
        name = name or f"sipp{self._count}"
        if scenario.lstrip().startswith("<"):
            path = self.workdir / f"{name}.xml"
            path.write_text(scenario)
        else:
            path = SCENARIOS / scenario
        port = port or free_udp_port(ip)
        media_port = free_media_port(ip)
        cmd = ["sipp", "-sf", str(path), "-i", ip, "-p", str(port), "-mi", ip,
               "-mp", str(media_port), "-m", str(calls), "-nostdin", "-nr",
               "-error_file", str(self.workdir / f"{name}.err"), "-trace_err"]
        if trace:
            cmd += ["-trace_msg", "-message_file", str(self.workdir / f"{name}.msg")]
        if rate is not None:
            cmd += ["-r", str(rate)]
        if service:
            cmd += ["-s", service]
        cmd += list(extra)
        if target:
            cmd.append(self.target)
        with open(self.workdir / f"{name}.out", "wb") as out:
            popen = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        proc = SippProcess(name, popen, self.workdir, ip, port, media_port)
        self.processes.append(proc)
        return proc

    def register(self, extension: str, password: str, *, ip: str = AGENT_IP, port: int | None = None,
                 timeout: float = 10.0) -> int:
        """REGISTER extension from ip:port (kept 3600 s); returns the port a phone must answer on."""
        port = port or free_udp_port(ip)
        proc = self.start("register.xml", ip=ip, port=port, service=extension, name=f"register-{extension}",
                          extra=("-au", extension, "-ap", password))
        code = proc.wait(timeout)
        assert code == 0, f"REGISTER {extension} failed ({code})\n{proc.log_tail()}"
        return port

    def phone(self, extension: str, password: str, *, name: str | None = None, ip: str = AGENT_IP,
              **answer) -> SippProcess:
        """A registered desk phone that answers calls as answerer_scenario(**answer) says."""
        port = self.register(extension, password, ip=ip)
        calls = answer.pop("calls", 1)
        return self.start(answerer_scenario(**answer), ip=ip, port=port, target=False, calls=calls,
                          name=name or f"phone-{extension}")

    def caller(self, *, name: str | None = None, number: str = "13800138000", **scenario) -> SippProcess:
        return self.start(caller_scenario(number=number, pcap_dir=self.workdir, **scenario), ip=CARRIER_IP,
                          service="12345", name=name)

    def close(self) -> None:
        for proc in self.processes:
            proc.kill()
        self.processes.clear()


def wait_until(check, timeout: float, interval: float = 0.1, message: str = "condition"):
    """Poll check() until truthy (returns its value) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} not met within {timeout}s")
        time.sleep(interval)
