"""Stand-in only: what was said in an audio file, from its `*.script.json`, shaped as the panel's TypeScript
emulator shapes it (standins/runpod/whisperx-output.ts): one segment per utterance, then two hallucinated tails."""

from __future__ import annotations

import glob
import hashlib
import json
import math
import os
import re
from typing import Any, Optional

#: Hallucinated tails appended after the last utterance (the same texts as whisperx-output.ts).
HALLUCINATED_TAILS = (" Продолжение следует...", " Thanks for watching!")

#: Text of every placeholder segment (audio without a script) starts with this.
PLACEHOLDER_TEXT = "[emulated] no script for this audio"


def find_script(sha256: str) -> Optional[dict[str, Any]]:
    """The script in env SCRIBE_FAKE_WHISPERX_SCRIPTS whose `sha256` is `sha256`, or None."""
    folder = os.environ.get("SCRIBE_FAKE_WHISPERX_SCRIPTS")
    if not folder or not sha256:
        return None
    for path in sorted(glob.glob(os.path.join(folder, "*.script.json"))):
        with open(path, encoding="utf-8") as file:
            script = json.load(file)
        if str(script.get("sha256", "")).lower() == sha256:
            return script
    return None


def round3(x: float) -> float:
    return round(x * 1000) / 1000


def stable_score(seed: str, low: float = 0.5, high: float = 0.99) -> float:
    """A deterministic number in [low, high] from `seed`, rounded to 3 decimals (as whisperx-output.ts)."""
    h = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big")
    return round3(low + (h / 0xFFFFFFFF) * (high - low))


def shortest_utterance(utterances: list[dict[str, Any]]) -> int:
    """Index of the shortest utterance (first on ties), -1 with fewer than two."""
    if len(utterances) < 2:
        return -1
    best = 0
    for i, u in enumerate(utterances):
        if u["end"] - u["start"] < utterances[best]["end"] - utterances[best]["start"]:
            best = i
    return best


def tail_windows(last_end: float, duration: float) -> list[tuple[float, float]]:
    """Where the two tails go (whisperx-output.ts `tailWindows`)."""
    start = last_end + 0.3
    end = min(duration, start + 3)
    if end - start < 1:
        start, end = last_end, last_end + 1
    cut = start + (end - start) * 0.55
    return [(round3(start), round3(cut - 0.05)), (round3(cut + 0.05), round3(end))]


def spoken_segments(sha256: str, duration: float) -> tuple[list[dict[str, Any]], Optional[str]]:
    """`([{text, start, end, speaker}], script language or None)`: the script's utterances and two tails
    (`speaker` None for the shortest utterance and the tails), or placeholders every 5 s without a script."""
    script = find_script(sha256)
    if script is None:
        if not duration >= 0.1:
            return [], None
        pieces = []
        for i in range(math.ceil(duration / 5)):
            start = i * 5.0
            end = max(start + 0.05, min(start + 4.8, duration))
            pieces.append({"text": f" {PLACEHOLDER_TEXT} (segment {i + 1})", "start": round3(start),
                           "end": round3(end), "speaker": "SPEAKER_00" if i % 2 == 0 else "SPEAKER_01"})
        return pieces, None
    utterances = script["utterances"]
    loner = shortest_utterance(utterances)
    pieces = [{"text": " " + u["text"].strip(), "start": round3(u["start"]), "end": round3(u["end"]),
               "speaker": None if i == loner else u["speaker"]} for i, u in enumerate(utterances)]
    last_end = max((u["end"] for u in utterances), default=0.0)
    for text, (start, end) in zip(HALLUCINATED_TAILS, tail_windows(last_end, float(script["duration"]))):
        pieces.append({"text": text, "start": start, "end": end, "speaker": None})
    return pieces, script.get("language")


def spread_words(text: str, start: float, end: float) -> list[dict[str, Any]]:
    """Words of `text` spread over [start, end] in proportion to their length (whisperx-output.ts `spreadWords`)."""
    words = text.split()
    if not words:
        return []
    total = sum(len(w) for w in words) + len(words) - 1
    span = max(0.0, end - start)
    out, offset = [], 0
    for word in words:
        out.append({"word": word, "start": round3(start + span * offset / total),
                    "end": round3(start + span * (offset + len(word)) / total)})
        offset += len(word) + 1
    return out


def is_unalignable(word: str) -> bool:
    """Words with a digit get no times or score (the quirk whisperx-output.ts reproduces)."""
    return re.search(r"\d", word) is not None
