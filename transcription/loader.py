"""Which engine runs: HOTLINE_ASR_ENGINE names it, HOTLINE_ASR_MODEL_DIR holds its model."""
from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from transcription.engine import EngineUnavailable, SpeechEngine
from transcription.vosk_engine import VoskEngine

ENGINES = {"vosk": VoskEngine}  # a stronger Mandarin engine is added here


def load_engine(settings: Settings) -> SpeechEngine:
    """The configured engine with its model loaded (slow: once per worker)."""
    model_dir = settings.transcription.asr_model_dir
    if model_dir is None:
        raise EngineUnavailable("HOTLINE_ASR_MODEL_DIR is not set: no speech model, no transcription")
    path = Path(model_dir)
    if not path.is_dir():
        raise EngineUnavailable(f"HOTLINE_ASR_MODEL_DIR {path} is not a directory")
    engine = ENGINES.get(settings.transcription.asr_engine)
    if engine is None:
        raise EngineUnavailable(f"unknown HOTLINE_ASR_ENGINE {settings.transcription.asr_engine!r} "
                                f"(known: {', '.join(sorted(ENGINES))})")
    return engine(path)
