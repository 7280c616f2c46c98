"""`load_model` and the transcription pipeline, with WhisperX 3.8.6's signatures (whisperx/asr.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Optional, Union

import numpy as np

from whisperx._record import maybe_fail, offline, record, work
from whisperx._script import HALLUCINATED_TAILS, spoken_segments, stable_score
from whisperx.audio import SAMPLE_RATE, load_audio

#: faster-whisper 1.2.0 `faster_whisper/utils.py` `_MODELS`: the names `WhisperModel` accepts.
_MODELS = {
    "tiny.en": "Systran/faster-whisper-tiny.en", "tiny": "Systran/faster-whisper-tiny",
    "base.en": "Systran/faster-whisper-base.en", "base": "Systran/faster-whisper-base",
    "small.en": "Systran/faster-whisper-small.en", "small": "Systran/faster-whisper-small",
    "medium.en": "Systran/faster-whisper-medium.en", "medium": "Systran/faster-whisper-medium",
    "large-v1": "Systran/faster-whisper-large-v1", "large-v2": "Systran/faster-whisper-large-v2",
    "large-v3": "Systran/faster-whisper-large-v3", "large": "Systran/faster-whisper-large-v3",
    "distil-large-v2": "Systran/faster-distil-whisper-large-v2",
    "distil-medium.en": "Systran/faster-distil-whisper-medium.en",
    "distil-small.en": "Systran/faster-distil-whisper-small.en",
    "distil-large-v3": "Systran/faster-distil-whisper-large-v3",
    "distil-large-v3.5": "distil-whisper/distil-large-v3.5-ct2",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
}


@dataclass
class TranscriptionOptions:
    """The fields of faster-whisper 1.2.0's `TranscriptionOptions` dataclass (faster_whisper/transcribe.py)."""

    beam_size: int
    best_of: int
    patience: float
    length_penalty: float
    repetition_penalty: float
    no_repeat_ngram_size: int
    log_prob_threshold: Optional[float]
    no_speech_threshold: Optional[float]
    compression_ratio_threshold: Optional[float]
    condition_on_previous_text: bool
    prompt_reset_on_temperature: float
    temperatures: List[float]
    initial_prompt: Optional[Union[str, Iterable[int]]]
    prefix: Optional[str]
    suppress_blank: bool
    suppress_tokens: Optional[List[int]]
    without_timestamps: bool
    max_initial_timestamp: float
    word_timestamps: bool
    prepend_punctuations: str
    append_punctuations: str
    multilingual: bool
    max_new_tokens: Optional[int]
    clip_timestamps: Union[str, List[float]]
    hallucination_silence_threshold: Optional[float]
    hotwords: Optional[str]


class FasterWhisperPipeline:
    """What `load_model` returns; `options` is read at each `transcribe`, as in WhisperX."""

    def __init__(self, whisper_arch: str, options: TranscriptionOptions, language: Optional[str]) -> None:
        self.whisper_arch = whisper_arch
        self.options = options
        self.preset_language = language

    def transcribe(
        self,
        audio: Union[str, np.ndarray],
        batch_size: Optional[int] = None,
        num_workers=0,
        language: Optional[str] = None,
        task: Optional[str] = None,
        chunk_size=30,
        print_progress=False,
        combined_progress=False,
        verbose=False,
        progress_callback: Optional[Callable[[float], None]] = None,
    ) -> dict[str, Any]:
        """`{"segments": [{text, start, end, avg_logprob}], "language"}` for the audio's script."""
        if isinstance(audio, str):
            audio = load_audio(audio)
        record("transcribe", model=self.whisper_arch, batch_size=batch_size, language=language,
               initial_prompt=self.options.initial_prompt)
        maybe_fail("transcribe")
        sha256 = getattr(audio, "sha256", "")
        pieces, script_language = spoken_segments(sha256, audio.shape[0] / SAMPLE_RATE)
        work(progress_callback, len(pieces))
        segments = []
        for i, piece in enumerate(pieces):
            tail = piece["text"] in HALLUCINATED_TAILS
            logprob = -stable_score(f"{sha256}:logprob:{i}", 0.9, 1.4) if tail else -stable_score(
                f"{sha256}:logprob:{i}", 0.1, 0.6)
            segments.append({"text": piece["text"], "start": piece["start"], "end": piece["end"],
                             "avg_logprob": logprob})
        return {"segments": segments, "language": language or self.preset_language or script_language or "en"}


def load_model(
    whisper_arch: str,
    device: str,
    device_index=0,
    compute_type="default",
    asr_options: Optional[dict] = None,
    language: Optional[str] = None,
    vad_model=None,
    vad_method: Optional[str] = "pyannote",
    vad_options: Optional[dict] = None,
    model=None,
    task="transcribe",
    download_root: Optional[str] = None,
    local_files_only=False,
    threads=4,
    use_auth_token: Optional[Union[str, bool]] = None,
) -> FasterWhisperPipeline:
    """A pipeline for `whisper_arch`. Raises ValueError for a name faster-whisper does not know (as
    faster_whisper.utils.download_model does), LocalEntryNotFoundError with the `offline` fault."""
    record("load_model", whisper_arch=whisper_arch, device=device, compute_type=compute_type,
           language=language, download_root=download_root)
    if "/" not in whisper_arch and whisper_arch not in _MODELS:
        raise ValueError(f"Invalid model size '{whisper_arch}', expected one of: {', '.join(_MODELS.keys())}")
    offline(_MODELS.get(whisper_arch, whisper_arch))
    maybe_fail("load")
    if whisper_arch.endswith(".en"):
        language = "en"
    options = {
        "beam_size": 5, "best_of": 5, "patience": 1, "length_penalty": 1, "repetition_penalty": 1,
        "no_repeat_ngram_size": 0, "temperatures": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        "compression_ratio_threshold": 2.4, "log_prob_threshold": -1.0, "no_speech_threshold": 0.6,
        "condition_on_previous_text": False, "prompt_reset_on_temperature": 0.5, "initial_prompt": None,
        "prefix": None, "suppress_blank": True, "suppress_tokens": [-1], "without_timestamps": True,
        "max_initial_timestamp": 0.0, "word_timestamps": False, "prepend_punctuations": "\"'“¿([{-",
        "append_punctuations": "\"'.。,，!！?？:：”)]}、", "multilingual": not whisper_arch.endswith(".en"),
        "suppress_numerals": False, "max_new_tokens": None, "clip_timestamps": None,
        "hallucination_silence_threshold": None, "hotwords": None,
    }
    if asr_options is not None:
        options.update(asr_options)
    del options["suppress_numerals"]
    return FasterWhisperPipeline(whisper_arch, TranscriptionOptions(**options), language)
