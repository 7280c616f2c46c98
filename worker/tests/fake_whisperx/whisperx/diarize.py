"""`DiarizationPipeline` and `assign_word_speakers`, with WhisperX 3.8.6's signatures (whisperx/diarize.py)."""

from __future__ import annotations

from typing import Callable, Optional, Union

import numpy as np
import pandas as pd

from whisperx._record import GatedRepoError, faults, maybe_fail, offline, record, work
from whisperx._script import spoken_segments
from whisperx.audio import SAMPLE_RATE, load_audio


class Segment:
    """Stands for pyannote.core.Segment (start/end in seconds)."""

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end


class DiarizationPipeline:
    """Speaker turns from the audio's script (every utterance but the shortest, which no turn covers)."""

    def __init__(self, model_name=None, token=None, device: Optional[str] = "cpu", cache_dir=None):
        model_config = model_name or "pyannote/speaker-diarization-community-1"
        record("DiarizationPipeline", model_name=model_config, token=token, device=device, cache_dir=cache_dir)
        if "gated" in faults():
            raise GatedRepoError(
                "401 Client Error. (Request ID: Root=1-emulated)\n\nCannot access gated repo for url "
                f"https://huggingface.co/{model_config}/resolve/main/config.yaml.\nAccess to model {model_config} is "
                "restricted. You must have access to it and be authenticated to access it. Please log in."
            )
        offline(model_config)
        maybe_fail("load")
        self.model_name = model_config

    def __call__(
        self,
        audio: Union[str, np.ndarray],
        num_speakers: Optional[int] = None,
        min_speakers: Optional[int] = None,
        max_speakers: Optional[int] = None,
        return_embeddings: bool = False,
        progress_callback: Optional[Callable[[float], None]] = None,
    ):
        """A DataFrame with columns segment, label, speaker, start, end (or `(df, None)` with return_embeddings)."""
        if isinstance(audio, str):
            audio = load_audio(audio)
        record("diarize", num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers)
        maybe_fail("diarize")
        pieces, _ = spoken_segments(getattr(audio, "sha256", ""), audio.shape[0] / SAMPLE_RATE)
        turns = [p for p in pieces if p["speaker"] is not None]
        work(progress_callback, 2)
        rows = [(Segment(t["start"], t["end"]), f"T{i}", t["speaker"]) for i, t in enumerate(turns)]
        diarize_df = pd.DataFrame(rows, columns=["segment", "label", "speaker"])
        diarize_df["start"] = [t["start"] for t in turns]
        diarize_df["end"] = [t["end"] for t in turns]
        return (diarize_df, None) if return_embeddings else diarize_df


def _dominant(diarize_df: pd.DataFrame, start: float, end: float) -> Optional[str]:
    totals: dict[str, float] = {}
    for _, row in diarize_df.iterrows():
        overlap = min(row["end"], end) - max(row["start"], start)
        if overlap > 0:
            totals[row["speaker"]] = totals.get(row["speaker"], 0.0) + overlap
    return max(totals.items(), key=lambda item: item[1])[0] if totals else None


def assign_word_speakers(diarize_df: pd.DataFrame, transcript_result: dict, speaker_embeddings=None,
                         fill_nearest: bool = False) -> dict:
    """Labels each segment and each timed word with the speaker of largest overlap, in place (as WhisperX does;
    words without `start` and anything without overlap stay unlabelled; `fill_nearest` is not emulated)."""
    record("assign_word_speakers", fill_nearest=fill_nearest)
    segments = transcript_result.get("segments", [])
    if not segments or diarize_df is None or len(diarize_df) == 0:
        return transcript_result
    for seg in segments:
        speaker = _dominant(diarize_df, seg.get("start", 0.0), seg.get("end", 0.0))
        if speaker:
            seg["speaker"] = speaker
        for word in seg.get("words", []):
            if "start" not in word:
                continue
            speaker = _dominant(diarize_df, word["start"], word.get("end", word["start"]))
            if speaker:
                word["speaker"] = speaker
    if speaker_embeddings is not None:
        transcript_result["speaker_embeddings"] = speaker_embeddings
    return transcript_result
