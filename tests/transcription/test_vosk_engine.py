"""The Vosk engine on real speech (espeak-ng) with a real Vosk model: what was said comes back,
with timestamps, per party for a two-channel recording. Nothing here is a fake transcript."""
from __future__ import annotations

import pytest

from transcription.audio import parties
from transcription.engine import EngineUnavailable
from transcription.loader import load_engine
from transcription.service import run_engine
from transcription.vosk_engine import VoskEngine

from .speech import HELLO, PHRASES, THANKS, concat, require_speech, say, silence, stereo


@pytest.fixture(scope="module")
def engine():
    return VoskEngine(require_speech(), grammar=PHRASES)


def test_each_phrase_is_recognised_as_itself(engine, tmp_path):
    for text in PHRASES:
        (part,) = parties(say(text, tmp_path / "one.wav"))
        segments = engine.transcribe(part.pcm, 16000)
        assert [set(s.text.split()) for s in segments] == [{text}], (text, segments)
        assert 0 <= segments[0].start < segments[0].end <= part.seconds + 0.1


def test_timestamps_follow_the_audio(engine, tmp_path):
    """Hello, 2.5 s of silence, thank you: two segments, the second starting after the pause."""
    hello, thanks = say(HELLO, tmp_path / "a.wav"), say(THANKS, tmp_path / "b.wav")
    gap = silence(2.5, tmp_path / "gap.wav")
    run = run_engine(engine, concat([hello, gap, thanks], tmp_path / "call.wav"))
    # each utterance one segment of its own words (the grammar may hear a word twice)
    assert [set(s.text.split()) for s in run.segments] == [{HELLO}, {THANKS}]
    first, second = run.segments
    hello_seconds = parties(hello)[0].seconds
    assert first.end <= hello_seconds + 0.2
    assert second.start >= hello_seconds + 2.0  # after the pause, not before
    assert run.parties == ["mixed"] and run.audio_seconds > hello_seconds + 2.5
    assert run.processing_seconds > 0


def test_a_two_channel_recording_is_transcribed_per_party(engine, tmp_path):
    caller = say(HELLO, tmp_path / "caller.wav")
    agent = concat([silence(1.0, tmp_path / "pad.wav"), say(THANKS, tmp_path / "t.wav")], tmp_path / "agent.wav")
    run = run_engine(engine, stereo(caller, agent, tmp_path / "both.wav"))
    assert run.parties == ["caller", "agent"]
    assert [(s.party, set(s.text.split())) for s in run.segments] == [("caller", {HELLO}), ("agent", {THANKS})]


def test_the_open_vocabulary_engine_loads_from_the_setting(settings, tmp_path):
    model = require_speech()
    engine = load_engine(settings.replace(asr_model_dir=model))
    assert engine.name == "vosk" and engine.model == model.name
    segments = engine.transcribe(parties(say(THANKS, tmp_path / "t.wav"))[0].pcm, 16000)
    assert segments and all(s.text and s.start < s.end for s in segments)  # words, timed (any words: open vocabulary)
    with pytest.raises(EngineUnavailable, match="not set"):
        load_engine(settings.replace(asr_model_dir=None))
    with pytest.raises(EngineUnavailable, match="not a directory"):
        load_engine(settings.replace(asr_model_dir=tmp_path / "none"))
    with pytest.raises(EngineUnavailable, match="unknown"):
        load_engine(settings.replace(asr_model_dir=model, asr_engine="whisper"))
