"""Atomic writes: a build killed midway leaves the previous outputs whole; two builds do not mix.

``ssl-kb build`` and ``ssl-kb db`` run as real processes and die with no cleanup handler: killed
with SIGKILL as soon as the site's staging folder appears, or ended by ``os._exit`` from a hook
at a fixed point in the middle of writing the store (the same point on every machine). Every output (store, build/docs, quizzes/, site/) must then be exactly the
previous build or exactly the new one, never a mixture, and the next build must succeed.

SQLite files are compared by their content (an SQL dump): their bytes differ between two
writes of the same records.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import OUTPUTS, make_project, ssl_kb

pytestmark = pytest.mark.slow

NEW_RECORD = """\
id: extra-concept
kind: concept
name: Extra concept
summary: A record added between two builds, so that the second build's outputs differ.
topics: [masked-predictions]
"""


def digest(path: Path) -> str:
    if path.suffix == ".sqlite":
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            dump = "\n".join(sorted(conn.iterdump()))  # rows in any physical order
        finally:
            conn.close()
        return "sql:" + hashlib.sha256(dump.encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(root: Path, name: str) -> dict[str, str]:
    """Digests of one output (a file or a folder) of the project at ``root``."""
    base = root / name
    if base.is_file():
        return {name: digest(base)}
    if not base.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): digest(p)
        for p in sorted(base.rglob("*"))
        if p.is_file() and p.name != ".ssl-kb.lock"
    }


def states(root: Path) -> dict[str, dict[str, str]]:
    return {name: state(root, name) for name in OUTPUTS}


def leftovers(root: Path) -> list[str]:
    """Staging folders and temporary files that a finished build should not leave behind."""
    found = []
    for folder in (root, root / "build"):
        found += [
            p.name
            for p in folder.iterdir()
            if p.name.startswith(".") and (".new-" in p.name or ".old-" in p.name)
        ]
    return sorted(found)


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, str]]]:
    """The outputs of a clean build of the fixture KB (v1) and of the KB with one more record (v2)."""
    out = {}
    for version in ("v1", "v2"):
        root = make_project(tmp_path_factory.mktemp(version) / "project")
        if version == "v2":
            (root / "kb" / "concepts" / "extra-concept.yaml").write_text(NEW_RECORD, encoding="utf-8")
        proc = ssl_kb("build", "--kb", "kb", cwd=root)
        assert proc.returncode == 0, proc.stderr
        out[version] = states(root)
    for name in OUTPUTS:
        assert out["v1"][name] != out["v2"][name], f"{name} should differ between the versions"
    return out


def start(cwd: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "ssl_kb", *args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_when(proc: subprocess.Popen[str], folder: Path, pattern: str, timeout: float = 120) -> bool:
    """SIGKILL ``proc`` as soon as something matching ``pattern`` appears in ``folder``.

    Returns whether it was killed there (False: the process ended before writing it).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if folder.is_dir() and any(folder.glob(pattern)):
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.001)
    proc.kill()
    raise AssertionError(f"timed out waiting for {pattern} in {folder}")


def test_killed_build_leaves_every_output_whole(
    project: Path, versions: dict[str, dict[str, dict[str, str]]]
) -> None:
    assert states(project) == versions["v1"]
    (project / "kb" / "concepts" / "extra-concept.yaml").write_text(NEW_RECORD, encoding="utf-8")
    for _attempt in range(5):
        proc = start(project, "build", "--kb", "kb")
        if kill_when(proc, project, ".site.new-*"):
            break
    else:
        pytest.fail("the build never reached the site's staging folder")
    assert proc.returncode == -signal.SIGKILL
    # killed while rendering: nothing was swapped in yet, so every output is the previous build
    assert states(project) == versions["v1"], "an output changed before the build was complete"

    proc_done = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc_done.returncode == 0, proc_done.stderr
    assert states(project) == versions["v2"]
    assert leftovers(project) == []


