"""The job's input: validation against the contract file, and finding the audio it names.

`validate_input` checks a job's `input` against `$defs.input` of `contract.schema.json` (JSON Schema 2020-12,
https://json-schema.org/draft/2020-12) and applies the defaults. `resolve_audio` turns `audio` into a local
file: a path under `/runpod-volume/` (where RunPod mounts the endpoint's network volume in a Serverless worker,
https://docs.runpod.io/storage/network-volumes) or an http(s) URL, downloaded to a temporary folder.
Both raise `WorkerError` with a sentence the user can act on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Optional

from jsonschema import Draft202012Validator

from scribe_errors import WorkerError, contract

#: How a job names a file on the network volume (RunPod's mount point in Serverless workers).
VOLUME_PREFIX = "/runpod-volume/"

#: Whisper's language codes (SYSTRAN/faster-whisper v1.2.0 `faster_whisper/tokenizer.py` `_LANGUAGE_CODES`);
#: any other `language` makes faster-whisper raise ValueError after the model is loaded, so refuse it up front.
WHISPER_LANGUAGES = frozenset(
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi hr ht hu "
    "hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt "
    "ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo zh yue".split()
)

#: Defaults of the optional keys, as the contract states them.
DEFAULTS: dict[str, Any] = {
    "language": None,
    "diarize": False,
    "align": True,
    "batch_size": 16,
    "model": "large-v3",
    "min_speakers": None,
    "max_speakers": None,
    "initial_prompt": None,
}

#: Download timeouts in seconds: (connect, between two reads).
DOWNLOAD_TIMEOUT_S = (15, 120)


@dataclass(frozen=True)
class JobInput:
    """A valid job input with defaults applied. `audio` is as given (volume path or URL)."""

    audio: str
    language: Optional[str]
    diarize: bool
    align: bool
    batch_size: int
    model: str
    min_speakers: Optional[int]
    max_speakers: Optional[int]
    initial_prompt: Optional[str]


@dataclass(frozen=True)
class ResolvedAudio:
    """A local audio file for the pipeline.

    `local_path`: where to read it. `volume_path`: its `/runpod-volume/…` name when it lives on the network volume
    (then the result file goes beside it), else None. `temp_dir`: a folder to delete after the job, or None.
    """

    local_path: str
    volume_path: Optional[str]
    temp_dir: Optional[str]

    def cleanup(self) -> None:
        """Deletes the temporary download, if any. Never raises."""
        if self.temp_dir:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------------------
# Validation


def _input_schema() -> dict[str, Any]:
    """`$defs.input` of the contract, as a schema that can resolve the contract's other `$defs`."""
    whole = contract()
    return {"$schema": whole.get("$schema"), "$defs": whole["$defs"], "$ref": "#/$defs/input"}


