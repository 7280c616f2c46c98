"""Shared fixtures for the worker's tests: the WhisperX stand-in first on sys.path, a temporary network volume,
fresh warm-model caches per test, and captured progress updates.

RunPod's SDK must be importable (`pip install runpod==1.12.0`, or RunPod's vendored copy on PYTHONPATH, which
`scripts/test-worker.mjs` adds and announces when `import runpod` fails).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from typing import Any, Callable

import pytest

WORKER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(WORKER)
FIXTURES = os.path.join(REPO, "test", "fixtures")
FAKE_WHISPERX = os.path.join(WORKER, "tests", "fake_whisperx")

for path in (WORKER, FAKE_WHISPERX):  # the stand-in must win over a real whisperx
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)

import whisperx  # noqa: E402  (the stand-in)

assert whisperx.__file__.startswith(FAKE_WHISPERX), f"a real whisperx was imported: {whisperx.__file__}"

import handler  # noqa: E402
import scribe_pipeline  # noqa: E402


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No fault, no delay, scripts from test/fixtures, no token, no baked manifest, a 0.3 s audio wait."""
    for name in ("SCRIBE_FAKE_WHISPERX_FAULT", "SCRIBE_FAKE_WHISPERX_STAGE_SECONDS", "HF_TOKEN", "SCRIBE_DEVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_SCRIPTS", FIXTURES)
    monkeypatch.setenv("SCRIBE_BAKED_MANIFEST", str(tmp_path / "no-manifest.json"))
    monkeypatch.setenv("SCRIBE_AUDIO_WAIT_SECONDS", "0.3")
    whisperx.reset()


@pytest.fixture
def volume(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A temporary folder standing for /runpod-volume (env SCRIBE_VOLUME_ROOT)."""
    root = tmp_path / "volume"
    root.mkdir()
    monkeypatch.setenv("SCRIBE_VOLUME_ROOT", str(root))
    return str(root)


def put(volume: str, key: str, fixture: str) -> str:
    """Copies test/fixtures/<fixture> to <volume>/<key>; returns the job's `/runpod-volume/<key>`."""
    target = os.path.join(volume, key)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(os.path.join(FIXTURES, fixture), target)
    return "/runpod-volume/" + key


@pytest.fixture
def progress(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Progress updates the handler sends (instead of posting them to RunPod)."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(handler, "send_progress", lambda job, update: sent.append(update))
    return sent


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, progress) -> Callable[..., dict[str, Any]]:
    """`run(input, job_id="job-1")` → the handler's return value, with fresh warm-model caches for this test."""
    monkeypatch.setattr(handler, "PIPELINE", scribe_pipeline.Pipeline(scribe_pipeline.Models(whisperx)))

    def go(job_input: Any, job_id: str = "job-1") -> dict[str, Any]:
        return asyncio.run(handler.handler({"id": job_id, "input": job_input}))

    return go


def calls(name: str) -> list[dict[str, Any]]:
    """The stand-in's recorded calls of `name`."""
    return [arguments for called, arguments in whisperx.calls if called == name]
