"""Vosk (Kaldi) as the speech engine: a model directory from HOTLINE_ASR_MODEL_DIR, word
timestamps from the recogniser, one segment per recognised utterance (Vosk's endpointing)."""
from __future__ import annotations

import json
from pathlib import Path

import vosk

from transcription.engine import EngineUnavailable, Segment

CHUNK_FRAMES = 4000  # audio fed to the recogniser per call (0.25 s at 16 kHz)


def segment_of(result: dict) -> Segment | None:
    """A Vosk result (SetWords on) as a segment; None for silence."""
    words = result.get("result") or []
    text = (result.get("text") or "").strip()
    if not words or not text:
        return None
    confidence = sum(float(w.get("conf", 0.0)) for w in words) / len(words)
    return Segment(start=float(words[0]["start"]), end=float(words[-1]["end"]), text=text,
                   confidence=round(confidence, 3))


class VoskEngine:
    name = "vosk"

    def __init__(self, model_dir: Path, grammar: list[str] | None = None) -> None:
        """`grammar`: limit recognition to these phrases (plus "[unk]"), as Vosk's small models
        allow; None: the model's whole vocabulary (what the worker uses)."""
        vosk.SetLogLevel(-1)
        self.grammar = None if grammar is None else json.dumps([*grammar, "[unk]"], ensure_ascii=False)
        try:
            self._model = vosk.Model(str(model_dir))
        except Exception as exc:  # vosk raises a bare Exception when it cannot load a model
            raise EngineUnavailable(f"cannot load the Vosk model in {model_dir}: {exc}") from exc
        self.model = Path(model_dir).name

    def transcribe(self, pcm: bytes, sample_rate: int) -> list[Segment]:
        """Recognise the whole buffer, segment by segment."""
        if self.grammar is None:
            recognizer = vosk.KaldiRecognizer(self._model, sample_rate)
        else:
            recognizer = vosk.KaldiRecognizer(self._model, sample_rate, self.grammar)
        recognizer.SetWords(True)
        segments: list[Segment] = []
        step = CHUNK_FRAMES * 2
        for offset in range(0, len(pcm), step):
            if recognizer.AcceptWaveform(pcm[offset:offset + step]):
                segment = segment_of(json.loads(recognizer.Result()))
                if segment:
                    segments.append(segment)
        segment = segment_of(json.loads(recognizer.FinalResult()))
        if segment:
            segments.append(segment)
        return segments
