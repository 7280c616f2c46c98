"""One job through RunPod's real local runner: `python handler.py --test_input '{…}'` (runpod-python's
`rp_local.run_local`), with the WhisperX stand-in first on PYTHONPATH."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys

from conftest import FAKE_WHISPERX, FIXTURES, WORKER, put


def test_the_local_runner_prints_the_job_result(volume) -> None:
    # runpod-python's logger cuts lines over 4096 characters, so the printed result must stay short: no words
    audio = put(volume, "scribe-panel/r1/audio.m4a", "ru-dialogue.m4a")
    env = {**os.environ, "SCRIBE_VOLUME_ROOT": volume, "SCRIBE_FAKE_WHISPERX_SCRIPTS": FIXTURES,
           "HF_TOKEN": "hf_test", "PYTHONPATH": os.pathsep.join([FAKE_WHISPERX, os.environ.get("PYTHONPATH", "")])}
    job = {"id": "local-1", "input": {"audio": audio, "align": False, "diarize": True, "min_speakers": 2}}
    done = subprocess.run([sys.executable, os.path.join(WORKER, "handler.py"), "--test_input", json.dumps(job)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # The SDK's other threads may print onto the same line right after the dict (no newline between them), so
    # the dict ends at the line's last closing brace rather than at the end of the line.
    line = re.search(r"Job result: (\{.*\})", done.stdout)
    assert line, done.stdout[-3000:]
    result = ast.literal_eval(line.group(1))  # runpod-python logs the dict's repr
    output = result["output"]
    assert set(result) == {"output"}
    assert output["language"] == "ru" and len(output["segments"]) == 6  # 4 utterances + 2 hallucinated tails
    assert output["segments"][0]["text"] == " Добрый день! Сколько интервью вы записали в этом месяце?"
    assert {s.get("speaker") for s in output["segments"]} == {"SPEAKER_00", "SPEAKER_01", None}
    assert output["result_path"] == "/runpod-volume/scribe-panel/r1/result-local-1.json"
    with open(os.path.join(volume, "scribe-panel", "r1", "result-local-1.json"), encoding="utf-8") as file:
        assert json.load(file)["segments"] == output["segments"]
    assert "Sending Progress Update: {'stage': 'diarizing'" in done.stdout
