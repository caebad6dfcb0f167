"""A keyword flag points at the start of its segment as stored (hundredths of a second), whatever
precision the engine gave — the quality page finds the segment a flag names by that time."""
from __future__ import annotations

from models import Transcript
from transcription.service import EngineRun, PartySegment, store_run


class _Engine:
    name, model = "vosk", "test"


class _Session:
    def __init__(self) -> None:
        self.added: list = []

    def add_all(self, rows) -> None:
        self.added.extend(rows)


def test_flags_and_segments_share_the_stored_start():
    run = EngineRun(segments=[PartySegment("mixed", 0.31234, 1.9, "你好", 0.9),
                              PartySegment("mixed", 3.50947, 5.2049, "我要投诉", 0.8)],
                    parties=["mixed"], audio_seconds=5.3, processing_seconds=1.2)
    transcript, session = Transcript(id=7), _Session()
    store_run(session, transcript, run, engine=_Engine())
    assert [(s.start_seconds, s.end_seconds) for s in session.added] == [(0.31, 1.9), (3.51, 5.2)]
    assert [(f["category"], f["keyword"], f["start"]) for f in transcript.flags] == [("complaint", "投诉", 3.51)]
    assert transcript.flags[0]["start"] == session.added[1].start_seconds
