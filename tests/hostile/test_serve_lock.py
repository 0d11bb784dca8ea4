"""`ssl-kb serve` writes build/docs only under the build lock, and keeps the SQLite download."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .conftest import output_hashes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _served(url: str, needle: str, deadline: float) -> bool:
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if needle in response.read().decode("utf-8"):
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    return False


def docs_state(root: Path) -> dict[str, str]:
    return {k: v for k, v in output_hashes(root).items() if k.startswith("build/docs/")}


def test_serve_waits_for_a_running_build_and_keeps_the_store_download(project: Path) -> None:
    (project / "kb" / "concepts" / "extra.yaml").write_text(
        "id: extra\nkind: concept\nname: Extra\nsummary: Makes the pages differ.\ntopics: [masked-predictions]\n",
        encoding="utf-8",
    )
    before = docs_state(project)
    assert "build/docs/downloads/ssl-kb.sqlite" in before
    port = _free_port()
    lock = open(project / "build" / ".ssl-kb.lock", "a")  # noqa: SIM115 - a build that holds the lock
    fcntl.flock(lock, fcntl.LOCK_EX)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssl_kb", "serve", "--kb", "kb", "--port", str(port)],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    try:
        time.sleep(8)  # long enough to generate the pages; it must not write them while locked
        assert proc.poll() is None
        assert docs_state(project) == before, "serve rewrote build/docs while a build held the lock"
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        url = f"http://127.0.0.1:{port}/concepts/extra.html"
        assert _served(url, "Makes the pages differ", time.time() + 120), "the preview never served"
        after = docs_state(project)
        assert after != before
        assert "build/docs/downloads/ssl-kb.sqlite" in after, "serve dropped the SQLite download"
        assert (project / "build" / "docs" / ".ssl-kb-output").is_file()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
