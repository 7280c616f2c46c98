"""`load_align_model` and `align`, with WhisperX 3.8.6's signatures and default models (whisperx/alignment.py)."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Union

import numpy as np

from whisperx._record import maybe_fail, offline, record, work
from whisperx._script import HALLUCINATED_TAILS, is_unalignable, spread_words, stable_score

DEFAULT_ALIGN_MODELS_TORCH = {
    "en": "WAV2VEC2_ASR_BASE_960H",
    "fr": "VOXPOPULI_ASR_BASE_10K_FR",
    "de": "VOXPOPULI_ASR_BASE_10K_DE",
    "es": "VOXPOPULI_ASR_BASE_10K_ES",
    "it": "VOXPOPULI_ASR_BASE_10K_IT",
}

DEFAULT_ALIGN_MODELS_HF = {
    "ja": "jonatasgrosman/wav2vec2-large-xlsr-53-japanese",
    "zh": "jonatasgrosman/wav2vec2-large-xlsr-53-chinese-zh-cn",
    "nl": "jonatasgrosman/wav2vec2-large-xlsr-53-dutch",
    "uk": "Yehor/wav2vec2-xls-r-300m-uk-with-small-lm",
    "pt": "jonatasgrosman/wav2vec2-large-xlsr-53-portuguese",
    "ar": "jonatasgrosman/wav2vec2-large-xlsr-53-arabic",
    "cs": "comodoro/wav2vec2-xls-r-300m-cs-250",
    "ru": "jonatasgrosman/wav2vec2-large-xlsr-53-russian",
    "pl": "jonatasgrosman/wav2vec2-large-xlsr-53-polish",
    "hu": "jonatasgrosman/wav2vec2-large-xlsr-53-hungarian",
    "fi": "jonatasgrosman/wav2vec2-large-xlsr-53-finnish",
    "fa": "jonatasgrosman/wav2vec2-large-xlsr-53-persian",
    "el": "jonatasgrosman/wav2vec2-large-xlsr-53-greek",
    "tr": "mpoyraz/wav2vec2-xls-r-300m-cv7-turkish",
    "da": "saattrupdan/wav2vec2-xls-r-300m-ftspeech",
    "he": "imvladikon/wav2vec2-xls-r-300m-hebrew",
    "vi": "nguyenvulebinh/wav2vec2-base-vi-vlsp2020",
    "ko": "kresnik/wav2vec2-large-xlsr-korean",
    "ur": "kingabzpro/wav2vec2-large-xls-r-300m-Urdu",
    "te": "anuragshas/wav2vec2-large-xlsr-53-telugu",
    "hi": "theainerd/Wav2Vec2-large-xlsr-hindi",
    "ca": "softcatala/wav2vec2-large-xlsr-catala",
    "ml": "gvs/wav2vec2-large-xlsr-malayalam",
    "no": "NbAiLab/nb-wav2vec2-1b-bokmaal-v2",
    "nn": "NbAiLab/nb-wav2vec2-1b-nynorsk",
    "sk": "comodoro/wav2vec2-xls-r-300m-sk-cv8",
    "sl": "anton-l/wav2vec2-large-xlsr-53-slovenian",
    "hr": "classla/wav2vec2-xls-r-parlaspeech-hr",
    "ro": "gigant/romanian-wav2vec2",
    "eu": "stefan-it/wav2vec2-large-xlsr-53-basque",
    "gl": "ifrz/wav2vec2-large-xlsr-galician",
    "ka": "xsway/wav2vec2-large-xlsr-georgian",
    "lv": "jimregan/wav2vec2-large-xlsr-latvian-cv",
    "tl": "Khalsuu/filipino-wav2vec2-l-xls-r-300m-official",
    "sv": "KBLab/wav2vec2-large-voxrex-swedish",
    "id": "cahya/wav2vec2-large-xlsr-indonesian",
}


class _AlignModel:
    """Stands for the wav2vec2 model."""

    def __init__(self, name: str) -> None:
        self.name = name


def load_align_model(language_code: str, device: str, model_name: Optional[str] = None, model_dir=None,
                     model_cache_only: bool = False):
    """`(model, {"language", "dictionary", "type"})`. Raises ValueError without a default model for the language."""
    record("load_align_model", language_code=language_code, device=device, model_name=model_name,
           model_dir=model_dir)
    if model_name is None:
        if language_code in DEFAULT_ALIGN_MODELS_TORCH:
            model_name = DEFAULT_ALIGN_MODELS_TORCH[language_code]
        elif language_code in DEFAULT_ALIGN_MODELS_HF:
            model_name = DEFAULT_ALIGN_MODELS_HF[language_code]
        else:
            raise ValueError(f"No default align-model for language: {language_code}")
    offline(model_name)
    maybe_fail("load")
    kind = "torchaudio" if model_name in DEFAULT_ALIGN_MODELS_TORCH.values() else "huggingface"
    return _AlignModel(model_name), {"language": language_code, "dictionary": {}, "type": kind}


def align(
    transcript: Iterable[dict],
    model: Any,
    align_model_metadata: dict,
    audio: Union[str, np.ndarray],
    device: str,
    interpolate_method: str = "nearest",
    return_char_alignments: bool = False,
    print_progress: bool = False,
    combined_progress: bool = False,
    progress_callback: Optional[Callable[[float], None]] = None,
) -> dict[str, Any]:
    """`{"segments": [{start, end, text, words, avg_logprob?}], "word_segments": [...]}`: words spread over each
    segment; digit words are `{word}` only; the hallucinated tails score 0.05–0.3 and their last word's score is
    NaN; `chars` only with `return_char_alignments`."""
    transcript = list(transcript)
    record("align", language=align_model_metadata.get("language"), device=device,
           return_char_alignments=return_char_alignments, segments=len(transcript))
    maybe_fail("align")
    work(progress_callback, len(transcript))
    sha256 = getattr(audio, "sha256", "")
    segments = []
    for i, segment in enumerate(transcript):
        tail = segment["text"] in HALLUCINATED_TAILS
        low, high = (0.05, 0.3) if tail else (0.5, 0.99)
        words = []
        for j, word in enumerate(spread_words(segment["text"], segment["start"], segment["end"])):
            if is_unalignable(word["word"]):
                words.append({"word": word["word"]})
                continue
            word["score"] = stable_score(f"{sha256}:{i}:{j}:{word['word']}", low, high)
            words.append(word)
        if tail and i == len(transcript) - 1 and words:
            words[-1]["score"] = float("nan")
        aligned = {"start": segment["start"], "end": segment["end"], "text": segment["text"], "words": words}
        if "avg_logprob" in segment:
            aligned["avg_logprob"] = segment["avg_logprob"]
        if return_char_alignments:
            aligned["chars"] = []
        segments.append(aligned)
    return {"segments": segments, "word_segments": [w for s in segments for w in s["words"]]}
