"""Bakes models into the image at build time (CPU only, no token): the Whisper model(s), WhisperX's alignment
models for the given languages, and NLTK's punkt_tab, so a cold start downloads nothing but the gated diarization
model. Writes the manifest the worker reads (env SCRIBE_BAKED_MANIFEST) to know what the image holds.

Env (Docker build args): SCRIBE_BAKE_WHISPER (comma-separated faster-whisper names, default "large-v3"),
SCRIBE_BAKE_ALIGN (language codes, default "en,ru"). Models land in HF_HOME, TORCH_HOME and NLTK_DATA as set in
the Dockerfile. Sources: faster_whisper.utils.download_model (SYSTRAN/faster-whisper v1.2.0), whisperx
load_align_model (m-bain/whisperX v3.8.6 whisperx/alignment.py), nltk.download (punkt_tab is what
whisperx/alignment.py loads).
"""

from __future__ import annotations

import json
import os


def main() -> None:
    whisper = [m for m in os.environ.get("SCRIBE_BAKE_WHISPER", "large-v3").split(",") if m]
    languages = [lang for lang in os.environ.get("SCRIBE_BAKE_ALIGN", "en,ru").split(",") if lang]

    from faster_whisper.utils import download_model

    for name in whisper:
        print(f"baking Whisper {name}: {download_model(name)}", flush=True)

    import whisperx

    for language in languages:
        whisperx.load_align_model(language_code=language, device="cpu")
        print(f"baked the {language} alignment model", flush=True)

    import nltk

    if not nltk.download("punkt_tab", download_dir=os.environ["NLTK_DATA"], quiet=True):
        raise SystemExit("could not download NLTK punkt_tab")

    manifest = os.environ.get("SCRIBE_BAKED_MANIFEST", "/models/baked.json")
    with open(manifest, "w", encoding="utf-8") as file:
        json.dump({"whisper": whisper, "align": languages, "nltk": ["punkt_tab"]}, file)
    print(f"wrote {manifest}", flush=True)


if __name__ == "__main__":
    main()