# Runs `ssl-kb ARGS` in this process and ends it (os._exit: no cleanup handler, no ``finally``) in
# the middle of writing the store, at the same point on every machine:
# - "staged": the build stages the store's bytes as build/.ssl-kb.sqlite.new-*; half of them are
#   written, then the process dies;
# - "sql": ``ssl-kb db`` fills a temporary file build/.ssl-kb.sqlite.*.tmp; the process dies after
#   the N-th INSERT into it (tables created, some rows in, the rest never);
# - "replace": ``ssl-kb db`` has written the whole temporary file and dies instead of renaming it.
STORE_HOOK = """
import os, sys
from pathlib import Path
from ssl_kb import output, store
mode, n = sys.argv[1], int(sys.argv[2])
if mode == "staged":
    real_write_new = output._write_new
    def write_new(path, data):
        if Path(path).name.startswith(".ssl-kb.sqlite.new-"):
            with open(path, "xb") as handle:
                handle.write(data[: len(data) // 2])
                handle.flush()
                os.fsync(handle.fileno())
            os._exit(137)
        return real_write_new(path, data)
    output._write_new = write_new
elif mode == "sql":
    from sqlalchemy import event
    real_fill = store._fill
    def fill(engine, rows):
        if engine.url.database and Path(engine.url.database).name.endswith(".tmp"):
            inserts = []
            @event.listens_for(engine, "after_cursor_execute")
            def die(conn, cursor, statement, *args):
                if statement.lstrip().upper().startswith("INSERT"):
                    inserts.append(statement)
                    if len(inserts) >= n:
                        os._exit(137)
        return real_fill(engine, rows)
    store._fill = fill
elif mode == "replace":
    import types
    fake_os = types.ModuleType("os")
    fake_os.__dict__.update(os.__dict__)
    fake_os.replace = lambda src, dst: os._exit(137)
    store.os = fake_os
from ssl_kb.cli import main
main(sys.argv[3:])
"""


def die_writing_store(mode: str, cwd: Path, *args: str, n: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SSL_KB_ROOT", None)
    env.pop("SSL_KB_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-c", STORE_HOOK, mode, str(n), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_killed_build_while_writing_the_store(
    project: Path, versions: dict[str, dict[str, dict[str, str]]]
) -> None:
    (project / "kb" / "concepts" / "extra-concept.yaml").write_text(NEW_RECORD, encoding="utf-8")
    proc = die_writing_store("staged", project, "build", "--kb", "kb")
    assert proc.returncode == 137, proc.stderr
    partial = list((project / "build").glob(".ssl-kb.sqlite.new-*"))
    assert len(partial) == 1 and partial[0].stat().st_size > 0, "the store was not half written"
    now = states(project)
    assert now == versions["v1"], "killed while writing the store: nothing else may have changed"
    proc_done = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc_done.returncode == 0, proc_done.stderr
    assert states(project) == versions["v2"]
    assert leftovers(project) == []


@pytest.mark.parametrize(("mode", "n"), [("sql", 1), ("sql", 3), ("replace", 0)])
def test_killed_db_keeps_the_previous_store(
    project: Path, versions: dict[str, dict[str, dict[str, str]]], mode: str, n: int
) -> None:
    (project / "kb" / "concepts" / "extra-concept.yaml").write_text(NEW_RECORD, encoding="utf-8")
    store = "build/ssl-kb.sqlite"
    proc = die_writing_store(mode, project, "db", "--kb", "kb", n=n)
    assert proc.returncode == 137, proc.stderr
    partial = list((project / "build").glob(".ssl-kb.sqlite.*.tmp"))
    assert len(partial) == 1, "the process did not die while writing the store"
    if mode == "replace":
        assert partial[0].stat().st_size > 0
    assert state(project, store) == versions["v1"][store]
    proc_done = ssl_kb("db", "--kb", "kb", cwd=project)
    assert proc_done.returncode == 0, proc_done.stderr
    assert state(project, store) == versions["v2"][store]


def test_interrupted_swap_is_repaired(project: Path, versions: dict[str, dict[str, dict[str, str]]]) -> None:
    """A crash between the two renames of a swap: the site was moved aside, the new one not in yet."""
    (project / "site").rename(project / ".site.old-crashed")
    partial = project / ".site.new-crashed"
    partial.mkdir()
    (partial / "index.html").write_text("half a site", encoding="utf-8")
    proc = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert states(project) == versions["v1"]
    assert leftovers(project) == []


def test_two_builds_at_once_do_not_corrupt_each_other(
    project: Path, versions: dict[str, dict[str, dict[str, str]]]
) -> None:
    (project / "kb" / "concepts" / "extra-concept.yaml").write_text(NEW_RECORD, encoding="utf-8")
    procs = [start(project, "build", "--kb", "kb") for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for proc in procs:
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 1]), results
    for code, stderr in results:
        assert "Traceback" not in stderr
        if code == 1:
            assert "another ssl-kb build holds" in stderr
    assert states(project) == versions["v2"]
    assert leftovers(project) == []


def test_two_store_writers_at_once(project: Path, versions: dict[str, dict[str, dict[str, str]]]) -> None:
    (project / "kb" / "concepts" / "extra-concept.yaml").write_text(NEW_RECORD, encoding="utf-8")
    procs = [start(project, "db", "--kb", "kb") for _ in range(3)]
    for proc in procs:
        _out, errors = proc.communicate(timeout=300)
        assert proc.returncode == 0, errors
    store = "build/ssl-kb.sqlite"
    assert state(project, store) == versions["v2"][store]
