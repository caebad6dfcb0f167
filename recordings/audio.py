"""Facts about an audio file: duration, loudness (RMS), SHA-256 — for storage and tests."""
from __future__ import annotations

import hashlib
import warnings
import wave
from pathlib import Path

with warnings.catch_warnings():  # stdlib audioop: deprecated in 3.11, present until 3.13
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wav_duration(path: Path) -> float:
    """Seconds of audio in a WAV file (0 for an empty or unreadable one)."""
    try:
        with wave.open(str(path), "rb") as w:
            rate = w.getframerate()
            return w.getnframes() / rate if rate else 0.0
    except (wave.Error, EOFError, OSError):
        return 0.0


def wav_rms(path: Path, *, start: float = 0.0, seconds: float | None = None) -> int:
    """Root-mean-square level (16-bit scale, 0 = silence) of a WAV file or a window of it."""
    with wave.open(str(path), "rb") as w:
        width, rate = w.getsampwidth(), w.getframerate()
        w.setpos(min(int(start * rate), w.getnframes()))
        count = w.getnframes() if seconds is None else int(seconds * rate)
        frames = w.readframes(count)
    return audioop.rms(frames, width) if frames else 0
