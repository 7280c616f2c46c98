"""The handler end to end with the WhisperX stand-in: output, result file, warm models, initial_prompt, errors,
progress, cancellation."""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import time
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import handler
import scribe_pipeline
import whisperx
from conftest import calls, put
from scribe_errors import contract, error_codes


def schema_of(name: str) -> Draft202012Validator:
    whole = contract()
    return Draft202012Validator({"$defs": whole["$defs"], "$ref": f"#/$defs/{name}"})


def walk_numbers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in walk_numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in walk_numbers(item)]
    return [value] if isinstance(value, float) else []


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    return "hf_test_token"


def test_an_interview_comes_back_transcribed_aligned_and_diarized(volume, run, token) -> None:
    audio = put(volume, "scribe-panel/r1/audio.m4a", "interview.m4a")
    out = run({"audio": audio, "language": "en", "diarize": True}, job_id="abc-123-e1")
    schema_of("output").validate(out)
    assert set(out) == {"segments", "language", "duration", "model", "timings", "result_path"}
    assert out["language"] == "en" and out["model"] == "large-v3"
    assert abs(out["duration"] - 40.456) < 0.1  # decoded samples / 16 kHz; ffprobe says 40.456 s
    assert len(out["segments"]) == 10  # 8 utterances + 2 hallucinated tails
    first = out["segments"][0]
    assert first["text"].startswith(" Good morning") and first["speaker"] == "SPEAKER_00"
    assert {"word": "2016."} in first["words"]  # a digit word keeps no times (WhisperX quirk)
    assert "speaker" not in out["segments"][4]  # "Thank you.", the shortest utterance, overlaps no turn
    assert all("chars" not in s for s in out["segments"]) and "word_segments" not in out
    assert out["segments"][-1]["words"][-1]["score"] is None  # the stand-in's NaN score became null
    assert all(math.isfinite(n) for n in walk_numbers(out))
    assert all(isinstance(out["timings"][k], float) for k in ("load_s", "transcribe_s", "align_s", "diarize_s",
                                                             "total_s"))
    assert out["result_path"] == "/runpod-volume/scribe-panel/r1/result-abc-123-e1.json"


def test_the_result_file_holds_the_same_object_as_strict_json(volume, run) -> None:
    audio = put(volume, "scribe-panel/r1/audio.m4a", "interview.m4a")
    out = run({"audio": audio}, job_id="job-7")
    path = os.path.join(volume, "scribe-panel/r1/result-job-7.json")
    with open(path, encoding="utf-8") as file:
        text = file.read()
    saved = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the result file"))
    assert saved == out
    assert sorted(os.listdir(os.path.dirname(path))) == ["audio.m4a", "result-job-7.json"]  # no temp file left
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o644)


def test_a_job_id_cannot_steer_the_result_file(volume, run) -> None:
    audio = put(volume, "r1/audio.m4a", "tone.wav")
    out = run({"audio": audio}, job_id="../../evil")
    assert out["result_path"] == "/runpod-volume/r1/result-______evil.json"
    assert os.path.exists(os.path.join(volume, "r1", "result-______evil.json"))


def test_a_failed_result_write_keeps_the_transcript(volume, run) -> None:
    audio = put(volume, "r1/audio.m4a", "interview.m4a")
    os.makedirs(os.path.join(volume, "r1", "result-job-1.json"))  # a folder where the file should go
    out = run({"audio": audio})
    assert out["result_path"] is None and len(out["segments"]) == 10


def test_russian_is_detected_and_aligned_with_the_russian_model(volume, run) -> None:
    audio = put(volume, "r2/audio.m4a", "ru-dialogue.m4a")
    out = run({"audio": audio})
    assert out["language"] == "ru"
    assert out["segments"][0]["text"] == " Добрый день! Сколько интервью вы записали в этом месяце?"
    assert [c["language_code"] for c in calls("load_align_model")] == ["ru"]
    assert calls("transcribe")[0]["language"] is None  # detection was left to Whisper


def test_without_alignment_segments_have_no_words(volume, run) -> None:
    audio = put(volume, "r1/audio.m4a", "interview.m4a")
    out = run({"audio": audio, "align": False})
    schema_of("output").validate(out)
    assert all(s["words"] == [] for s in out["segments"])
    assert out["timings"]["align_s"] is None and out["timings"]["diarize_s"] is None
    assert calls("load_align_model") == [] and calls("align") == []