def _describe(schema: dict[str, Any]) -> str:
    """What a property schema accepts, in words: e.g. "an integer from 1 to 64 or null"."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return " or ".join(_describe(option) for option in options)
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind == "null":
        return "null"
    if kind == "boolean":
        return "true or false"
    if kind in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        noun = "an integer" if kind == "integer" else "a number"
        if high is not None and high >= 2**53 - 1:
            high = None  # zod writes Number.MAX_SAFE_INTEGER for "no maximum"
        if low is not None and low <= -(2**53 - 1):
            low = None
        if low is not None and high is not None:
            return f"{noun} from {low} to {high}"
        if low is not None:
            return f"{noun} >= {low}"
        if high is not None:
            return f"{noun} <= {high}"
        return noun
    if kind == "string":
        if "maxLength" in schema:
            return f"a string of at most {schema['maxLength']} characters"
        return "a non-empty string" if schema.get("minLength", 0) >= 1 else "a string"
    return "a valid value"


def _shown(value: Any) -> str:
    """A short rendering of a bad value for an error sentence (long strings are cut)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_input(raw: Any) -> JobInput:
    """Checks a job's `input` against the contract and returns it with defaults applied.

    Unknown keys are refused by name; every problem is listed in one sentence.
    Raises WorkerError INVALID_INPUT (or AUDIO_OUTSIDE_VOLUME when `audio` is neither a volume path nor a URL).
    """
    if not isinstance(raw, dict):
        raise WorkerError("INVALID_INPUT", f"the job input must be a JSON object with an 'audio' key, not {_shown(raw)}.")
    schema = contract()["$defs"]["input"]
    properties: dict[str, Any] = schema.get("properties", {})
    problems: list[str] = []
    unknown = [key for key in raw if key not in properties]
    if unknown:
        names = ", ".join(f"'{key}'" for key in unknown)
        problems.append(f"unknown key{'s' if len(unknown) > 1 else ''} {names} (allowed: {', '.join(properties)})")
    given = {key: value for key, value in raw.items() if key in properties}
    if "audio" not in given:
        problems.append("'audio' is required (a path under /runpod-volume/ or an http(s) URL)")
    merged = {**DEFAULTS, **given}
    validator = Draft202012Validator(_input_schema())
    bad_keys: list[str] = []
    pattern_only = True
    for error in validator.iter_errors(merged):
        if error.validator in ("additionalProperties", "required") or not error.absolute_path:
            continue
        key = str(error.absolute_path[0])
        pattern_only = pattern_only and error.validator == "pattern"
        if key in bad_keys:
            continue
        bad_keys.append(key)
        rule = properties.get(key, {})
        note = f" ({rule['description']})" if rule.get("description") else ""
        problems.append(f"'{key}' must be {_describe(rule)}{note}, not {_shown(merged[key])}")
    low, high = merged.get("min_speakers"), merged.get("max_speakers")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(f"'min_speakers' ({low}) must not exceed 'max_speakers' ({high})")
    language = merged.get("language")
    if "language" not in bad_keys and isinstance(language, str) and language not in WHISPER_LANGUAGES:
        problems.append(f"'language' must be a Whisper language code such as 'en' or 'ru', or null to detect (got {_shown(language)})")
    if problems:
        audio = merged.get("audio")
        if bad_keys == ["audio"] and pattern_only and len(problems) == 1 and isinstance(audio, str) and audio:
            _require_audio_location(audio)  # the schema's pattern for `audio`: say where it must be
        raise WorkerError("INVALID_INPUT", "; ".join(problems) + ". Fix the job input and send it again.")
    _require_audio_location(merged["audio"])
    return JobInput(**{key: merged[key] for key in JobInput.__dataclass_fields__})


def _is_url(audio: str) -> bool:
    return audio.startswith(("http://", "https://"))


def _require_audio_location(audio: str) -> None:
    """Raises AUDIO_OUTSIDE_VOLUME unless `audio` is a volume path or an http(s) URL."""
    if "\x00" in audio:
        raise WorkerError("INVALID_INPUT", "'audio' contains a NUL character. Fix the job input and send it again.")
    if not (_is_url(audio) or audio.startswith(VOLUME_PREFIX)):
        raise WorkerError(
            "AUDIO_OUTSIDE_VOLUME",
            f"'audio' must be a file under {VOLUME_PREFIX} (the network volume) or an http(s) URL, "
            f"not {_shown(audio)}.",
        )


# --------------------------------------------------------------------------------------------------------------
# Audio resolution


def volume_root() -> str:
    """The folder that stands for `/runpod-volume` (env SCRIBE_VOLUME_ROOT; tests and the emulator point it
    at a temporary folder)."""
    return os.environ.get("SCRIBE_VOLUME_ROOT", "/runpod-volume").rstrip("/") or "/"


def to_local(volume_path: str) -> str:
    """`/runpod-volume/a/b.m4a` → `<volume root>/a/b.m4a` (no checks; see `resolve_audio`)."""
    return os.path.join(volume_root(), volume_path[len(VOLUME_PREFIX):])


