"""The WhisperX pipeline of one job: decode, transcribe, align, diarize, save, with warm models between jobs.

WhisperX 3.8.6 calls used here (m-bain/whisperX tag v3.8.6, `whisperx/asr.py`, `alignment.py`, `diarize.py`):
`load_audio(path)` → float32 mono samples at 16 kHz; `load_model(arch, device, compute_type=…, language=None,
download_root=…)` → a pipeline whose `.options` (faster-whisper's `TranscriptionOptions` dataclass) holds
`initial_prompt`; `.transcribe(audio, batch_size=…, language=…, progress_callback=…)`; `load_align_model(
language_code, device, model_dir=…)`; `align(segments, model, metadata, audio, device, return_char_alignments=False,
progress_callback=…)`; `diarize.DiarizationPipeline(model_name=None, token=…, device=…, cache_dir=…)` called with
`(audio, min_speakers=…, max_speakers=…, progress_callback=…)` → a DataFrame; `assign_word_speakers(df, result)`.
Progress callbacks receive a float 0–100 (since v3.8.3).

Every stage runs in a worker thread (the handler uses `asyncio.to_thread`), one at a time per worker
(`Models.gpu_lock`), so a cancelled job's stage finishes before the next job's stage starts.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Optional

from scribe_errors import WorkerError
from scribe_input import JobInput, ResolvedAudio, require_audio_stream, shown_name, to_local, volume_root

log = logging.getLogger("scribe-worker")

#: WhisperX's sample rate: `load_audio` resamples to 16 kHz (whisperx/audio.py `SAMPLE_RATE`).
SAMPLE_RATE = 16000

#: Above this many bytes of serialised output, segments are left to the result file. RunPod's `/run` result
#: limit is 10 MB (https://docs.runpod.io/serverless/workers/handler-functions "Payload limits").
MAX_OUTPUT_BYTES = 9_000_000

#: Seconds between two progress updates within a stage (stage changes are sent at once).
PROGRESS_INTERVAL_S = 3.0

#: The gated diarization model WhisperX 3.8 loads by default (whisperx/diarize.py).
DIARIZATION_MODEL = "pyannote/speaker-diarization-community-1"

STAGES = ("loading", "transcribing", "aligning", "diarizing", "saving")


# --------------------------------------------------------------------------------------------------------------
# Progress


class Progress:
    """Sends `{stage, percent}` (percent 0–100, one decimal) through `send`, at most every `interval_s` seconds
    within a stage; a new stage is sent at once. Thread-safe: WhisperX calls back from the stage's thread.
    After `stop()` nothing more is sent (a cancelled job's thread may still be running)."""

    def __init__(
        self,
        send: Callable[[dict[str, Any]], None],
        interval_s: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._interval_s = PROGRESS_INTERVAL_S if interval_s is None else interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._stage: Optional[str] = None
        self._last_sent = -math.inf
        self._stopped = False

    def stage(self, stage: str, percent: float = 0.0) -> None:
        """Enters `stage` (one of STAGES) and sends it now."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        with self._lock:
            self._stage = stage
            self._emit(percent)

    def update(self, percent: float) -> None:
        """Reports progress within the current stage; dropped when the last update is under `interval_s` old."""
        with self._lock:
            if self._stage is not None and self._clock() - self._last_sent >= self._interval_s:
                self._emit(percent)

    def callback(self) -> Callable[[float], None]:
        """A WhisperX `progress_callback` (float 0–100) feeding `update`."""
        return self.update

    def stop(self) -> None:
        """Sends nothing more."""
        with self._lock:
            self._stopped = True

    def _emit(self, percent: float) -> None:
        if self._stopped:
            return
        value = percent if isinstance(percent, numbers.Real) and math.isfinite(percent) else 0.0
        self._last_sent = self._clock()
        try:
            self._send({"stage": self._stage, "percent": round(min(100.0, max(0.0, float(value))), 1)})
        except Exception:  # a lost progress update must never fail the job
            log.exception("progress update failed")


# --------------------------------------------------------------------------------------------------------------
# Errors from the libraries, as codes


def _class_names(err: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(err).__mro__}


def is_cuda_oom(err: BaseException) -> bool:
    """True for CUDA out-of-memory: torch's `torch.cuda.OutOfMemoryError` ("CUDA out of memory. Tried to
    allocate …") or CTranslate2's RuntimeError ("CUDA failed with error out of memory")."""
    if "OutOfMemoryError" in _class_names(err):
        return True
    text = str(err).lower()
    return "out of memory" in text and any(word in text for word in ("cuda", "cublas", "cudnn"))


def _hub_refused(err: BaseException) -> bool:
    """True when Hugging Face refused the token for a gated or private repository: huggingface_hub's
    `GatedRepoError` / `RepositoryNotFoundError`, or an `HfHubHTTPError` with status 401 or 403
    (pyannote-audio 4.0.4 `utils/hf_hub.py` re-raises these after printing its hint)."""
    names = _class_names(err)
    if names & {"GatedRepoError", "RepositoryNotFoundError"}:
        return True
    status = getattr(getattr(err, "response", None), "status_code", None)
    return "HfHubHTTPError" in names and status in (401, 403)


@contextmanager
def stage_errors(doing: str, loading: Optional[str] = None) -> Iterator[None]:
    """Turns library failures inside a stage into WorkerErrors.

    `doing`: the stage in words ("transcribing"), for the CUDA_OOM sentence. `loading`: when set, the stage loads
    that model, and any other failure becomes MODEL_UNAVAILABLE naming it. CUDA out of memory → CUDA_OOM with
    `refresh_worker`; a refused Hugging Face token → HF_TERMS_NOT_ACCEPTED. Other errors propagate.
    """
    try:
        yield
    except WorkerError:
        raise
    except Exception as err:
        if is_cuda_oom(err):
            _free_cuda_memory()
            raise WorkerError(
                "CUDA_OOM",
                f"the GPU ran out of memory while {doing}; send a smaller batch_size (for example 8) or use a GPU "
                "with 24 GB, and try again (this worker will be replaced).",
                refresh_worker=True,
            ) from err
        if loading and _hub_refused(err):
            raise WorkerError(
                "HF_TERMS_NOT_ACCEPTED",
                f"Hugging Face refused HF_TOKEN for {loading}: accept its terms at https://huggingface.co/{loading} "
                "with the account that owns the token, and check that the token has read access.",
            ) from err
        if loading:
            raise WorkerError(
                "MODEL_UNAVAILABLE",
                f"could not load {loading} ({type(err).__name__}: {str(err)[:200]}); check the model name and that "
                "this worker can reach huggingface.co, then try again.",
            ) from err
        raise


def _free_cuda_memory() -> None:
    try:
        import torch  # present in the real image only

        torch.cuda.empty_cache()
    except Exception:
        pass


# --------------------------------------------------------------------------------------------------------------
# Warm models


def detect_device() -> str:
    """`cuda` when torch sees a GPU, else `cpu`; env SCRIBE_DEVICE overrides."""
    if os.environ.get("SCRIBE_DEVICE"):
        return os.environ["SCRIBE_DEVICE"]
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def volume_cache_dir() -> Optional[str]:
    """`<volume>/.cache/scribe-worker/huggingface`, where models not baked into the image are downloaded (so a
    worker's next cold start finds them), or None without a network volume (then HF_HOME is used)."""
    root = volume_root()
    return os.path.join(root, ".cache", "scribe-worker", "huggingface") if os.path.isdir(root) else None


def baked_models() -> dict[str, list[str]]:
    """What the image baked at build time (`download_models.py` writes it): `{"whisper": [...], "align": [...]}`,
    read from env SCRIBE_BAKED_MANIFEST (default /models/baked.json); empty lists when absent."""
    path = os.environ.get("SCRIBE_BAKED_MANIFEST", "/models/baked.json")
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        data = {}
    return {"whisper": list(data.get("whisper", [])), "align": list(data.get("align", []))}


class _Lru:
    """A tiny least-recently-used map of at most `size` loaded models."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str, load: Callable[[], Any]) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = load()
        self.items[key] = value
        while len(self.items) > self.size:
            evicted, _ = self.items.popitem(last=False)
            log.info("unloaded %s", evicted)
        return value


class Models:
    """Models kept loaded between jobs: Whisper per model name and one alignment model per language (each an LRU
    of `keep`, bounding GPU memory), and the diarization pipeline, loaded on first use."""

    def __init__(self, whisperx: Any, device: Optional[str] = None, keep: int = 2) -> None:
        self.whisperx = whisperx
        self.device = device or detect_device()
        self.gpu_lock = threading.Lock()
        self._whisper = _Lru(keep)
        self._align = _Lru(keep)
        self._diarization: Any = None

    def whisper(self, name: str) -> Any:
        """The faster-whisper pipeline for model `name` (e.g. "large-v3"), loaded once, language detected per job."""
        def load() -> Any:
            download_root = None if name in baked_models()["whisper"] else volume_cache_dir()
            compute_type = "float16" if self.device == "cuda" else "int8"
            return self.whisperx.load_model(
                name, self.device, compute_type=compute_type, language=None, download_root=download_root
            )

        return self._whisper.get(name, load)

    def can_align(self, language: str) -> bool:
        """True when WhisperX has a default alignment model for `language` (whisperx/alignment.py
        DEFAULT_ALIGN_MODELS_TORCH / DEFAULT_ALIGN_MODELS_HF)."""
        from whisperx import alignment

        return language in alignment.DEFAULT_ALIGN_MODELS_TORCH or language in alignment.DEFAULT_ALIGN_MODELS_HF

    def align_model(self, language: str) -> tuple[Any, dict[str, Any]]:
        """`(model, metadata)` of WhisperX's default alignment model for `language`, loaded once."""
        def load() -> tuple[Any, dict[str, Any]]:
            model_dir = None if language in baked_models()["align"] else volume_cache_dir()
            return self.whisperx.load_align_model(language_code=language, device=self.device, model_dir=model_dir)

        return self._align.get(language, load)

    def diarization(self, token: str) -> Any:
        """The pyannote diarization pipeline (community-1), downloaded with `token` on first use into the volume's
        cache, then kept."""
        if self._diarization is None:
            from whisperx.diarize import DiarizationPipeline

            self._diarization = DiarizationPipeline(
                model_name=DIARIZATION_MODEL, token=token, device=self.device, cache_dir=volume_cache_dir()
            )
        return self._diarization


# --------------------------------------------------------------------------------------------------------------
# One job


def _rounded(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else round(seconds, 3)


@dataclass
class JobRun:
    """The state of one job between stages. Times in seconds."""

    job_id: str
    job_input: JobInput
    audio: ResolvedAudio
    progress: Progress
    started: float = field(default_factory=time.monotonic)
    samples: Any = None
    language: Optional[str] = None
    result: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Optional[float]] = field(
        default_factory=lambda: {"load_s": None, "transcribe_s": None, "align_s": None, "diarize_s": None, "total_s": None}
    )


class Pipeline:
    """The stages of a job over warm `Models`. Each method blocks; call it in a worker thread."""

    def __init__(self, models: Models) -> None:
        self.models = models

    def load(self, run: JobRun, hf_token: Optional[str]) -> None:
        """Stage "loading": checks and decodes the audio, loads Whisper, the alignment model when the language is
        given, and the diarization pipeline when asked, so a missing model fails before any GPU work is paid for.

        Raises WorkerError NOT_AUDIO, MODEL_UNAVAILABLE, HF_TERMS_NOT_ACCEPTED, CUDA_OOM.
        """
        wx, job = self.models.whisperx, run.job_input
        t0 = time.monotonic()
        run.progress.stage("loading", 10)  # the audio was found
        require_audio_stream(run.audio.local_path, shown_name(job, run.audio))
        try:
            run.samples = wx.load_audio(run.audio.local_path)
        except RuntimeError as err:  # whisperx/audio.py: "Failed to load audio: <ffmpeg stderr>"
            raise WorkerError(
                "NOT_AUDIO",
                f"{shown_name(job, run.audio)} could not be decoded by ffmpeg; send a recording such as m4a, mp3 or wav.",
            ) from err
        run.progress.stage("loading", 25)
        with self.models.gpu_lock:
            with stage_errors("loading Whisper", loading=f"Whisper model '{job.model}'"):
                self.models.whisper(job.model)
            run.progress.stage("loading", 60)
            if job.align and job.language and self.models.can_align(job.language):
                with stage_errors("loading the alignment model", loading=f"the '{job.language}' alignment model"):
                    self.models.align_model(job.language)
            run.progress.stage("loading", 80)
            if job.diarize and hf_token:
                with stage_errors("loading the diarization model", loading=DIARIZATION_MODEL):
                    self.models.diarization(hf_token)
        run.progress.stage("loading", 100)
        run.timings["load_s"] = time.monotonic() - t0

    def transcribe(self, run: JobRun) -> None:
        """Stage "transcribing": Whisper with this job's `initial_prompt`, restored afterwards even on failure
        (WhisperX keeps the prompt in the pipeline's shared `options`, whisperx/asr.py)."""
        job = run.job_input
        t0 = time.monotonic()
        run.progress.stage("transcribing", 0)
        with self.models.gpu_lock, stage_errors("transcribing"):
            model = self.models.whisper(job.model)
            shared_options = model.options
            model.options = replace(shared_options, initial_prompt=job.initial_prompt)
            try:
                result = model.transcribe(
                    run.samples,
                    batch_size=job.batch_size,
                    language=job.language,
                    progress_callback=run.progress.callback(),
                )
            finally:
                model.options = shared_options
        run.result = {"segments": list(result.get("segments") or []), "language": result.get("language")}
        run.language = result.get("language") or job.language
        run.timings["transcribe_s"] = time.monotonic() - t0

    def align(self, run: JobRun) -> None:
        """Stage "aligning": word times with WhisperX's default wav2vec2 model for the language. Skipped (align_s
        stays null, segments keep no words) for a language WhisperX has no alignment model for."""
        language = run.language
        if not language or not self.models.can_align(language):
            log.warning("no alignment model for language %r: words are not aligned", language)
            return
        t0 = time.monotonic()
        run.progress.stage("aligning", 0)
        with self.models.gpu_lock:
            with stage_errors("loading the alignment model", loading=f"the '{language}' alignment model"):
                model, metadata = self.models.align_model(language)
            with stage_errors("aligning words"):
                aligned = self.models.whisperx.align(
                    run.result["segments"],
                    model,
                    metadata,
                    run.samples,
                    self.models.device,
                    return_char_alignments=False,
                    progress_callback=run.progress.callback(),
                )
        run.result = {"segments": list(aligned.get("segments") or []), "language": run.result.get("language")}
        run.timings["align_s"] = time.monotonic() - t0

    def diarize(self, run: JobRun, hf_token: str) -> None:
        """Stage "diarizing": pyannote speaker turns, then `assign_word_speakers` labels segments and words."""
        job = run.job_input
        t0 = time.monotonic()
        run.progress.stage("diarizing", 0)
        with self.models.gpu_lock:
            with stage_errors("loading the diarization model", loading=DIARIZATION_MODEL):
                diarizer = self.models.diarization(hf_token)
            with stage_errors("identifying speakers"):
                turns = diarizer(
                    run.samples,
                    min_speakers=job.min_speakers,
                    max_speakers=job.max_speakers,
                    progress_callback=run.progress.callback(),
                )
                run.result = self.models.whisperx.assign_word_speakers(turns, run.result)
        run.timings["diarize_s"] = time.monotonic() - t0

    def save(self, run: JobRun) -> dict[str, Any]:
        """Stage "saving": builds the contract's output, writes it to `<folder of the audio>/result-<job id>.json`
        on the volume (atomically), and returns it — without `segments` (and with `segments_omitted: true`)
        when it would exceed MAX_OUTPUT_BYTES and the result file holds them."""
        run.progress.stage("saving", 0)
        run.timings["total_s"] = time.monotonic() - run.started
        output: dict[str, Any] = {
            "segments": [shape_segment(segment) for segment in run.result.get("segments") or []],
            "language": run.language or "",
            "duration": round(len(run.samples) / SAMPLE_RATE, 3),
            "model": run.job_input.model,
            "timings": {key: _rounded(value) for key, value in run.timings.items()},
            "result_path": None,
        }
        output = clean_numbers(output)
        if run.audio.volume_path:
            output["result_path"] = write_result(output, run.audio.volume_path, run.job_id)
        run.progress.stage("saving", 100)
        return fit_output(output)


# --------------------------------------------------------------------------------------------------------------
# Output


def shape_segment(segment: dict[str, Any]) -> dict[str, Any]:
    """A WhisperX segment as the contract has it: `{start, end, text, words, speaker?, avg_logprob?}`, words as
    `{word, start?, end?, score?, speaker?}`; `chars` and other keys are dropped, `words` is `[]` when not aligned."""
    shaped: dict[str, Any] = {
        "start": segment.get("start"),
        "end": segment.get("end"),
        "text": str(segment.get("text", "")),
        "words": [
            {key: word[key] for key in ("word", "start", "end", "score", "speaker") if key in word}
            for word in segment.get("words") or []
        ],
    }
    for key in ("speaker", "avg_logprob"):
        if key in segment:
            shaped[key] = segment[key]
    return shaped


def clean_numbers(value: Any) -> Any:
    """A deep copy of `value` where NaN and ±Infinity become None and numpy scalars become Python numbers.
    WhisperX can give NaN scores (https://github.com/Nyralei/whisperx-api-server/issues/36), which JSON cannot
    carry: runpod-python would send a bare `NaN` that strict parsers reject."""
    if isinstance(value, dict):
        return {str(key): clean_numbers(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_numbers(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def result_file_name(job_id: str) -> str:
    """`result-<job id>.json`, with characters other than letters, digits, `-` and `_` replaced by `_`."""
    return f"result-{re.sub(r'[^A-Za-z0-9_-]', '_', job_id)}.json"


def write_result(output: dict[str, Any], audio_volume_path: str, job_id: str) -> Optional[str]:
    """Writes `output` (with its `result_path` set) as JSON beside the audio, via a temporary file and a rename, so a
    reader never sees half a file. Returns the `/runpod-volume/…` path, or None when the write failed (logged)."""
    folder = audio_volume_path.rsplit("/", 1)[0]
    volume_path = f"{folder}/{result_file_name(job_id)}"
    local_path = to_local(volume_path)
    try:
        data = json.dumps({**output, "result_path": volume_path}, ensure_ascii=False, allow_nan=False)
        fd, temp_path = tempfile.mkstemp(prefix=".result-", suffix=".tmp", dir=os.path.dirname(local_path))
        try:
            os.fchmod(fd, 0o644)  # readable by whoever syncs the volume, like the uploaded audio
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_path, local_path)
        except BaseException:
            if os.path.exists(temp_path):
                os.unlink(temp_path)
            raise
    except (OSError, ValueError):
        log.exception("could not write %s", volume_path)
        return None
    return volume_path


def output_size(output: dict[str, Any]) -> int:
    """Bytes of `output` as runpod-python serialises it (`json.dumps(…, ensure_ascii=False)`, UTF-8)."""
    return len(json.dumps(output, ensure_ascii=False).encode("utf-8"))


def fit_output(output: dict[str, Any]) -> dict[str, Any]:
    """`output` itself, or — when it exceeds MAX_OUTPUT_BYTES and the result file holds the segments — the same
    object without `segments` and with `segments_omitted: true`. Without a result file the segments are kept
    (a too-large answer may still get through; dropping them would lose the transcript for sure)."""
    if output_size(output) <= MAX_OUTPUT_BYTES:
        return output
    if not output.get("result_path"):
        log.warning("output exceeds %d bytes and no result file was written: returning it whole", MAX_OUTPUT_BYTES)
        return output
    slim = {key: value for key, value in output.items() if key != "segments"}
    slim["segments_omitted"] = True
    return slim
