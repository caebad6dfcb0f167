"""What a sipp phone really receives: a packet tap on the loopback interface (an AF_PACKET
socket, root only) keeps the RTP packets sent to given media ports, and `tones` tells which
test tones they carry (Goertzel per 20 ms frame of the decoded PCMA/PCMU audio).

Used by the monitor tests: each party plays its own tone, and what each party's phone receives
says who hears whom (a supervisor listening must be heard by no one).
"""
from __future__ import annotations

import math
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from recordings.audio import audioop

ETH_P_ALL = 0x0003
PACKET_HOST = 0  # the copy delivered to a local socket (the outgoing copy on lo is type 4)
ETH_HEADER = 14


@dataclass
class RtpPacket:
    at: float
    port: int
    payload_type: int
    payload: bytes


@dataclass
class RtpTap:
    """Keeps RTP sent to `ports` ({(ip, port): name}) while running; stop() joins its thread."""

    ports: dict[tuple[str, int], str]
    packets: list[RtpPacket] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> RtpTap:
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self._sock.bind(("lo", 0))
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._run, name="rtp-tap", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame, address = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if address[2] != PACKET_HOST or len(frame) < ETH_HEADER + 20 + 8 + 12:
                continue
            ip = frame[ETH_HEADER:]
            if ip[0] >> 4 != 4 or ip[9] != 17:  # IPv4, UDP
                continue
            header = (ip[0] & 0x0F) * 4
            dst = socket.inet_ntoa(ip[16:20])
            dport = struct.unpack("!H", ip[header + 2:header + 4])[0]
            name = self.ports.get((dst, dport))
            if name is None:
                continue
            rtp = ip[header + 8:]
            if rtp[0] >> 6 != 2:
                continue
            skip = 12 + 4 * (rtp[0] & 0x0F)
            self.packets.append(RtpPacket(time.monotonic(), dport, rtp[1] & 0x7F, bytes(rtp[skip:])))

    def received(self, ip: str, port: int, since: float, until: float | None = None) -> list[RtpPacket]:
        until = until if until is not None else time.monotonic()
        return [p for p in list(self.packets) if p.port == port and since <= p.at <= until
                and self.ports.get((ip, p.port)) is not None]


def _linear(packet: RtpPacket) -> list[int]:
    if packet.payload_type == 8:
        pcm = audioop.alaw2lin(packet.payload, 2)
    elif packet.payload_type == 0:
        pcm = audioop.ulaw2lin(packet.payload, 2)
    else:  # telephone-event, comfort noise: no audio
        return []
    return list(struct.unpack(f"<{len(pcm) // 2}h", pcm))


def tone_share(samples: list[int], frequency: float, rate: int = 8000) -> float:
    """Share of the frame's energy at `frequency` (1.0 for a pure tone, 0 for none; Goertzel)."""
    n = len(samples)
    energy = sum(x * x for x in samples)
    if n == 0 or energy == 0:
        return 0.0
    coeff = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return power / (n / 2 * energy)


@dataclass(frozen=True)
class ToneCount:
    packets: int  # RTP packets received in the window
    audible: int  # of which carried sound at all
    with_tone: dict[float, int]  # frequency -> packets in which that tone is clearly present


TONE_PRESENT = 0.15  # a tone mixed with two others still holds about a third of the energy
SILENT_ENERGY = 200.0 ** 2  # mean square below this: silence (alaw's quantisation noise)


def tones(packets: list[RtpPacket], frequencies: tuple[float, ...]) -> ToneCount:
    with_tone = dict.fromkeys(frequencies, 0)
    audible = 0
    for packet in packets:
        samples = _linear(packet)
        if not samples or sum(x * x for x in samples) / len(samples) < SILENT_ENERGY:
            continue
        audible += 1
        for f in frequencies:
            if tone_share(samples, f) >= TONE_PRESENT:
                with_tone[f] += 1
    return ToneCount(len(packets), audible, with_tone)
