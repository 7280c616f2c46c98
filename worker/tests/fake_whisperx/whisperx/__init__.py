"""A stand-in for WhisperX 3.8.6 (m-bain/whisperX tag v3.8.6) with the same public functions, parameter names and
defaults, for running the worker without a GPU. Put `worker/tests/fake_whisperx` first on PYTHONPATH and
`import whisperx` gets this package.

What it does for real: `load_audio` decodes with ffmpeg to 16 kHz mono float32, exactly as WhisperX does.
What it emulates: what was said. It comes from a `*.script.json` (format: test/fixtures/README.md) in the folder
named by env SCRIBE_FAKE_WHISPERX_SCRIPTS whose `sha256` matches the audio file; otherwise placeholder segments
whose text starts with "[emulated]" cover the decoded duration. WhisperX's output quirks are reproduced as the
panel's TypeScript emulator does (standins/runpod/whisperx-output.ts): words containing digits have no times or
score, the shortest utterance has no speaker, two hallucinated tails follow the last utterance (and the last
tail word's score is NaN, as real WhisperX gives on audio without speech).

Hooks for tests (read at each call): env SCRIBE_FAKE_WHISPERX_FAULT, a comma-separated list of
`gated` (the diarization model refuses the token), `oom:load`, `oom:transcribe`, `oom:align`, `oom:diarize`
(CUDA out of memory in that step), `offline` (model downloads fail); env SCRIBE_FAKE_WHISPERX_STAGE_SECONDS
(each of transcribe, align and diarize takes this long, reporting progress as it goes). `calls` records every
call with its arguments; `reset()` clears it.
"""

from whisperx._record import calls, reset
from whisperx.alignment import align, load_align_model
from whisperx.asr import load_model
from whisperx.audio import load_audio
from whisperx.diarize import assign_word_speakers

__all__ = ["load_audio", "load_model", "load_align_model", "align", "assign_word_speakers", "calls", "reset"]
