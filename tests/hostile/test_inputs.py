"""Hostile inputs under kb/: FIFOs, links to devices, wrongly cased extensions, deep folders, newlines.

Each command that reads kb/ (check, build, new, diff) must finish, without a traceback, and
report the bad entry at its path: a FIFO or a link to ``/dev/zero`` is never opened for a
blocking or unbounded read, a ``.YAML`` file is KB015 instead of silently skipped, and 1,500
nested folders are KB016 instead of a RecursionError. Every run has a timeout (a hang fails the
test, not CI) and a memory limit (an unbounded read fails the test, not the machine).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
from pathlib import Path

import pytest

from .conftest import make_project, ssl_kb

LIMIT_S = 120
DEEP = 1500


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = ssl_kb(*args, cwd=cwd, timeout=LIMIT_S, preexec_fn=_limit_memory)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fixture")
    return root


def _fifo(kb: Path) -> str:
    os.mkfifo(kb / "methods" / "pipe.yaml")
    return "kb/methods/pipe.yaml:1:1: KB011"


def _dev_zero(kb: Path) -> str:
    (kb / "methods" / "zero.yaml").symlink_to("/dev/zero")
    return "kb/methods/zero.yaml:1:1: KB011"


def _upper_extension(kb: Path) -> str:
    text = (kb / "methods" / "simclr.yaml").read_text(encoding="utf-8")
    (kb / "methods" / "simclr-v2.YAML").write_text(text.replace("id: simclr", "id: simclr-v2"), "utf-8")
    return "kb/methods/simclr-v2.YAML:1:1: KB015"


def _deep(kb: Path) -> str:
    """``DEEP`` nested folders under kb/methods/, made one level at a time (pathlib recurses)."""
    fd = os.open(kb / "methods", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(DEEP):  # one-letter names keep the path under PATH_MAX
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        with os.fdopen(os.open("deep.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as out:
            fd = -1
            out.write("id: deep\n")
    finally:
        if fd >= 0:
            os.close(fd)
    return "kb/methods/" + "/".join(["d"] * 16) + ":1:1: KB016"


def _remove_deep(folder: Path) -> None:
    """Remove what :func:`_deep` made without recursion (shutil.rmtree recurses on Python 3.11)."""
    if not (folder / "d").is_dir():
        return
    fd, depth = os.open(folder, os.O_RDONLY | os.O_DIRECTORY), 0
    try:
        while "d" in os.listdir(fd):  # down to the deepest folder, one descriptor at a time
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd, depth = child, depth + 1
        for _ in range(depth):  # then up, emptying and removing each folder on the way
            for name in os.listdir(fd):
                os.unlink(name, dir_fd=fd)
            parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.rmdir("d", dir_fd=fd)
    finally:
        os.close(fd)


@pytest.fixture(autouse=True)
def _clean_deep(tmp_path: Path):
    yield
    for methods in tmp_path.glob("*/kb/methods"):
        _remove_deep(methods)


BAD = {"fifo": _fifo, "dev-zero": _dev_zero, "upper-extension": _upper_extension, "deep-folders": _deep}


@pytest.mark.parametrize("case", sorted(BAD))
def test_check_reports_the_entry_and_finishes(case: str, repo: Path) -> None:
    shown = BAD[case](repo / "kb")
    proc = run("check", "--kb", "kb", cwd=repo)
    assert proc.returncode == 1 and shown in proc.stderr, proc.stderr


@pytest.mark.parametrize("case", sorted(BAD))
def test_build_refuses_and_keeps_nothing_half_written(case: str, repo: Path) -> None:
    shown = BAD[case](repo / "kb")
    proc = run("build", "--kb", "kb", cwd=repo)
    assert proc.returncode == 1 and shown in proc.stderr, proc.stderr
    assert not (repo / "site").exists() and not (repo / "quizzes").exists()


@pytest.mark.parametrize("case", sorted(BAD))
def test_new_finishes_and_writes_only_its_record(case: str, repo: Path) -> None:
    BAD[case](repo / "kb")
    proc = run("new", "method", "barlow-twins", "--kb", "kb", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert (repo / "kb" / "methods" / "barlow-twins.yaml").is_file()


@pytest.mark.parametrize("case", sorted(BAD))
def test_diff_finishes_and_reports_the_entry(case: str, repo: Path) -> None:
    shown = BAD[case](repo / "kb")
    proc = run("diff", "main", "--kb", "kb", cwd=repo)
    assert proc.returncode == 0 and "does not validate" in proc.stderr, proc.stderr
    check = run("check", "--kb", "kb", cwd=repo)
    assert shown in check.stderr


def test_diff_of_a_revision_with_deep_folders(repo: Path) -> None:
    """The deep tree committed: the revision's copy stops at the loader's limit (KB016 there too)."""
    _deep(repo / "kb")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "deep")
    (repo / "kb" / "methods" / "simclr.yaml").unlink()
    proc = run("diff", "HEAD", "--kb", "kb", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    errors = [(e["code"], e["path"]) for e in result["base"]["errors"]]
    assert ("KB016", "HEAD:kb/methods/" + "/".join(["d"] * 16)) in errors, errors
    assert [c["id"] for c in result["records"]["removed"]] == ["simclr"]


def test_an_arxiv_id_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    path = root / "kb" / "methods" / "mae.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'arxiv: "2111.06377"' in text
    path.write_text(text.replace('arxiv: "2111.06377"', 'arxiv: "2111.06377\\n"'), encoding="utf-8")
    proc = run("check", "--kb", "kb", cwd=root)
    assert proc.returncode == 1 and "KB109 paper.arxiv" in proc.stderr, proc.stderr


@pytest.mark.parametrize("value", ["mae\n", "mae\r\n", "ssl_kb.losses.mae_loss\n"])
def test_schema_patterns_match_the_whole_value(value: str) -> None:
    """Pydantic applies ``pattern`` with its Rust engine, where ``$`` is the very end (pinned here)."""
    from pydantic import ValidationError

    from ssl_kb.schema import Metric

    data = {"id": "x", "kind": "metric", "name": "X", "summary": "s", "higher_is_better": True, "unit": "%"}
    field = "implementation" if value.startswith("ssl_kb") else "id"
    with pytest.raises(ValidationError):
        Metric.model_validate({**data, field: value})
