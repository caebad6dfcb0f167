"""sipp as the carrier's caller: SIP message templates, RFC 4733 key presses as RTP captures,
and the scenario `hotline demo call` plays. The test suite builds its scenarios (phones,
the emergency centre, rejected callers) from the same pieces (tests/telephony_sipp.py).

Pure text and file builders: nothing here starts a process.
"""
from __future__ import annotations

import random
import socket
import struct
from pathlib import Path

SPEECH_PCAP = "/usr/share/sip-tester/g711a.pcap"  # 7 s of PCMA speech shipped with sipp

SDP = """v=0
      o=- 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv"""

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="{name}">
"""


# the answer to a BYE, in every scenario that receives one
OK_TO_BYE = """  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
"""


def free_udp_port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def free_media_port(ip: str, attempts: int = 200) -> int:
    """An even port P with P..P+3 free: sipp binds audio RTP/RTCP and video RTP/RTCP there."""
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


# ------------------------------------------------------------------ SIP messages
def invite(number: str, display: str = "Caller") -> str:
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

      {SDP}
  ]]></send>"""


def ack(number: str, display: str = "Caller", *, contact: bool = True) -> str:
    """The ACK of invite()'s final response (a 2xx, or an error when contact=False)."""
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


def bye(number: str) -> str:
    """The caller hangs up."""
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


def answer_bye(timeout_ms: int | None = None, on_timeout: str | None = None) -> str:
    """Wait for the far end's BYE (at most timeout_ms, if given; then jump to the label
    `on_timeout`, if given, instead of failing) and answer it."""
    timeout = f' timeout="{timeout_ms}"' if timeout_ms else ""
    jump = f' ontimeout="{on_timeout}"' if on_timeout else ""
    return f'  <recv request="BYE"{timeout}{jump}/>\n' + OK_TO_BYE


# ------------------------------------------------------------------ RTP captures
def write_pcap(path: Path, packets: list[bytes]) -> Path:
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
    return write_pcap(path, packets)


def key_presses(digits: str, pcap_dir: Path, prefix: str) -> list[Path]:
    """One capture per key of `digits`, in order (see write_dtmf_pcap's `index`)."""
    return [write_dtmf_pcap(Path(pcap_dir) / f"{prefix}-{index}-{dtmf_key(digit)}.pcap", digit, index=index)
            for index, digit in enumerate(digits)]


# ------------------------------------------------------------------ the demo caller
# What the demo caller reports as it goes: sipp writes each <log> line to its log file
# (-trace_logs), the command prints them as they appear.
STEP_ANSWERED = "answered"
STEP_KEYED = "keyed"
STEP_WAITING = "waiting"
STEP_PLATFORM_HUNG_UP = "platform-hung-up"
STEP_CALLER_HUNG_UP = "caller-hung-up"


def _log(step: str) -> str:
    return f'  <nop><action><log message="{step}"/></action></nop>\n'


def _wait(ms: int, then: str) -> str:
    """A pause the platform's BYE can end: after `ms` go on at label `then`; a BYE jumps to
    the hang-up handling instead (a plain <pause> would make it an unexpected message)."""
    return (f'  <recv request="BYE" timeout="{ms}" ontimeout="{then}" next="platform_hung_up"/>\n'
            f'  <label id="{then}"/>\n')


def demo_caller_scenario(*, number: str, digits: str, pcap_dir: Path, digit_delay_ms: int = 2000,
                         talk_ms: int = 60_000, audio: str | None = SPEECH_PCAP) -> str:
    """A citizen calling 12345: INVITE, wait for the voice menu to answer, key `digits`
    (RFC 4733) after `digit_delay_ms`, say something (`audio`), then stay on the line until
    the platform hangs up or `talk_ms` has passed, and hang up."""
    xml = [HEAD.format(name="hotline demo caller"), invite(number, display="Citizen"), """
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
""", ack(number, display="Citizen"), _log(STEP_ANSWERED)]
    if digits:
        xml.append(_wait(digit_delay_ms, "key_0"))
        for index, pcap in enumerate(key_presses(digits, pcap_dir, f"dtmf-{number}")):
            xml.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n')
            xml.append(_wait(400, f"key_{index + 1}"))
        xml.append(_log(f"{STEP_KEYED} {digits}"))
    if audio:
        xml.append(f'  <nop><action><exec play_pcap_audio="{audio}"/></action></nop>\n')
    xml.append(_log(STEP_WAITING))
    xml.append(f'  <recv request="BYE" timeout="{talk_ms}" ontimeout="caller_hangs_up"/>\n')
    xml.append('  <label id="platform_hung_up"/>\n')
    xml.append(OK_TO_BYE)
    xml.append(_log(STEP_PLATFORM_HUNG_UP))
    xml.append('  <nop next="done"/>\n')
    xml.append('  <label id="caller_hangs_up"/>\n')
    xml.append(bye(number) + '  <recv response="200" crlf="true"/>\n')
    xml.append(_log(STEP_CALLER_HUNG_UP))
    xml.append('  <label id="done"/>\n</scenario>\n')
    return "".join(xml)
