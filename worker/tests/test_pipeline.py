"""Pure parts of the pipeline: progress throttling, NaN cleaning, output shape, error classification."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scribe_errors import WorkerError
from scribe_pipeline import Progress, clean_numbers, is_cuda_oom, result_file_name, shape_segment, stage_errors


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_throttled_within_a_stage_but_not_across_stages() -> None:
    sent: list[dict] = []
    clock = Clock()
    progress = Progress(sent.append, interval_s=3.0, clock=clock)
    progress.update(5)  # before any stage: nothing to report
    progress.stage("transcribing")
    for percent in (10, 20, 30):
        clock.now += 1.0
        progress.update(percent)
    clock.now += 0.5
    progress.stage("aligning", 0)  # a stage change goes out at once
    progress.update(50)
    clock.now += 3.0
    progress.update(60.04)
    assert sent == [{"stage": "transcribing", "percent": 0.0}, {"stage": "transcribing", "percent": 30.0},
                    {"stage": "aligning", "percent": 0.0}, {"stage": "aligning", "percent": 60.0}]


def test_progress_percent_is_clamped_and_finite() -> None:
    sent: list[dict] = []
    progress = Progress(sent.append, interval_s=0)
    progress.stage("diarizing", 140)
    progress.update(-3)
    progress.update(float("nan"))
    assert [u["percent"] for u in sent] == [100.0, 0.0, 0.0]


def test_progress_stops_after_stop_and_survives_a_failing_send() -> None:
    def broken(update: dict) -> None:
        raise ConnectionError("no RunPod")

    Progress(broken, interval_s=0).stage("loading")  # logged, not raised
    sent: list[dict] = []
    progress = Progress(sent.append, interval_s=0)
    progress.stage("loading")
    progress.stop()
    progress.update(50)
    progress.stage("transcribing")
    assert sent == [{"stage": "loading", "percent": 0.0}]
    with pytest.raises(ValueError):
        progress.stage("uploading")


def test_nan_and_infinity_become_null_everywhere() -> None:
    dirty = {"a": float("nan"), "b": [float("inf"), -math.inf, 1.5, np.float32("nan"), np.float64(2.5)],
             "c": {"d": np.int64(3), "e": True, "f": None, "g": "NaN"}, "h": (np.float32(0.25),)}
    assert clean_numbers(dirty) == {"a": None, "b": [None, None, 1.5, None, 2.5],
                                    "c": {"d": 3, "e": True, "f": None, "g": "NaN"}, "h": [0.25]}
    assert type(clean_numbers(np.int64(3))) is int and type(clean_numbers(np.float32(0.5))) is float


def test_segments_keep_the_contract_fields_only() -> None:
    segment = {"start": 1.0, "end": 2.0, "text": " Hi.", "avg_logprob": -0.2, "speaker": "SPEAKER_00",
               "chars": [{"char": "H"}], "words": [{"word": "Hi.", "start": 1.0, "end": 1.5, "score": 0.9,
                                                    "speaker": "SPEAKER_00", "extra": 1}, {"word": "2016"}]}
    assert shape_segment(segment) == {
        "start": 1.0, "end": 2.0, "text": " Hi.", "avg_logprob": -0.2, "speaker": "SPEAKER_00",
        "words": [{"word": "Hi.", "start": 1.0, "end": 1.5, "score": 0.9, "speaker": "SPEAKER_00"}, {"word": "2016"}]}
    assert shape_segment({"start": 0, "end": 1, "text": "x"})["words"] == []
    assert shape_segment({"start": 0, "end": 1, "text": "x", "words": [], "chars": None})["words"] == []


class OutOfMemoryError(RuntimeError):
    pass


@pytest.mark.parametrize("err", [OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB"),
                                 RuntimeError("CUDA failed with error out of memory"),
                                 RuntimeError("cuBLAS failed: CUBLAS_STATUS_ALLOC_FAILED out of memory")])
def test_cuda_out_of_memory_is_recognised(err: Exception) -> None:
    assert is_cuda_oom(err)


@pytest.mark.parametrize("err", [MemoryError(), RuntimeError("out of memory"), ValueError("CUDA error")])
def test_other_errors_are_not_cuda_oom(err: Exception) -> None:
    assert not is_cuda_oom(err)


def test_stage_errors_without_a_model_let_other_errors_through() -> None:
    with pytest.raises(KeyError):
        with stage_errors("transcribing"):
            raise KeyError("x")
    with pytest.raises(WorkerError) as caught:
        with stage_errors("loading", loading="Whisper model 'x'"):
            raise OSError("disk")
    assert caught.value.code == "MODEL_UNAVAILABLE" and "OSError: disk" in caught.value.sentence


def test_http_401_and_403_from_the_hub_mean_the_terms() -> None:
    class HfHubHTTPError(Exception):
        def __init__(self, status: int) -> None:
            super().__init__(f"{status} Client Error")
            self.response = type("Response", (), {"status_code": status})()

    for status, code in ((401, "HF_TERMS_NOT_ACCEPTED"), (403, "HF_TERMS_NOT_ACCEPTED"), (500, "MODEL_UNAVAILABLE")):
        with pytest.raises(WorkerError) as caught:
            with stage_errors("loading", loading="pyannote/speaker-diarization-community-1"):
                raise HfHubHTTPError(status)
        assert caught.value.code == code


def test_result_file_names_are_safe() -> None:
    assert result_file_name("c8e3b1f2-7d9a-4e0b-9f1a-2b3c4d5e6f70-e1") == "result-c8e3b1f2-7d9a-4e0b-9f1a-2b3c4d5e6f70-e1.json"
    assert result_file_name("a/b\\c d") == "result-a_b_c_d.json"


def test_an_unknown_error_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        WorkerError("OOPS", "x")
