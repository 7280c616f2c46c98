"""Finding the audio: volume paths (`..`, symlinks, waiting for a late file), downloads, files that are not audio."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
import time
from typing import Iterator

import pytest

from conftest import FIXTURES, put
from scribe_errors import WorkerError
from scribe_input import require_audio_stream, resolve_audio


def resolve_error(audio: str) -> WorkerError:
    with pytest.raises(WorkerError) as caught:
        resolve_audio(audio)
    return caught.value


def test_a_volume_path_maps_to_the_volume_root(volume: str) -> None:
    audio = put(volume, "scribe-panel/r1/audio.m4a", "interview.m4a")
    found = resolve_audio(audio)
    assert found.local_path == os.path.realpath(os.path.join(volume, "scribe-panel/r1/audio.m4a"))
    assert found.volume_path == audio and found.temp_dir is None


def test_dotdot_inside_the_volume_is_fine(volume: str) -> None:
    put(volume, "scribe-panel/r1/audio.m4a", "interview.m4a")
    found = resolve_audio("/runpod-volume/scribe-panel/r2/../r1/./audio.m4a")
    assert found.volume_path == "/runpod-volume/scribe-panel/r1/audio.m4a"


@pytest.mark.parametrize("audio", ["/runpod-volume/../etc/passwd", "/runpod-volume/a/../../etc/passwd",
                                   "/runpod-volume/..", "/runpod-volume/", "/runpod-volume/."])
def test_dotdot_does_not_escape(volume: str, audio: str) -> None:
    assert resolve_error(audio).code == "AUDIO_OUTSIDE_VOLUME"


def test_a_symlink_out_of_the_volume_is_refused(volume: str, tmp_path) -> None:
    secret = tmp_path / "secret.m4a"
    shutil.copyfile(os.path.join(FIXTURES, "interview.m4a"), secret)
    os.symlink(secret, os.path.join(volume, "link.m4a"))
    os.symlink(tmp_path, os.path.join(volume, "outside"))
    assert resolve_error("/runpod-volume/link.m4a").code == "AUDIO_OUTSIDE_VOLUME"
    assert resolve_error("/runpod-volume/outside/secret.m4a").code == "AUDIO_OUTSIDE_VOLUME"


def test_a_dangling_symlink_out_of_the_volume_is_refused_at_once(volume: str) -> None:
    os.symlink("/nonexistent/elsewhere.m4a", os.path.join(volume, "dangling.m4a"))
    started = time.monotonic()
    assert resolve_error("/runpod-volume/dangling.m4a").code == "AUDIO_OUTSIDE_VOLUME"
    assert time.monotonic() - started < 0.2


def test_a_symlink_inside_the_volume_is_followed(volume: str) -> None:
    put(volume, "a/audio.m4a", "interview.m4a")
    os.symlink(os.path.join(volume, "a", "audio.m4a"), os.path.join(volume, "alias.m4a"))
    assert resolve_audio("/runpod-volume/alias.m4a").volume_path == "/runpod-volume/alias.m4a"


def test_a_missing_file_is_waited_for_then_reported(volume: str, monkeypatch: pytest.MonkeyPatch) -> None:
    put(volume, "other/audio.m4a", "tone.wav")
    monkeypatch.setenv("SCRIBE_AUDIO_WAIT_SECONDS", "0.6")
    started = time.monotonic()
    err = resolve_error("/runpod-volume/scribe-panel/r1/audio.m4a")
    assert time.monotonic() - started >= 0.6
    assert err.code == "AUDIO_NOT_FOUND"
    assert "is the network volume attached to this endpoint?" in err.sentence
    assert "/runpod-volume/scribe-panel/r1/audio.m4a" in err.sentence


def test_an_empty_volume_is_named_in_the_sentence(volume: str) -> None:
    err = resolve_error("/runpod-volume/scribe-panel/r1/audio.m4a")
    assert err.code == "AUDIO_NOT_FOUND" and "is empty or missing on this worker" in err.sentence


def test_a_file_that_appears_late_is_found(volume: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIBE_AUDIO_WAIT_SECONDS", "5")
    timer = threading.Timer(0.5, put, (volume, "late/audio.m4a", "interview.m4a"))
    timer.start()
    try:
        started = time.monotonic()
        found = resolve_audio("/runpod-volume/late/audio.m4a")
        assert 0.4 <= time.monotonic() - started < 3
        assert found.volume_path == "/runpod-volume/late/audio.m4a"
    finally:
        timer.cancel()


def test_a_folder_is_not_audio(volume: str) -> None:
    os.makedirs(os.path.join(volume, "folder.m4a"))
    assert resolve_error("/runpod-volume/folder.m4a").code == "NOT_AUDIO"


@pytest.mark.parametrize("fixture", ["interview.m4a", "ru-dialogue.m4a", "tone.wav"])
def test_real_audio_passes_the_probe(fixture: str) -> None:
    require_audio_stream(os.path.join(FIXTURES, fixture), fixture)


def test_a_text_file_named_m4a_is_not_audio() -> None:
    with pytest.raises(WorkerError) as caught:
        require_audio_stream(os.path.join(FIXTURES, "not-audio.m4a"), "/runpod-volume/x/not-audio.m4a")
    assert caught.value.code == "NOT_AUDIO"
    assert "/runpod-volume/x/not-audio.m4a is not an audio file" in caught.value.sentence


# --- downloads, from a local HTTP server on an OS-chosen port


class _Files(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, directory=FIXTURES, **kwargs)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_url_is_downloaded_to_a_temporary_folder(server: str) -> None:
    found = resolve_audio(f"{server}/interview.m4a?token=abc")
    try:
        assert found.volume_path is None and found.local_path.endswith(".m4a")
        with open(found.local_path, "rb") as a, open(os.path.join(FIXTURES, "interview.m4a"), "rb") as b:
            assert a.read() == b.read()
    finally:
        found.cleanup()
    assert not os.path.exists(found.temp_dir)


def test_a_failed_download_names_the_status_but_not_the_query(server: str) -> None:
    err = resolve_error(f"{server}/missing.m4a?X-Amz-Signature=secret")
    assert err.code == "AUDIO_DOWNLOAD_FAILED"
    assert "HTTP 404" in err.sentence and "missing.m4a" in err.sentence and "secret" not in err.sentence


def test_an_unreachable_host_is_a_failed_download() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = resolve_error(f"http://127.0.0.1:{port}/a.m4a")
    assert err.code == "AUDIO_DOWNLOAD_FAILED" and "ConnectionError" in err.sentence
