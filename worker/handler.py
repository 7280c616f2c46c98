"""Scribe Panel's WhisperX worker for RunPod Serverless: the entry point RunPod runs (`python -u handler.py`).

A job's `input` follows `contract.schema.json` (`$defs.input`); the handler returns `$defs.output`, or
`{"error": "CODE: sentence"}` for a failure the user can fix (codes in `$defs.errorCode`). The handler is async
and runs each stage with `asyncio.to_thread`, so when RunPod stops a job (cancel or timeout: runpod-python ≥1.10
cancels the job's asyncio task, `runpod/serverless/modules/rp_scale.py` `stop_job`) the job ends at the next
stage boundary instead of running to the end.

Local run: `python handler.py --test_input '{"input": {"audio": "https://…/a.m4a"}}'` (runpod-python's local mode).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from typing import Any, Optional

import runpod

import whisperx
from scribe_errors import WorkerError, contract
from scribe_input import resolve_audio, validate_input
from scribe_pipeline import DIARIZATION_MODEL, JobRun, Models, Pipeline, Progress, baked_models

logging.basicConfig(level=os.environ.get("SCRIBE_LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")

#: Warm models, shared by every job this worker runs.
PIPELINE = Pipeline(Models(whisperx))


def send_progress(job: dict[str, Any], progress: dict[str, Any]) -> None:
    """Posts `{stage, percent}` as the job's IN_PROGRESS output (runpod-python `progress_update`, which sends it
    from a thread of its own; https://docs.runpod.io/serverless/workers/handler-functions "Progress updates")."""
    runpod.serverless.progress_update(job, progress)


def hf_token() -> str:
    """The Hugging Face token diarization needs, from env HF_TOKEN.

    Raises WorkerError HF_TOKEN_MISSING when it is unset, or when it does not start with `hf_` (pyannote-audio 4
    ignores such a token: `pyannote/audio/utils/hf_hub.py`, so the gated download would fail later).
    """
    token = os.environ.get("HF_TOKEN", "").strip()
    if token.startswith("hf_"):
        return token
    problem = "is not set" if not token else "does not look like a Hugging Face access token (they start with hf_)"
    raise WorkerError(
        "HF_TOKEN_MISSING",
        f"diarization needs a Hugging Face read token, and HF_TOKEN {problem} on this endpoint: add it as a RunPod "
        f"secret in the endpoint's environment and accept the terms of {DIARIZATION_MODEL}, or send diarize: false.",
    )


async def handler(job: dict[str, Any]) -> dict[str, Any]:
    """Runs one job: validate → resolve audio → load → transcribe → align → diarize → save.

    Returns the contract's output, or `{"error": "CODE: sentence"}` (plus `refresh_worker: true` for CUDA_OOM).
    Unexpected exceptions propagate (runpod-python reports them with type and traceback).
    """
    progress = Progress(lambda update: send_progress(job, update))
    audio = None
    try:
        job_input = validate_input(job.get("input"))
        token: Optional[str] = hf_token() if job_input.diarize else None
        progress.stage("loading", 0)
        audio = await asyncio.to_thread(resolve_audio, job_input.audio)
        run = JobRun(job_id=str(job.get("id", "local")), job_input=job_input, audio=audio, progress=progress)
        await asyncio.to_thread(PIPELINE.load, run, token)
        await asyncio.to_thread(PIPELINE.transcribe, run)
        if job_input.align:
            await asyncio.to_thread(PIPELINE.align, run)
        if token:
            await asyncio.to_thread(PIPELINE.diarize, run, token)
        return await asyncio.to_thread(PIPELINE.save, run)
    except WorkerError as err:
        logging.getLogger("scribe-worker").warning("job %s failed: %s", job.get("id"), err)
        return err.to_output()
    finally:
        progress.stop()
        if audio is not None:
            audio.cleanup()


# --------------------------------------------------------------------------------------------------------------
# Fitness checks: run by runpod-python before the worker takes jobs on RunPod (not in local test mode);
# a failing check marks the worker unhealthy (https://docs.runpod.io/serverless/development/fitness-checks).


def check_ffmpeg() -> None:
    """ffmpeg and ffprobe decode and probe the audio; without them every job would fail."""
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"{' and '.join(missing)} not found on PATH")


def check_contract() -> None:
    """The contract file ships beside the handler and names the error codes."""
    if "CUDA_OOM" not in contract()["$defs"]["errorCode"]["enum"]:
        raise RuntimeError("contract.schema.json has no errorCode enum")


def check_baked_models() -> None:
    """In the image (env SCRIBE_REQUIRE_BAKED=1, set by the Dockerfile) the build's manifest of baked models must
    exist; without it every cold start would download Whisper large-v3 (about 3 GB)."""
    if os.environ.get("SCRIBE_REQUIRE_BAKED") == "1" and not baked_models()["whisper"]:
        raise RuntimeError("no baked Whisper model: the image's download_models.py step did not run")


if hasattr(runpod.serverless, "register_fitness_check"):  # runpod-python >= 1.9
    for check in (check_ffmpeg, check_contract, check_baked_models):
        runpod.serverless.register_fitness_check(check)


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})
