"""A build is all or nothing across its outputs, and ``build --check`` tells the truth after any stop.

The build runs in a real process that dies (``os._exit``: no cleanup handler, no ``finally``) at
a chosen point: while staging its files, while MkDocs renders, while writing the journal, or
between any two renames of the swap. Afterwards:

- killed before the journal exists: every output is exactly the previous build;
- killed while swapping: ``build --check`` says the build was interrupted (exit 1), and the next
  writer rolls it forward, so every output is exactly the new build;
- ``build --check`` never says "up to date" unless every output is the new build;
- no staging folder, old output or temporary file is left once the next run has finished.

Faults the process survives (a full disk, a read-only file system, a busy lock, a failing MkDocs)
give one located message, exit 1 and no traceback, and leave every output as it was.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ssl_kb
from .test_atomic import NEW_RECORD, leftovers, states
from .test_atomic import versions as versions  # the two builds to compare with (a fixture)

pytestmark = pytest.mark.slow

# Runs `ssl-kb ARGS` in this process with a hook on ssl_kb.output.<FUNC> (or MODULE:FUNC): MODE "die" ends the
# process (os._exit: nothing is cleaned up) at call N+1, "fail" raises OSError(ERRNO) from call N+1
# on, "count" only counts the calls and prints how many.
HOOK = """
import importlib, os, sys
mode, func, n, code = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
module, _, func = func.rpartition(":")
output = importlib.import_module(module or "ssl_kb.output")
real = getattr(output, func)
calls = 0
def hook(*args, **kwargs):
    global calls
    calls += 1
    if mode == "die" and calls > n:
        os._exit(137)
    if mode == "fail" and calls > n:
        raise OSError(code, os.strerror(code))
    return real(*args, **kwargs)
setattr(output, func, hook)
from ssl_kb.cli import main
try:
    main(sys.argv[5:])
finally:
    if mode == "count":
        print("CALLS", calls, file=sys.stderr)