def audio_wait_seconds() -> float:
    """How long a missing volume file is waited for, in seconds (env SCRIBE_AUDIO_WAIT_SECONDS, default 10):
    a file just uploaded through RunPod's S3 API may not be visible on a worker's mount at once (that delay is
    undocumented)."""
    return float(os.environ.get("SCRIBE_AUDIO_WAIT_SECONDS", "10"))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _resolve_volume_path(audio: str) -> ResolvedAudio:
    root = volume_root()
    normalized = os.path.normpath(os.path.join(root, audio[len(VOLUME_PREFIX):]))
    outside = WorkerError(
        "AUDIO_OUTSIDE_VOLUME",
        f"{_shown(audio)} points outside the network volume; name a file under {VOLUME_PREFIX} without '..' "
        "or links that leave the volume.",
    )
    if not _inside(normalized, root) or normalized == root:
        raise outside
    volume_path = VOLUME_PREFIX + os.path.relpath(normalized, root).replace(os.sep, "/")
    real_root = os.path.realpath(root)
    deadline = time.monotonic() + audio_wait_seconds()
    while True:
        real = os.path.realpath(normalized)
        if not _inside(real, real_root):
            raise outside
        if os.path.isdir(real):
            raise WorkerError("NOT_AUDIO", f"{volume_path} is a folder, not an audio file; name the recording itself.")
        if os.path.isfile(real):
            return ResolvedAudio(local_path=real, volume_path=volume_path, temp_dir=None)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    attached = os.path.isdir(root) and bool(os.listdir(root))
    hint = "" if attached else f" ({VOLUME_PREFIX} is empty or missing on this worker)"
    raise WorkerError(
        "AUDIO_NOT_FOUND",
        f"{volume_path} does not exist on this worker{hint}; is the network volume attached to this endpoint?",
    )


def _safe_url(url: str) -> str:
    """The URL without its query and fragment (a presigned URL's query is a credential)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _download(url: str) -> ResolvedAudio:
    import requests  # a dependency of runpod; imported here so validation works without it

    suffix = os.path.splitext(urllib.parse.urlsplit(url).path)[1][:8]
    temp_dir = tempfile.mkdtemp(prefix="scribe-audio-")
    local_path = os.path.join(temp_dir, "audio" + suffix)
    try:
        with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT_S) as response:
            response.raise_for_status()
            with open(local_path, "wb") as file:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    file.write(chunk)
    except requests.RequestException as err:
        shutil.rmtree(temp_dir, ignore_errors=True)
        status = getattr(getattr(err, "response", None), "status_code", None)
        reason = f"HTTP {status}" if status else type(err).__name__
        raise WorkerError(
            "AUDIO_DOWNLOAD_FAILED",
            f"could not download {_safe_url(url)} ({reason}); check that the URL is public and has not expired.",
        ) from err
    return ResolvedAudio(local_path=local_path, volume_path=None, temp_dir=temp_dir)


def resolve_audio(audio: str) -> ResolvedAudio:
    """Finds the job's audio: a volume path (checked to stay inside the volume after `..` and symlinks,
    waited for up to `audio_wait_seconds()`), or an http(s) URL downloaded to a temporary folder.

    Raises WorkerError AUDIO_OUTSIDE_VOLUME, AUDIO_NOT_FOUND, NOT_AUDIO (a folder) or AUDIO_DOWNLOAD_FAILED.
    """
    _require_audio_location(audio)
    if _is_url(audio):
        return _download(audio)
    return _resolve_volume_path(audio)


def require_audio_stream(local_path: str, shown_name: str) -> None:
    """Checks with ffprobe (https://ffmpeg.org/ffprobe.html) that the file has an audio stream.

    `shown_name` is how the file is named in the error (its volume path, or the URL without query).
    Raises WorkerError NOT_AUDIO.
    """
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", local_path],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0 or "audio" not in probe.stdout.split():
        detail = (probe.stderr.strip().splitlines() or ["no audio stream"])[-1]
        detail = detail.replace(local_path, os.path.basename(local_path))
        raise WorkerError(
            "NOT_AUDIO",
            f"{shown_name} is not an audio file ffmpeg can read ({detail[:160]}); send a recording such as m4a, "
            "mp3, wav or a video with sound.",
        )


def shown_name(job_input: JobInput, audio: ResolvedAudio) -> str:
    """How error sentences name the audio: its volume path, or the URL without query."""
    return audio.volume_path or _safe_url(job_input.audio)
