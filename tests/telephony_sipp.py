"""sipp as the carrier's callers, the agents' phones and the emergency centre, for tests
and the benchmark. Scenarios are built from small XML templates (tests/telephony/scenarios
holds the fixed ones); every process started through `SippRunner` is stopped by it, and
every wait is bounded (sipp's own -timeout does not stop an idle UAS).
"""
from __future__ import annotations

import math
import os
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from recordings.audio import audioop

SCENARIOS = Path(__file__).parent / "telephony" / "scenarios"
SPEECH_PCAP = "/usr/share/sip-tester/g711a.pcap"  # 7 s of PCMA speech shipped with sipp
CARRIER_IP = "127.0.0.2"
AGENT_IP = "127.0.0.1"
EMERGENCY_IP = "127.0.0.3"

_SDP = """v=0
      o=- 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv"""

_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="{name}">
"""


def free_udp_port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def free_media_port(ip: str, attempts: int = 200) -> int:
    """An even port P with P..P+3 free: sipp binds audio RTP/RTCP and video RTP/RTCP there."""
    import random

    for _ in range(attempts):
        base = random.randrange(20000, 60000, 2)
        sockets = []
        try:
            for offset in range(4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(s)
                s.bind((ip, base + offset))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no four free consecutive UDP ports on {ip}")


def dtmf_key(digit: str) -> str:
    return {"#": "pound", "*": "star"}.get(digit, digit)


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


def _invite(number: str, display: str = "Caller") -> str:
    """The carrier's INVITE to the service number ([service]) from `number`, with our SDP."""
    return f"""
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{display}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:{number}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      {_SDP}
  ]]></send>"""


def _ack(number: str, display: str = "Caller", *, contact: bool = True) -> str:
    """The ACK of _invite's final response (a 2xx, or an error when contact=False)."""
    contact_line = f"\n      Contact: <sip:{number}@[local_ip]:[local_port]>" if contact else ""
    return f"""  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{display}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK{contact_line}
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
"""


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


def _bye(number: str) -> str:
    return f"""  <send retrans="500"><![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Caller" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:{number}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
"""


def _answer_bye(timeout_ms: int | None = None) -> str:
    """Wait for the far end's BYE (at most timeout_ms, if given) and answer it."""
    timeout = f' timeout="{timeout_ms}"' if timeout_ms else ""
    return f"""  <recv request="BYE"{timeout}/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
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
def _write_pcap(path: Path, packets: list[bytes]) -> Path:
    """RTP packets (one every 20 ms) as a pcap sipp's play_pcap_audio replays."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet link type
        for i, rtp in enumerate(packets):
            udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                             bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
            frame = b"\x00" * 12 + b"\x08\x00" + ip
            ts = i * 0.02
            f.write(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(frame), len(frame)) + frame)
    return path


def write_tone_pcap(path: Path, *, frequency: float = 440.0, seconds: float = 6.0, amplitude: int = 8000) -> Path:
    """A pcap of PCMA RTP packets carrying a sine tone (what an agent 'says' in tests)."""
    rate, per_packet = 8000, 160
    samples = [int(amplitude * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(seconds * rate))]
    alaw = audioop.lin2alaw(struct.pack(f"<{len(samples)}h", *samples), 2)
    packets = [struct.pack("!BBHII", 0x80, 8, i & 0xFFFF, i * per_packet, 0x1234ABCD)
               + alaw[i * per_packet:(i + 1) * per_packet] for i in range(len(alaw) // per_packet)]
    return _write_pcap(path, packets)


DTMF_EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}


def write_dtmf_pcap(path: Path, digit: str, *, index: int, ssrc: int = 0x0D7F0D7F) -> Path:
    """One RFC 4733 key press (100 ms) as RTP event packets (payload type 101). `index`
    orders the presses of one call: timestamps and sequence numbers only ever grow, or
    Asterisk takes a press for a repeat of an earlier one (sipp's own dtmf pcaps share one
    fixed series: keying "3" then "1" loses the "1")."""
    event, base_ts, base_seq = DTMF_EVENTS[digit], 1_000_000 + index * 16_000, 1000 + index * 20
    packets = []
    for n in range(5):  # 20, 40 … 100 ms into the press
        payload = struct.pack("!BBH", event, 10, 160 * (n + 1))
        packets.append(struct.pack("!BBHII", 0x80, (0x80 if n == 0 else 0) | 101, base_seq + n, base_ts, ssrc)
                       + payload)
    for n in range(3):  # three end packets, as RFC 4733 asks
        payload = struct.pack("!BBH", event, 0x80 | 10, 800)
        packets.append(struct.pack("!BBHII", 0x80, 101, base_seq + 5 + n, base_ts, ssrc) + payload)
    return _write_pcap(path, packets)


# ------------------------------------------------------------------ processes
@dataclass
class SippProcess:
    name: str
    popen: subprocess.Popen
    workdir: Path
    ip: str
    port: int

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
        cmd = ["sipp", "-sf", str(path), "-i", ip, "-p", str(port), "-mi", ip,
               "-mp", str(free_media_port(ip)), "-m", str(calls), "-nostdin", "-nr",
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
        proc = SippProcess(name, popen, self.workdir, ip, port)
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
