"""Faults around the commands, not in the records: a broken quiz history, a closed stdin, a bad port.

Each gives a one-line located message with a fix, exit 1 (or 2 for bad usage), no traceback, and
leaves everything as it was: a history file that is not ours is never overwritten or repaired.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ssl_kb

QUIZ = ("quiz", "--kb", "kb", "-n", "2", "--seed", "1")


def quiz_in(project: Path, data: Path, *args: str, stdin: str | None = "a\na\n"):
    """``ssl-kb quiz`` with its history in ``data``; ``stdin=None`` reads from /dev/null."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SSL_KB_DATA_DIR": str(data)}
    env.pop("SSL_KB_ROOT", None)
    env.pop("SSL_KB_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ssl_kb", *QUIZ, *args],
        cwd=project,
        env=env,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error(stderr: str, *needles: str) -> bool:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    return len(lines) == 1 and all(n in lines[0] for n in needles) and "Traceback" not in stderr


def wrong_schema(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE answer (question_id TEXT, answered_at REAL, correct INTEGER)")
    db.commit()
    db.close()


def someone_elses(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    db.execute("INSERT INTO invoices VALUES (1, 9.5)")
    db.commit()
    db.close()


LEITNER_SCHEMA = """
CREATE TABLE answer (
    question_id TEXT NOT NULL, answered_at REAL NOT NULL, correct INTEGER NOT NULL, chosen TEXT NOT NULL
);
CREATE TABLE card (
    question_id TEXT PRIMARY KEY, box INTEGER NOT NULL, last_seen REAL NOT NULL,
    right INTEGER NOT NULL, wrong INTEGER NOT NULL, last_correct INTEGER NOT NULL
);
"""  # what ssl-kb wrote before FSRS (spelled out: the test must not depend on the code it checks)
FSRS_SCHEMA = """
CREATE TABLE review (
    question_id TEXT NOT NULL, reviewed_at REAL NOT NULL, rating INTEGER NOT NULL, chosen TEXT NOT NULL
);
CREATE TABLE card (
    question_id TEXT PRIMARY KEY, state INTEGER NOT NULL, step INTEGER, stability REAL NOT NULL,
    difficulty REAL NOT NULL, due REAL NOT NULL, last_review REAL NOT NULL
);
PRAGMA user_version = 2;
"""  # what ssl-kb writes now


def bad_values(box: object, last_seen: object = 0.0) -> object:
    def make(path: Path) -> None:
        db = sqlite3.connect(path)
        db.executescript(LEITNER_SCHEMA)
        db.execute("INSERT INTO card VALUES ('q', ?, ?, 1, 0, 1)", (box, last_seen))
        db.commit()
        db.close()

    return make


def bad_old_answer(answered_at: object) -> object:
    def make(path: Path) -> None:
        db = sqlite3.connect(path)
        db.executescript(LEITNER_SCHEMA)
        db.execute("INSERT INTO answer VALUES ('q', ?, 1, 'a')", (answered_at,))
        db.commit()
        db.close()

    return make


GOOD_CARD = {"state": 2, "step": None, "stability": 2.3, "difficulty": 5.0, "due": 1e9, "last_review": 1e9}


def bad_card(**values: object) -> object:
    """An FSRS card with one value a scheduler cannot use (py-fsrs would assert or overflow on it)."""

    def make(path: Path) -> None:
        row = {**GOOD_CARD, **values}
        db = sqlite3.connect(path)
        db.executescript(FSRS_SCHEMA)
        db.execute("INSERT INTO card VALUES ('q', ?, ?, ?, ?, ?, ?)", tuple(row.values()))
        db.commit()
        db.close()

    return make


def bad_review(rating: object) -> object:
    def make(path: Path) -> None:
        db = sqlite3.connect(path)
        db.executescript(FSRS_SCHEMA)
        db.execute("INSERT INTO review VALUES ('q', 1e9, ?, 'a')", (rating,))
        db.commit()
        db.close()

    return make


BROKEN = {
    "not-sqlite": lambda p: p.write_bytes(b"this is my diary, not a database\n" * 40),
    "wrong-schema": wrong_schema,
    "someone-elses": someone_elses,
    "box-out-of-range": bad_values(9),
    "box-text": bad_values("high"),
    "last-seen-text": bad_values(2, "yesterday"),
    "old-answer-at-text": bad_old_answer("yesterday"),
    "old-answer-at-infinite": bad_old_answer(float("inf")),
    "state-out-of-range": bad_card(state=7),
    "relearning-without-step": bad_card(state=3, step=None),
    "stability-negative": bad_card(stability=-1.0),
    "difficulty-out-of-range": bad_card(difficulty=11.0),
    "due-text": bad_card(due="tomorrow"),
    "due-far-future": bad_card(due=1e300),
    "rating-out-of-range": bad_review(5),
}


@pytest.mark.parametrize("review", [False, True], ids=["topic", "review"])
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_history_is_reported_and_kept(project: Path, tmp_path: Path, case: str, review: bool) -> None:
    data = tmp_path / "data"
    data.mkdir()
    history = data / "history.sqlite"
    BROKEN[case](history)
    before = digest(history)
    args = ("--review",) if review else ("--topic", "masked-predictions")
    proc = quiz_in(project, data, *args)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert one_error(proc.stderr, str(history), "move it aside"), proc.stderr
    assert digest(history) == before
    assert sorted(p.name for p in data.iterdir()) == ["history.sqlite"]  # no journal, no new file


def test_history_that_is_a_folder(project: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "history.sqlite").mkdir(parents=True)
    for args in (("--topic", "masked-predictions"), ("--review",)):
        proc = quiz_in(project, data, *args)
        assert proc.returncode == 1 and one_error(proc.stderr, "history.sqlite", "is a folder"), proc.stderr
    assert list((data / "history.sqlite").iterdir()) == []


def test_history_folder_that_cannot_be_created(project: Path) -> None:
    data = Path("/sys/ssl-kb-hostile")  # read-only even for root
    if data.exists() or not Path("/sys").is_dir():
        pytest.skip("needs a read-only /sys")
    proc = quiz_in(project, data, "--review")
    assert proc.returncode == 1 and one_error(proc.stderr, str(data), "writable"), proc.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write read-only files")
def test_read_only_history(project: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    first = quiz_in(project, data, stdin="a\nq\n")
    assert first.returncode == 0, first.stderr
    history = data / "history.sqlite"
    history.chmod(0o444)
    before = digest(history)
    proc = quiz_in(project, data)
    assert proc.returncode == 1 and one_error(proc.stderr, str(history), "writable"), proc.stderr
    assert digest(history) == before


def test_empty_stdin(project: Path, tmp_path: Path) -> None:
    proc = quiz_in(project, tmp_path / "data", stdin=None)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert one_error(proc.stderr, "standard input ended before the first answer", "pipe one answer")


def test_closed_stdin(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SSL_KB_DATA_DIR": str(tmp_path / "data")}
    command = " ".join([sys.executable, "-m", "ssl_kb", *QUIZ]) + " 0<&-"
    proc = subprocess.run(
        ["sh", "-c", command], cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert one_error(proc.stderr, "standard input is closed")
    assert not (tmp_path / "data").exists()


# ---------------------------------------------------------------------------- serve --port


@pytest.mark.parametrize("port", ["0", "-1", "70000"])
def test_invalid_port_is_usage(project: Path, port: str) -> None:
    proc = ssl_kb("serve", "--kb", "kb", "--port", port, cwd=project, timeout=60)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "--port" in proc.stderr and "Traceback" not in proc.stderr


def test_busy_port_is_a_message(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = ssl_kb("serve", "--kb", "kb", "--port", str(port), cwd=project, timeout=120)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert one_error(proc.stderr, f"127.0.0.1:{port}", "choose another --port"), proc.stderr[-2000:]
