"""Fixtures of the hostile tests: a built project (fixture KB + site, store, quizzes) to break.

The project is built once per session with the real ``ssl-kb build`` in a subprocess; each test
gets its own copy, so one test's damage never leaks into another.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

REPO = Path(__file__).resolve().parents[2]
FIXTURE_KB = REPO / "tests" / "data" / "kb"
OUTPUTS = ("build/ssl-kb.sqlite", "build/mkdocs.yml", "build/docs", "quizzes", "site")


def make_project(dest: Path, kb: Path = FIXTURE_KB) -> Path:
    """A checkout-like folder: ``kb/`` (a copy of ``kb``) and the site's ``mkdocs.yml``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(kb, dest / "kb", symlinks=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    return dest


def ssl_kb(*args: str, cwd: Path, timeout: float = 300, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess (``python -m ssl_kb``)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200"}
    env.pop("SSL_KB_ROOT", None)
    env.pop("SSL_KB_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ssl_kb", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def output_hashes(root: Path) -> dict[str, str]:
    """sha256 of every built output file under ``root`` (store, docs, quizzes, site); locks excluded."""
    out: dict[str, str] = {}
    for name in OUTPUTS:
        base = root / name
        files = (
            [base]
            if base.is_file()
            else sorted(p for p in base.rglob("*") if p.is_file())
            if base.is_dir()
            else []
        )
        for path in files:
            if path.name == ".ssl-kb.lock":
                continue
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture KB with everything built once (read-only: tests copy it)."""
    root = make_project(tmp_path_factory.mktemp("built") / "project")
    proc = ssl_kb("build", "--kb", "kb", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "site" / "index.html").is_file() and (root / "build" / "ssl-kb.sqlite").is_file()
    assert (root / "quizzes" / "index.json").is_file()
    return root


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    """A private copy of the built project that a test may break."""
    dest = tmp_path / "project"
    shutil.copytree(built_project, dest, symlinks=True)
    return dest


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``ssl-kb ARGS`` in-process from a folder (fast; stdout and stderr kept apart)."""
    from typer.testing import CliRunner

    from ssl_kb.cli import app

    monkeypatch.delenv("SSL_KB_ROOT", raising=False)
    monkeypatch.delenv("SSL_KB_DB_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, cwd: Path) -> Result:
        monkeypatch.chdir(cwd)
        return CliRunner().invoke(app, list(args), catch_exceptions=True)

    return run
