"""A small RunPod handler for testing the RunPod emulator's worker side under RunPod's real Python SDK.

Not a transcriber: each job's input says what to do, so the emulator's job-take, progress, result, stop and
ping routes can be exercised one by one. worker/handler.py is the real worker; the emulator runs it the same way.

Input keys (all optional except audio):
  audio: "/runpod-volume/<key>"; the handler reports whether the file is visible under SCRIBE_VOLUME_ROOT.
  sleep: seconds to wait (asyncio, so RunPod's stop signal cancels it).
  progress: a list of progress objects to send with runpod.serverless.progress_update before sleeping.
  nan: put NaN into the output.
  big_bytes: add a string of this many bytes to the output.
  error: return {"error": <this>} instead of an output; refresh_worker: add "refresh_worker": true.
  raise: raise RuntimeError(<this>).
  write_result: write result-<job id>.json beside the audio, as worker/handler.py does.
"""
import asyncio
import json
import os

import runpod

ROOT = os.environ.get("SCRIBE_VOLUME_ROOT", "/runpod-volume")
PREFIX = "/runpod-volume/"


async def handler(job):
    inp = job["input"]
    audio = inp.get("audio", "")
    local = os.path.join(ROOT, audio[len(PREFIX):]) if audio.startswith(PREFIX) else None
    for update in inp.get("progress", []):
        runpod.serverless.progress_update(job, update)
        await asyncio.sleep(0.3)
    await asyncio.sleep(float(inp.get("sleep", 0)))
    if inp.get("raise"):
        raise RuntimeError(inp["raise"])
    if inp.get("error"):
        out = {"error": inp["error"]}
        if inp.get("refresh_worker"):
            out["refresh_worker"] = True
        return out
    out = {
        "visible": bool(local and os.path.isfile(local)),
        "size": os.path.getsize(local) if local and os.path.isfile(local) else None,
    }
    if inp.get("nan"):
        out["score"] = float("nan")
    if inp.get("big_bytes"):
        out["padding"] = "x" * int(inp["big_bytes"])
    if inp.get("write_result") and local:
        with open(os.path.join(os.path.dirname(local), "result-%s.json" % job["id"]), "w", encoding="utf-8") as f:
            json.dump(out, f)
    return out


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})
