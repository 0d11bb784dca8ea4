"""`ssl-kb serve`: previews the site on 127.0.0.1 and regenerates a page when its record changes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, needle: str, deadline: float) -> bool:
    while time.time() < deadline:
        page = _fetch(url)
        if page is not None and needle in page:
            return True
        time.sleep(0.5)
    return False


def test_serve_regenerates_a_page_when_its_record_changes(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "data" / "kb", project / "kb")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssl_kb", "serve", "--kb", "kb", "--port", str(port)],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/methods/mae.html"
    try:
        assert _wait_for(url, "asymmetric ViT encoder-decoder", time.time() + 120), (
            "the preview never served MAE"
        )
        record = project / "kb" / "methods" / "mae.yaml"
        record.write_text(
            record.read_text().replace("asymmetric ViT encoder-decoder", "lopsided ViT encoder-decoder")
        )
        assert _wait_for(url, "lopsided ViT encoder-decoder", time.time() + 120), (
            "the edit never reached the page"
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
