"""Errors a user can act on: each is a code from the contract's `errorCode` enum and one sentence.

The handler turns a `WorkerError` into RunPod's graceful failure, `{"error": "CODE: sentence"}`; RunPod marks
the job FAILED and shows that string as the job's `error` (https://docs.runpod.io/serverless/workers/handler-functions
"Error handling"). Anything else is raised, and runpod-python reports it with its type and traceback.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

#: The contract file both sides read, generated from the panel's zod schema (`npm run contract`).
CONTRACT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "contract.schema.json")


@lru_cache(maxsize=1)
def contract() -> dict[str, Any]:
    """The parsed `contract.schema.json` (JSON Schema draft 2020-12 with `$defs` input/output/progress/errorCode).

    Raises OSError / ValueError when the file is missing or not JSON (a broken image, not a user error).
    """
    with open(CONTRACT_PATH, encoding="utf-8") as file:
        return json.load(file)


def error_codes() -> list[str]:
    """The codes of the contract's `errorCode` enum, e.g. `["INVALID_INPUT", …, "CUDA_OOM"]`."""
    return list(contract()["$defs"]["errorCode"]["enum"])


class WorkerError(Exception):
    """A failure the user can fix: `code` (one of `error_codes()`) and a sentence saying what to do.

    `refresh_worker` asks RunPod to replace this worker after the job (used for CUDA out of memory, where the
    GPU's state is suspect): runpod-python turns the returned `refresh_worker: true` into `stopPod`
    (runpod/runpod-python `runpod/serverless/modules/rp_job.py`, `run_job`).
    """

    def __init__(self, code: str, sentence: str, *, refresh_worker: bool = False) -> None:
        if code not in error_codes():
            raise ValueError(f"unknown error code {code!r}; the contract's codes are {error_codes()}")
        super().__init__(f"{code}: {sentence}")
        self.code = code
        self.sentence = sentence
        self.refresh_worker = refresh_worker

    def to_output(self) -> dict[str, Any]:
        """The handler's return value for this failure: `{"error": "CODE: sentence"}` (+ `refresh_worker`)."""
        out: dict[str, Any] = {"error": f"{self.code}: {self.sentence}"}
        if self.refresh_worker:
            out["refresh_worker"] = True
        return out