def test_a_language_without_an_alignment_model_is_transcribed_unaligned(volume, run) -> None:
    audio = put(volume, "r1/audio.m4a", "interview.m4a")
    out = run({"audio": audio, "language": "cy"})  # Welsh: Whisper knows it, WhisperX has no align model
    assert out["language"] == "cy" and out["timings"]["align_s"] is None
    assert calls("load_align_model") == []


def test_audio_without_a_script_gets_labelled_placeholders(volume, run) -> None:
    audio = put(volume, "r3/tone.wav", "tone.wav")
    out = run({"audio": audio})
    assert out["duration"] == 2.0
    assert [s["text"] for s in out["segments"]] == [" [emulated] no script for this audio (segment 1)"]


def test_url_audio_has_no_result_file(run, monkeypatch) -> None:
    from conftest import FIXTURES
    from scribe_input import ResolvedAudio

    monkeypatch.setattr(handler, "resolve_audio", lambda audio: ResolvedAudio(
        os.path.join(FIXTURES, "interview.m4a"), None, None))
    out = run({"audio": "https://example.org/interview.m4a"})
    assert out["result_path"] is None and len(out["segments"]) == 10


# --- warm models


def test_whisper_is_loaded_once_per_model_name(volume, run) -> None:
    audio = put(volume, "r1/audio.m4a", "tone.wav")
    run({"audio": audio}, "j1")
    run({"audio": audio}, "j2")
    run({"audio": audio, "model": "medium"}, "j3")
    run({"audio": audio}, "j4")
    assert [c["whisper_arch"] for c in calls("load_model")] == ["large-v3", "medium"]
    assert [c["model"] for c in calls("transcribe")] == ["large-v3", "large-v3", "medium", "large-v3"]


def test_one_alignment_model_per_language_is_kept(volume, run) -> None:
    en = put(volume, "r1/audio.m4a", "interview.m4a")
    ru = put(volume, "r2/audio.m4a", "ru-dialogue.m4a")
    for audio in (en, ru, en, ru):
        run({"audio": audio})
    assert [c["language_code"] for c in calls("load_align_model")] == ["en", "ru"]
    assert len(calls("align")) == 4


def test_at_most_two_alignment_models_stay_loaded(volume, run) -> None:
    en = put(volume, "r1/audio.m4a", "interview.m4a")
    for language in ("en", "ru", "de", "en"):
        run({"audio": en, "language": language})
    assert [c["language_code"] for c in calls("load_align_model")] == ["en", "ru", "de", "en"]


def test_the_diarization_pipeline_is_loaded_once_with_the_token(volume, run, token) -> None:
    audio = put(volume, "r1/audio.m4a", "interview.m4a")
    run({"audio": audio, "diarize": True, "min_speakers": 2, "max_speakers": 3}, "j1")
    run({"audio": audio, "diarize": True}, "j2")
    [loaded] = calls("DiarizationPipeline")
    assert loaded["token"] == token and loaded["model_name"] == "pyannote/speaker-diarization-community-1"
    assert loaded["cache_dir"] == os.path.join(volume, ".cache", "scribe-worker", "huggingface")
    assert [(c["min_speakers"], c["max_speakers"]) for c in calls("diarize")] == [(2, 3), (None, None)]


def test_baked_models_load_from_the_image_and_others_from_the_volume_cache(volume, run, tmp_path,
                                                                            monkeypatch) -> None:
    manifest = tmp_path / "baked.json"
    manifest.write_text(json.dumps({"whisper": ["large-v3"], "align": ["en", "ru"]}))
    monkeypatch.setenv("SCRIBE_BAKED_MANIFEST", str(manifest))
    audio = put(volume, "r1/audio.m4a", "interview.m4a")
    run({"audio": audio, "language": "en"})
    run({"audio": audio, "language": "de", "model": "small"})
    cache = os.path.join(volume, ".cache", "scribe-worker", "huggingface")
    assert [c["download_root"] for c in calls("load_model")] == [None, cache]
    assert [c["model_dir"] for c in calls("load_align_model")] == [None, cache]


# --- initial_prompt


