"""What a user deploys: the image files, the Hub files, the fitness checks, and the pinned versions."""

from __future__ import annotations

import json
import os

import pytest
from jsonschema import Draft202012Validator

import handler
from conftest import REPO, WORKER
from scribe_errors import contract

RUNPOD = os.path.join(REPO, ".runpod")


def read(*parts: str) -> str:
    with open(os.path.join(*parts), encoding="utf-8") as file:
        return file.read()


def test_one_dockerfile_at_the_root_serves_every_deploy_path() -> None:
    # The Hub takes .runpod/Dockerfile over the root one, and a Dockerfile in worker/ would want its own Dockerfile
    # Path and build context: a second copy would drift from the one the README tells users to build.
    assert os.path.isfile(os.path.join(REPO, "Dockerfile"))
    assert not os.path.exists(os.path.join(RUNPOD, "Dockerfile"))
    assert not os.path.exists(os.path.join(WORKER, "Dockerfile"))


def test_the_hub_has_the_files_it_looks_for() -> None:
    for name in ("hub.json", "tests.json", "handler.py", "README.md"):
        assert os.path.isfile(os.path.join(RUNPOD, name)), name


def test_hub_json_asks_for_a_24_gb_gpu_with_cuda_12_8_or_newer() -> None:
    hub = json.loads(read(RUNPOD, "hub.json"))
    assert hub["type"] == "serverless" and hub["category"] == "audio"
    config = hub["config"]
    assert config["runsOn"] == "GPU" and config["gpuCount"] == 1
    assert set(config["gpuIds"].split(",")) == {"ADA_24", "AMPERE_24"}
    assert config["allowedCudaVersions"] and all(
        tuple(int(p) for p in v.split(".")) >= (12, 8) for v in config["allowedCudaVersions"])
    assert [e["key"] for e in config["env"]] == ["HF_TOKEN"]


def test_hub_tests_send_valid_input_with_an_https_sample() -> None:
    tests = json.loads(read(RUNPOD, "tests.json"))
    whole = contract()
    validator = Draft202012Validator({"$defs": whole["$defs"], "$ref": "#/$defs/input"})
    assert tests["tests"]
    for test in tests["tests"]:
        validator.validate(test["input"])
        assert test["input"]["audio"].startswith("https://")  # Hub tests run without a network volume
        assert test["timeout"] >= 60_000
    assert tests["config"]["allowedCudaVersions"] == json.loads(read(RUNPOD, "hub.json"))["config"][
        "allowedCudaVersions"]


def test_requirements_pin_the_known_good_set() -> None:
    pins = dict(line.split("==") for line in read(WORKER, "requirements.txt").splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins["runpod"] == "1.12.0" and pins["whisperx"] == "3.8.6"
    assert pins["torch"] == "2.8.0+cu128" and pins["torchaudio"] == "2.8.0+cu128"
    assert pins["pyannote-audio"] == "4.0.4" and pins["faster-whisper"] == "1.2.0"
    assert pins["nvidia-cudnn-cu12"] == "9.10.2.21" and "jsonschema" in pins


def test_the_dockerfile_bakes_models_and_finds_cudnn() -> None:
    dockerfile = read(REPO, "Dockerfile")
    assert "COPY worker/requirements.txt worker/*.py worker/contract.schema.json /app/" in dockerfile
    ignored = read(REPO, ".dockerignore").splitlines()
    assert "!worker" in ignored and "worker/tests" in ignored
    assert "RUN python download_models.py" in dockerfile
    assert "nvidia/cudnn/lib" in dockerfile and "ffmpeg" in dockerfile
    assert "PYANNOTE_METRICS_ENABLED=0" in dockerfile
    assert 'CMD ["python", "-u", "/app/handler.py"]' in dockerfile


def test_the_fitness_checks_pass_here_and_fail_without_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    handler.check_ffmpeg()
    handler.check_contract()
    handler.check_baked_models()  # not in the image: nothing required
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match="ffmpeg and ffprobe not found"):
        handler.check_ffmpeg()


def test_the_image_requires_its_baked_models(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("SCRIBE_REQUIRE_BAKED", "1")
    with pytest.raises(RuntimeError, match="download_models.py"):
        handler.check_baked_models()
    manifest = tmp_path / "baked.json"
    manifest.write_text(json.dumps({"whisper": ["large-v3"], "align": ["en", "ru"]}))
    monkeypatch.setenv("SCRIBE_BAKED_MANIFEST", str(manifest))
    handler.check_baked_models()


def test_the_fitness_checks_are_registered_with_runpod() -> None:
    from runpod.serverless.modules.rp_fitness import _fitness_checks

    names = {check.__name__ for check in _fitness_checks}
    assert {"check_ffmpeg", "check_contract", "check_baked_models"} <= names