"""


def hooked(
    mode: str, func: str, n: int, *args: str, cwd: Path, code: int = 0
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HOOK, mode, func, str(n), str(code), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def count_calls(project: Path, func: str) -> int:
    """How often a whole build calls ``ssl_kb.output.<func>`` (in a copy, so nothing changes here)."""
    probe = project.parent / "probe"
    shutil.copytree(project, probe, symlinks=True)
    proc = hooked("count", func, 0, "build", "--kb", "kb", cwd=probe)
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(probe)
    return int(proc.stderr.rsplit("CALLS", 1)[1].split()[0])


def changed(project: Path) -> Path:
    (project / "kb" / "concepts" / "extra-concept.yaml").write_text(NEW_RECORD, encoding="utf-8")
    return project


def check(project: Path) -> subprocess.CompletedProcess[str]:
    proc = ssl_kb("build", "--kb", "kb", "--check", cwd=project)
    assert "Traceback" not in proc.stderr
    return proc


def test_killed_while_staging_or_rendering_leaves_every_output_old(
    project: Path, versions: dict[str, dict[str, dict[str, str]]]
) -> None:
    changed(project)
    writes = count_calls(project, "_write_new")  # files staged (pages, theme, quizzes, store, marker...)
    assert writes > 20
    for n in sorted({0, 1, writes // 3, writes // 2, writes - 3, writes - 2}):
        proc = hooked("die", "_write_new", n, "build", "--kb", "kb", cwd=project)
        assert proc.returncode == 137, proc.stderr
        assert states(project) == versions["v1"], f"killed at staged file {n}: an output changed"
        stale = check(project)
        assert stale.returncode == 1 and "up to date" not in stale.stderr
    done = ssl_kb("build", "--kb", "kb", cwd=project)
    assert done.returncode == 0, done.stderr
    assert states(project) == versions["v2"]
    assert leftovers(project) == []
    assert check(project).returncode == 0


def test_killed_while_mkdocs_writes_the_site_leaves_every_output_old(
    project: Path, versions: dict[str, dict[str, dict[str, str]]]
) -> None:
    changed(project)
    pages = count_calls(project, "mkdocs.commands.build:_build_page")
    assert pages > 10
    for n in (1, pages // 2, pages - 1):
        proc = hooked("die", "mkdocs.commands.build:_build_page", n, "build", "--kb", "kb", cwd=project)
        assert proc.returncode == 137, proc.stderr
        assert states(project) == versions["v1"], f"killed at page {n}: an output changed"
        assert check(project).returncode == 1
    done = ssl_kb("build", "--kb", "kb", cwd=project)
    assert done.returncode == 0, done.stderr
    assert states(project) == versions["v2"] and leftovers(project) == []


@pytest.mark.parametrize("n", range(7))
def test_killed_between_any_two_renames_is_rolled_forward(
    project: Path, versions: dict[str, dict[str, dict[str, str]]], n: int
) -> None:
    changed(project)
    proc = hooked("die", "ssl_kb.transaction:_swap", n, "build", "--kb", "kb", cwd=project)
    if n == 6:  # six outputs: the seventh call never comes
        assert proc.returncode == 0, proc.stderr
        assert states(project) == versions["v2"]
        return
    assert proc.returncode == 137, proc.stderr
    journal = project / "build" / ".ssl-kb-journal.json"
    assert journal.is_file()
    moves = json.loads(journal.read_text(encoding="utf-8"))["moves"]
    assert len(moves) == 6
    stale = check(project)
    assert stale.returncode == 1, stale.stderr
    assert "interrupted" in stale.stderr and "! build/.ssl-kb-journal.json" in stale.stdout
    # any writer finishes the interrupted build first: here the quiz bank's
    proc = ssl_kb("quiz", "--kb", "kb", "--write-bank", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert states(project) == versions["v2"]
    assert leftovers(project) == []
    assert check(project).returncode == 0


def test_killed_while_writing_the_journal_leaves_every_output_old(
    project: Path, versions: dict[str, dict[str, dict[str, str]]]
) -> None:
    changed(project)
    writes = count_calls(project, "_write_new")
    # the journal is the last file written before the swap
    proc = hooked("die", "_write_new", writes - 1, "build", "--kb", "kb", cwd=project)
    assert proc.returncode == 137
    assert states(project) == versions["v1"]
    assert check(project).returncode == 1
    done = ssl_kb("build", "--kb", "kb", cwd=project)
    assert done.returncode == 0, done.stderr
    assert states(project) == versions["v2"] and leftovers(project) == []


@pytest.mark.parametrize(
    ("func", "n", "code", "words"),
    [
        ("_write_new", 0, errno.ENOSPC, ["No space left on device", "free some disk space"]),
        ("_write_new", 40, errno.ENOSPC, ["No space left on device"]),
        ("_write_new", 0, errno.EROFS, ["Read-only file system", "read-only"]),
        ("_write_new", 5, errno.EACCES, ["Permission denied"]),
        ("ssl_kb.transaction:_swap", 2, errno.EBUSY, ["busy"]),
        ("ssl_kb.transaction:_swap", 4, errno.EXDEV, ["one file system"]),
    ],
)
def test_faults_while_writing_give_one_message_and_change_nothing(
    project: Path,
    versions: dict[str, dict[str, dict[str, str]]],
    func: str,
    n: int,
    code: int,
    words: list[str],
) -> None:
    changed(project)
    proc = hooked("fail", func, n, "build", "--kb", "kb", cwd=project, code=code)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error: " in proc.stderr and "hint: " in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr
    assert states(project) == versions["v1"]
    assert leftovers(project) == []
    assert not (project / "build" / ".ssl-kb-journal.json").exists()


def test_a_failing_mkdocs_changes_no_output(
    project: Path, versions: dict[str, dict[str, dict[str, str]]]
) -> None:
    changed(project)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nnot_a_mkdocs_setting: 1\n", encoding="utf-8")
    proc = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "every other output are unchanged" in proc.stderr
    assert states(project) == versions["v1"]
    assert leftovers(project) == []


def test_a_busy_lock_is_one_message(project: Path, versions: dict[str, dict[str, dict[str, str]]]) -> None:
    changed(project)
    with open(project / "build" / ".ssl-kb.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        proc = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "another ssl-kb build holds" in proc.stderr
    assert states(project) == versions["v1"]


def test_check_sees_a_missing_or_stale_site(project: Path) -> None:
    assert check(project).returncode == 0
    (project / "site" / ".ssl-kb-output").unlink()
    proc = check(project)
    assert proc.returncode == 1 and "+ site/" in proc.stdout
    ssl_kb("build", "--kb", "kb", cwd=project)
    assert check(project).returncode == 0
    config = project / "mkdocs.yml"  # the site depends on the project's MkDocs settings too
    config.write_text(config.read_text(encoding="utf-8").replace("indigo", "teal"), encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 1 and "~ site/" in proc.stdout
    store = project / "build" / "ssl-kb.sqlite"
    store.write_bytes(store.read_bytes() + b"\0")
    assert "~ build/ssl-kb.sqlite" in check(project).stdout


def test_leftovers_of_killed_runs_are_removed_by_the_next_build(project: Path) -> None:
    for name in (".site.new-dead", "build/.docs.new-dead", "build/.theme.old-dead", ".quizzes.new-dead"):
        (project / name).mkdir()
        (project / name / "page.html").write_text("half", encoding="utf-8")
    (project / "build" / ".ssl-kb.sqlite.dead.tmp").write_bytes(b"half a store")
    proc = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert leftovers(project) == []
    assert not (project / "build" / ".ssl-kb.sqlite.dead.tmp").exists()


def test_a_forged_journal_renames_nothing_outside_its_outputs(project: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep", encoding="utf-8")
    journal = project / "build" / ".ssl-kb-journal.json"
    journal.write_text(
        json.dumps({"txn": "x", "moves": [[str(victim), str(project / "site")]]}), encoding="utf-8"
    )
    proc = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (victim / "keep.txt").read_text(encoding="utf-8") == "keep"
    assert not journal.exists()


def test_a_folder_planted_1200_deep_in_an_output_is_checked_and_replaced(project: Path) -> None:
    here = os.getcwd()
    os.chdir(project / "build" / "docs")
    try:
        for _ in range(1200):  # deeper than Python's recursion limit; built without os.makedirs
            os.mkdir("d")
            os.chdir("d")
        Path("planted.md").write_text("x", encoding="utf-8")
    finally:
        os.chdir(here)
    proc = check(project)
    assert proc.returncode == 1 and "planted.md" in proc.stdout
    done = ssl_kb("build", "--kb", "kb", cwd=project)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert not (project / "build" / "docs" / "d").exists()
    assert leftovers(project) == []
