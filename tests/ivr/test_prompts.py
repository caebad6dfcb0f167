"""Mandarin prompts from text (espeak-ng -v cmn, 8 kHz mono 16-bit), cached by a hash of
their text and regenerated when the text changes; texts are configuration (YAML)."""
from __future__ import annotations

import shutil
import wave

import pytest

from ivr.prompt_texts import DEFAULT_TEXTS, load_texts, queue_position_text, ticket_status_text
from ivr.prompts import PromptLibrary, text_hash

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


async def test_generated_once_per_text_and_again_when_it_changes(settings, tmp_path):
    s = settings.replace(prompts_dir=tmp_path / "prompts", asterisk_root=tmp_path / "no-root")
    texts = {"greeting": "您好。", "caller-blocked": "暂停服务。", "service-unavailable": "系统繁忙。"}
    library = PromptLibrary(s, texts)
    assert await library.ensure_all() == 3
    path = library.file_for("您好。")
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() > 2000
    assert (tmp_path / "prompts" / "caller-blocked.wav").read_bytes() == library.file_for("暂停服务。").read_bytes()
    mtime = path.stat().st_mtime_ns
    assert await PromptLibrary(s, texts).ensure_all() == 0 and path.stat().st_mtime_ns == mtime  # cached
    changed = PromptLibrary(s, {**texts, "greeting": "欢迎。"})
    assert await changed.ensure_all() == 1
    assert changed.media("greeting").endswith(f"/tts-{text_hash('欢迎。')}")
    uri = await changed.speak("您前面还有3位来电。")
    assert uri.startswith("sound:") and library.file_for("您前面还有3位来电。").exists()


def test_texts_are_configuration(tmp_path):
    override = tmp_path / "prompts.yaml"
    override.write_text("greeting: 测试问候\n", encoding="utf-8")
    texts = load_texts(override)
    assert texts["greeting"] == "测试问候" and texts["menu"] == DEFAULT_TEXTS["menu"]
    override.write_text("nonsense: x\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_texts(override)


def test_sentences_made_on_the_fly():
    assert queue_position_text(0) == "您是下一位，马上为您接通。"
    assert "3位" in queue_position_text(3)
    assert ticket_status_text("5101-20261127-000123", "办理中") == "您查询的工单，尾号0 0 0 1 2 3，当前状态：办理中。"
