# Scribe Panel's WhisperX worker for RunPod Serverless: CUDA 12.8 wheels (torch 2.8), cuDNN 9 from pip, ffmpeg,
# and Whisper large-v3 + the en/ru alignment models + NLTK punkt_tab baked in. The worker's code is in worker/.
#
# The one Dockerfile for every way of deploying it, with the repository root as build context: RunPod's GitHub
# integration (the default Dockerfile Path), the RunPod Hub (it looks for a Dockerfile in .runpod/ or at the root:
# https://docs.runpod.io/hub/publishing-guide) and `docker build -t scribe-worker .`. The build needs no GPU and
# no token (about 10 GB image).
FROM python:3.12-slim

ARG SCRIBE_BAKE_WHISPER=large-v3
ARG SCRIBE_BAKE_ALIGN=en,ru
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/models/hf \
    TORCH_HOME=/models/torch \
    NLTK_DATA=/models/nltk \
    SCRIBE_BAKED_MANIFEST=/models/baked.json \
    SCRIBE_REQUIRE_BAKED=1 \
    SCRIBE_BAKE_WHISPER=${SCRIBE_BAKE_WHISPER} \
    SCRIBE_BAKE_ALIGN=${SCRIBE_BAKE_ALIGN} \
    PYANNOTE_METRICS_ENABLED=0 \
    LD_LIBRARY_PATH=/usr/local/lib/python3.12/site-packages/nvidia/cudnn/lib:/usr/local/lib/python3.12/site-packages/nvidia/cublas/lib

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

RUN mkdir -p /models/hf /models/torch /models/nltk
COPY worker/requirements.txt worker/*.py worker/contract.schema.json /app/
WORKDIR /app

RUN pip install -r requirements.txt
RUN python download_models.py

CMD ["python", "-u", "/app/handler.py"]
