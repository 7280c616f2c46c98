"""Stand-in only: what the stand-in was asked to do, and the faults tests switch on."""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Optional

#: Every call as `(name, {argument: value})`, in order.
calls: list[tuple[str, dict[str, Any]]] = []


def record(name: str, **arguments: Any) -> None:
    calls.append((name, arguments))


def reset() -> None:
    """Forgets the recorded calls."""
    calls.clear()


def faults() -> set[str]:
    """The faults switched on by env SCRIBE_FAKE_WHISPERX_FAULT (comma-separated)."""
    return {item.strip() for item in os.environ.get("SCRIBE_FAKE_WHISPERX_FAULT", "").split(",") if item.strip()}


class OutOfMemoryError(RuntimeError):
    """Named like `torch.cuda.OutOfMemoryError`, which torch raises when CUDA memory runs out."""


class HfHubHTTPError(Exception):
    """Named like huggingface_hub's base HTTP error."""


class RepositoryNotFoundError(HfHubHTTPError):
    """Named like huggingface_hub's error for a repository the token cannot see."""


class GatedRepoError(RepositoryNotFoundError):
    """Named like huggingface_hub's error for a gated repository whose terms the token's account has not accepted."""


class LocalEntryNotFoundError(FileNotFoundError):
    """Named like huggingface_hub's error when a file is neither cached nor downloadable."""


def maybe_fail(step: str) -> None:
    """Raises the fault switched on for `step` ("load", "transcribe", "align", "diarize"), if any."""
    if f"oom:{step}" in faults():
        raise OutOfMemoryError(
            "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.55 GiB (emulated)"
        )


def offline(repo_id: str) -> None:
    """Raises what a download raises without network when the `offline` fault is on."""
    if "offline" in faults():
        raise LocalEntryNotFoundError(
            "An error happened while trying to locate the files on the Hub and we cannot find the appropriate"
            f" snapshot folder for the specified revision on the local disk ({repo_id}, emulated)."
        )


def work(progress_callback: Optional[Callable[[float], None]], steps: int) -> None:
    """Spends env SCRIBE_FAKE_WHISPERX_STAGE_SECONDS over `steps` steps, reporting percent after each."""
    seconds = float(os.environ.get("SCRIBE_FAKE_WHISPERX_STAGE_SECONDS", "0") or 0)
    steps = max(1, steps)
    for index in range(steps):
        if seconds:
            time.sleep(seconds / steps)
        if progress_callback is not None:
            progress_callback((index + 1) / steps * 100)
