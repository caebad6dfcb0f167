"""The speech engine interface: what the transcription worker needs from any recogniser.

Vosk (transcription.vosk_engine) is the engine the platform ships with; a stronger Mandarin
engine replaces it by implementing SpeechEngine and being named in HOTLINE_ASR_ENGINE
(transcription.loader). Engines are pure computation: 16-bit mono PCM in, timed text out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class EngineUnavailable(RuntimeError):
    """No engine can run: no model configured, the model directory is missing or unreadable."""


@dataclass(frozen=True)
class Segment:
    """One recognised utterance of one party, seconds from the start of the audio."""

    start: float
    end: float
    text: str
    confidence: float | None = None


class SpeechEngine(Protocol):
    name: str  # "vosk"
    model: str  # the model's name (its directory), kept with each transcript

    def transcribe(self, pcm: bytes, sample_rate: int) -> list[Segment]:
        """Recognise 16-bit little-endian mono PCM; segments in time order."""
        ...

