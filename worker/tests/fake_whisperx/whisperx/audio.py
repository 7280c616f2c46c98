"""`load_audio` exactly as WhisperX 3.8.6 decodes (whisperx/audio.py): ffmpeg to 16 kHz mono s16le, as float32."""

from __future__ import annotations

import hashlib
import subprocess

import numpy as np

from whisperx._record import record

SAMPLE_RATE = 16000


class DecodedAudio(np.ndarray):
    """Samples that remember the sha256 of the file they were decoded from (stand-in only: it is how the
    stand-in finds the script of what was said, since `transcribe` receives samples, not a path)."""

    sha256: str = ""

    def __array_finalize__(self, obj: object) -> None:
        self.sha256 = getattr(obj, "sha256", "")


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_audio(file: str, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Decodes `file` to mono float32 samples in [-1, 1) at `sr` Hz. Raises RuntimeError("Failed to load audio: …")."""
    record("load_audio", file=file, sr=sr)
    try:
        cmd = ["ffmpeg", "-nostdin", "-threads", "0", "-i", file, "-f", "s16le", "-ac", "1", "-acodec", "pcm_s16le",
               "-ar", str(sr), "-"]
        out = subprocess.run(cmd, capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"Failed to load audio: {e.stderr.decode()}") from e
    samples = (np.frombuffer(out, np.int16).flatten().astype(np.float32) / 32768.0).view(DecodedAudio)
    samples.sha256 = _file_sha256(file)
    return samples