def test_initial_prompt_applies_to_its_own_job_only(volume, run) -> None:
    audio = put(volume, "r1/audio.m4a", "tone.wav")
    run({"audio": audio, "initial_prompt": "Acme Corp, Jane Doe."}, "j1")
    run({"audio": audio}, "j2")
    run({"audio": audio, "initial_prompt": "Иван."}, "j3")
    assert [c["initial_prompt"] for c in calls("transcribe")] == ["Acme Corp, Jane Doe.", None, "Иван."]
    model = handler.PIPELINE.models.whisper("large-v3")
    assert model.options.initial_prompt is None


def test_initial_prompt_is_reset_even_when_transcription_fails(volume, run, monkeypatch) -> None:
    audio = put(volume, "r1/audio.m4a", "tone.wav")
    monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_FAULT", "oom:transcribe")
    assert run({"audio": audio, "initial_prompt": "Acme."})["error"].startswith("CUDA_OOM: ")
    assert handler.PIPELINE.models.whisper("large-v3").options.initial_prompt is None


# --- errors: every code of the contract, from a real scenario


def scenario(code: str, volume: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    audio = put(volume, "r1/audio.m4a", "interview.m4a")
    job: dict[str, Any] = {"audio": audio}
    if code == "INVALID_INPUT":
        job["speakers"] = 2
    elif code == "AUDIO_OUTSIDE_VOLUME":
        job["audio"] = "/runpod-volume/../etc/passwd"
    elif code == "AUDIO_NOT_FOUND":
        job["audio"] = "/runpod-volume/r1/missing.m4a"
    elif code == "AUDIO_DOWNLOAD_FAILED":
        job["audio"] = "http://127.0.0.1:9/a.m4a"  # the discard port: connection refused
    elif code == "NOT_AUDIO":
        job["audio"] = put(volume, "r1/not-audio.m4a", "not-audio.m4a")
    elif code == "MODEL_UNAVAILABLE":
        monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_FAULT", "offline")
    elif code == "HF_TOKEN_MISSING":
        job["diarize"] = True
    elif code == "HF_TERMS_NOT_ACCEPTED":
        monkeypatch.setenv("HF_TOKEN", "hf_test")
        monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_FAULT", "gated")
        job["diarize"] = True
    elif code == "CUDA_OOM":
        monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_FAULT", "oom:align")
    return job


@pytest.mark.parametrize("code", error_codes())
def test_every_error_code_is_a_graceful_failure(code: str, volume, run, monkeypatch) -> None:
    out = run(scenario(code, volume, monkeypatch))
    match = re.match(r"^([A-Z_]+): (.*)$", out["error"])
    assert match and match.group(1) == code, out
    assert len(match.group(2)) > 20
    assert set(out) == ({"error", "refresh_worker"} if code == "CUDA_OOM" else {"error"})
    assert out.get("refresh_worker", False) is (code == "CUDA_OOM")
    assert not [f for f in os.listdir(os.path.join(volume, "r1")) if f.startswith("result-")]


def test_diarization_without_a_token_fails_before_any_work(volume, run) -> None:
    out = run({"audio": put(volume, "r1/audio.m4a", "interview.m4a"), "diarize": True})
    assert "add it as a RunPod secret" in out["error"] and "pyannote/speaker-diarization-community-1" in out["error"]
    assert whisperx.calls == []


def test_a_token_that_is_not_a_hugging_face_token_is_named(volume, run, monkeypatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "rpa_not_hf")
    out = run({"audio": put(volume, "r1/audio.m4a", "interview.m4a"), "diarize": True})
    assert out["error"].startswith("HF_TOKEN_MISSING: ") and "start with hf_" in out["error"]


def test_unaccepted_terms_fail_before_transcribing(volume, run, token, monkeypatch) -> None:
    monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_FAULT", "gated")
    out = run({"audio": put(volume, "r1/audio.m4a", "interview.m4a"), "diarize": True})
    assert "https://huggingface.co/pyannote/speaker-diarization-community-1" in out["error"]
    assert calls("transcribe") == []


@pytest.mark.parametrize("step", ["load", "transcribe", "align", "diarize"])
def test_cuda_out_of_memory_in_any_step_asks_for_a_new_worker(step: str, volume, run, token, monkeypatch) -> None:
    monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_FAULT", f"oom:{step}")
    out = run({"audio": put(volume, "r1/audio.m4a", "interview.m4a"), "diarize": True})
    assert out["error"].startswith("CUDA_OOM: ") and "batch_size" in out["error"]
    assert out["refresh_worker"] is True


def test_an_unknown_failure_is_raised_for_runpod_to_report(volume, run, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(whisperx, "align", broken)
    with pytest.raises(KeyError):
        run({"audio": put(volume, "r1/audio.m4a", "interview.m4a")})


# --- output size


def test_an_oversize_output_leaves_the_segments_to_the_result_file(volume, run, monkeypatch) -> None:
    monkeypatch.setattr(scribe_pipeline, "MAX_OUTPUT_BYTES", 2000)
    out = run({"audio": put(volume, "r1/audio.m4a", "interview.m4a")})
    schema_of("output").validate(out)
    assert "segments" not in out and out["segments_omitted"] is True
    with open(os.path.join(volume, "r1", "result-job-1.json"), encoding="utf-8") as file:
        saved = json.load(file)
    assert len(saved["segments"]) == 10 and "segments_omitted" not in saved
    assert scribe_pipeline.output_size(out) < 2000


def test_an_oversize_output_without_a_result_file_keeps_its_segments(run, monkeypatch) -> None:
    from conftest import FIXTURES
    from scribe_input import ResolvedAudio

    monkeypatch.setattr(scribe_pipeline, "MAX_OUTPUT_BYTES", 2000)
    monkeypatch.setattr(handler, "resolve_audio", lambda audio: ResolvedAudio(
        os.path.join(FIXTURES, "interview.m4a"), None, None))
    out = run({"audio": "https://example.org/interview.m4a"})
    assert len(out["segments"]) == 10 and "segments_omitted" not in out


def test_the_limit_leaves_room_under_runpods_10_mb() -> None:
    assert scribe_pipeline.MAX_OUTPUT_BYTES == 9_000_000


# --- progress


def test_progress_goes_through_the_stages_in_order(volume, run, token, progress) -> None:
    run({"audio": put(volume, "r1/audio.m4a", "interview.m4a"), "diarize": True})
    validator = schema_of("progress")
    for update in progress:
        validator.validate(update)
    stages = [u["stage"] for u in progress]
    order = [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s]
    assert order == ["loading", "transcribing", "aligning", "diarizing", "saving"]
    assert progress[-1] == {"stage": "saving", "percent": 100.0}


def test_progress_within_a_stage_comes_from_whisperx_at_most_every_3_s(volume, run, progress,
                                                                       monkeypatch) -> None:
    monkeypatch.setattr(scribe_pipeline, "PROGRESS_INTERVAL_S", 0.25)
    monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_STAGE_SECONDS", "1.0")
    run({"audio": put(volume, "r1/audio.m4a", "interview.m4a"), "align": False})
    transcribing = [u["percent"] for u in progress if u["stage"] == "transcribing"]
    # 10 callbacks over 1 s (one per segment), throttled to one every 0.25 s, plus the stage's first update
    assert 3 <= len(transcribing) <= 6, transcribing
    assert transcribing == sorted(transcribing) and 0 < transcribing[-1] <= 100


def test_the_interval_defaults_to_3_s() -> None:
    assert scribe_pipeline.PROGRESS_INTERVAL_S == 3.0


# --- cancellation


def test_a_cancelled_job_stops_at_the_next_stage(volume, run, progress, monkeypatch) -> None:
    monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_STAGE_SECONDS", "0.8")
    audio = put(volume, "r1/audio.m4a", "interview.m4a")
    run({"audio": put(volume, "r0/tone.wav", "tone.wav")}, "warm-up")  # models loaded, so the stage is short
    whisperx.reset()
    progress.clear()

    async def cancel_while_transcribing() -> None:
        task = asyncio.create_task(handler.handler({"id": "j-cancel", "input": {"audio": audio}}))
        while not any(u["stage"] == "transcribing" for u in progress):
            await asyncio.sleep(0.02)
        cancelled = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - cancelled < 0.3  # the handler gave up at once; the stage's thread runs on

    asyncio.run(cancel_while_transcribing())  # returns once the thread is done (asyncio.run joins the executor)
    assert len(calls("transcribe")) == 1 and calls("align") == []
    assert all(u["stage"] in ("loading", "transcribing") for u in progress)
    assert not os.path.exists(os.path.join(volume, "r1", "result-j-cancel.json"))
    monkeypatch.setenv("SCRIBE_FAKE_WHISPERX_STAGE_SECONDS", "0")
    assert len(run({"audio": audio}, "j-next")["segments"]) == 10  # the worker goes on with the next job
