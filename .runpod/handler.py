"""The RunPod Hub looks for a handler.py in .runpod/ or the repository root; the worker's entry point is
worker/handler.py, which the image runs as /app/handler.py (see the Dockerfile at the root). This file only runs that
handler when started from a checkout, e.g. `python .runpod/handler.py --test_input '{"input": {...}}'`."""

import os
import runpy
import sys

if __name__ == "__main__":
    worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "worker")
    sys.path.insert(0, worker)
    runpy.run_path(os.path.join(worker, "handler.py"), run_name="__main__")
