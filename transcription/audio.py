"""A recording's audio as the engines want it: one 16-bit mono 16 kHz buffer per party.

A two-channel recording carries one party per channel (left: the caller, right: the seat), so
each is transcribed on its own; a mono recording (the mixed bridge recording Asterisk makes
today) is one party, "mixed"."""
from __future__ import annotations

import warnings
import wave
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():  # stdlib audioop: deprecated in 3.11, present until 3.13
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ENGINE_RATE = 16000
STEREO_PARTIES = ("caller", "agent")
MIXED = "mixed"


@dataclass(frozen=True)
class PartyAudio:
    party: str
    pcm: bytes  # 16-bit little-endian mono at ENGINE_RATE
    seconds: float


class UnsupportedAudio(ValueError):
    """Not a PCM WAV file the platform can transcribe."""


def _to_engine_pcm(frames: bytes, width: int, rate: int) -> bytes:
    if width != 2:
        frames = audioop.lin2lin(frames, width, 2)
    if rate != ENGINE_RATE:
        frames, _ = audioop.ratecv(frames, 2, 1, rate, ENGINE_RATE, None)
    return frames


def parties(path: Path) -> list[PartyAudio]:
    """The recording split by party (pure apart from reading the file)."""
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise UnsupportedAudio(f"{path.name}: {exc}") from exc
    if width not in (1, 2, 3, 4) or rate <= 0 or channels not in (1, 2):
        raise UnsupportedAudio(f"{path.name}: {channels} channels, {width}-byte samples at {rate} Hz")
    seconds = len(frames) / (width * channels * rate)
    if channels == 1:
        return [PartyAudio(MIXED, _to_engine_pcm(frames, width, rate), seconds)]
    return [PartyAudio(party, _to_engine_pcm(audioop.tomono(frames, width, *gains), width, rate), seconds)
            for party, gains in zip(STEREO_PARTIES, ((1.0, 0.0), (0.0, 1.0)), strict=True)]
