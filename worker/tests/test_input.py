"""Every input rule of the contract: defaults, types, ranges, unknown keys by name, the audio location."""

from __future__ import annotations

import re

import pytest

from scribe_errors import WorkerError, error_codes
from scribe_input import DEFAULTS, JobInput, validate_input

AUDIO = "/runpod-volume/scribe-panel/r1/audio.m4a"
ERROR = re.compile(r"^([A-Z_]+): (.*)$")


def refused(raw) -> WorkerError:
    with pytest.raises(WorkerError) as caught:
        validate_input(raw)
    err = caught.value
    match = ERROR.match(err.to_output()["error"])
    assert match and match.group(1) in error_codes() and match.group(2).strip()
    return err


def test_defaults_are_the_contracts() -> None:
    assert validate_input({"audio": AUDIO}) == JobInput(audio=AUDIO, **DEFAULTS)
    assert DEFAULTS == {"language": None, "diarize": False, "align": True, "batch_size": 16, "model": "large-v3",
                        "min_speakers": None, "max_speakers": None, "initial_prompt": None}


def test_every_key_given() -> None:
    given = {"audio": "https://example.org/a.m4a", "language": "ru", "diarize": True, "align": False,
             "batch_size": 64, "model": "large-v3-turbo", "min_speakers": 2, "max_speakers": 2,
             "initial_prompt": "Имена: Иван, Мария."}
    assert validate_input(given) == JobInput(**given)


def test_defaults_match_the_schema() -> None:
    from scribe_errors import contract

    properties = contract()["$defs"]["input"]["properties"]
    for key, value in DEFAULTS.items():
        if "default" in properties[key]:
            assert properties[key]["default"] == value, key


def test_unknown_keys_are_refused_by_name() -> None:
    err = refused({"audio": AUDIO, "hf_token": "x", "audio_file": "y"})
    assert err.code == "INVALID_INPUT"
    assert "'hf_token'" in err.sentence and "'audio_file'" in err.sentence
    assert "allowed: audio, language" in err.sentence


def test_missing_audio() -> None:
    err = refused({"language": "en"})
    assert err.code == "INVALID_INPUT" and "'audio' is required" in err.sentence


@pytest.mark.parametrize("raw", [None, [], "audio.m4a", 3])
def test_input_must_be_an_object(raw) -> None:
    assert refused(raw).code == "INVALID_INPUT"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("audio", 42, "'audio' must be"),
        ("audio", "", "'audio' must be"),
        ("language", 5, "'language' must be"),
        ("language", "english", "Whisper language code"),
        ("language", "xx", "Whisper language code"),
        ("diarize", "yes", "'diarize' must be true or false"),
        ("align", 1, "'align' must be true or false"),
        ("batch_size", 0, "'batch_size' must be an integer from 1 to 64"),
        ("batch_size", 65, "'batch_size' must be an integer from 1 to 64"),
        ("batch_size", 1.5, "'batch_size' must be"),
        ("batch_size", "16", "'batch_size' must be"),
        ("batch_size", True, "'batch_size' must be"),
        ("model", "large-v4", "'model' must be"),
        ("model", None, "'model' must be"),
        ("min_speakers", 0, "'min_speakers' must be"),
        ("max_speakers", "2", "'max_speakers' must be"),
        ("initial_prompt", "x" * 2001, "'initial_prompt' must be"),
        ("initial_prompt", ["a"], "'initial_prompt' must be"),
    ],
)
def test_bad_values_are_refused_with_the_rule(key: str, value, expected: str) -> None:
    err = refused({"audio": AUDIO, key: value})
    assert err.code == "INVALID_INPUT"
    assert expected in err.sentence
    assert err.sentence.endswith("Fix the job input and send it again.")


def test_every_problem_is_listed_at_once() -> None:
    err = refused({"audio": AUDIO, "batch_size": 0, "diarize": "no", "colour": 1})
    assert all(part in err.sentence for part in ("'colour'", "'batch_size'", "'diarize'"))


def test_min_speakers_must_not_exceed_max_speakers() -> None:
    err = refused({"audio": AUDIO, "min_speakers": 3, "max_speakers": 2})
    assert "'min_speakers' (3) must not exceed 'max_speakers' (2)" in err.sentence
    assert validate_input({"audio": AUDIO, "min_speakers": 2, "max_speakers": 2}).min_speakers == 2
    assert validate_input({"audio": AUDIO, "min_speakers": 5}).min_speakers == 5


def test_nulls_are_allowed_where_the_contract_allows_them() -> None:
    job = validate_input({"audio": AUDIO, "language": None, "min_speakers": None, "max_speakers": None,
                          "initial_prompt": None})
    assert job.language is None and job.initial_prompt is None
    assert validate_input({"audio": AUDIO, "initial_prompt": "x" * 2000}).initial_prompt == "x" * 2000


@pytest.mark.parametrize("audio", ["/etc/passwd", "audio.m4a", "runpod-volume/a.m4a", "/runpod-volumeX/a.m4a",
                                   "ftp://example.org/a.m4a", "file:///runpod-volume/a.m4a", "s3://vol/a.m4a"])
def test_audio_must_be_on_the_volume_or_a_url(audio: str) -> None:
    err = refused({"audio": audio})
    assert err.code == "AUDIO_OUTSIDE_VOLUME"
    assert "/runpod-volume/" in err.sentence


def test_http_and_https_urls_are_accepted() -> None:
    assert validate_input({"audio": "http://example.org/a.m4a"}).audio == "http://example.org/a.m4a"
    assert validate_input({"audio": "https://example.org/a.m4a?X-Amz-Signature=1"}).audio.startswith("https://")
