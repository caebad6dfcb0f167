"""`hotline transcribe`: the transcription worker (transcription.tasks), composed with quality
inspection — a call whose transcript is flagged (abuse, threats, 投诉) is drawn for inspection
at once (quality.service.add_flagged)."""
from __future__ import annotations

import asyncio
import logging
import signal

import click
from sqlalchemy.ext.asyncio import AsyncSession

from core.logging import configure_logging
from core.resources import Resources
from core.settings import Settings, get_settings
from quality.service import add_flagged
from transcription.engine import EngineUnavailable
from transcription.keywords import with_extra
from transcription.loader import load_engine
from transcription.tasks import Transcribed, run_worker

log = logging.getLogger(__name__)


async def flag_for_inspection(session: AsyncSession, done: Transcribed) -> None:
    await add_flagged(session, done.call_id)


async def run_transcriber(settings: Settings, stop: asyncio.Event) -> None:
    """Load the engine (in a thread: a model takes seconds) and transcribe until stopped. Without
    a usable model the worker says why once and waits for the stop (the rest of the platform runs)."""
    try:
        with_extra(settings.transcription.asr_keywords)  # a malformed keyword list stops nothing else
        engine = await asyncio.to_thread(load_engine, settings)
    except (EngineUnavailable, ValueError) as exc:
        log.warning("transcription is off", extra={"reason": str(exc)})
        await stop.wait()
        return
    resources = Resources.open(settings)
    try:
        await run_worker(resources.sessionmaker, settings, engine, stop, on_flagged=flag_for_inspection)
    finally:
        await resources.close()


@click.command(help="Run the transcription worker: each call's recording to text with Vosk (HOTLINE_ASR_MODEL_DIR).")
def transcribe() -> None:
    settings = get_settings()
    configure_logging(settings.logging.log_level, json_lines=settings.logging.log_json)

    async def main() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await run_transcriber(settings, stop)

    asyncio.run(main())
