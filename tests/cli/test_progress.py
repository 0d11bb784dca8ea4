"""`ssl-kb progress`: the table and its JSON over a scripted history, an empty history, the weakest
facets on the real KB, and histories it must read without changing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Rating

from ssl_kb.quiz.history import History

from .invoke import kb_args, run

NOW = "2025-03-02T09:00:00+00:00"
T = datetime.fromisoformat(NOW)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def env(data: Path, now: str = NOW) -> dict[str, str | None]:
    return {"SSL_KB_DATA_DIR": str(data), "SSL_KB_NOW": now}


def bank(*args: str) -> list[dict[str, object]]:
    out = run("quiz", *kb_args(), "--deck", "all", "--all", "--format", "json", *args)
    return json.loads(out.stdout)["questions"]


def scripted(data: Path) -> list[dict[str, object]]:
    """Three questions of the fixture KB's masked-predictions topic answered: the first wrong then
    right (yesterday, then an hour ago), the second right two days ago, the third wrong an hour ago."""
    questions = [q for q in bank("--topic", "masked-predictions") if "contrastive" not in q["topics"]][:3]
    data.mkdir(parents=True)
    with History(data / "history.sqlite") as h:
        a, b, c = (str(q["id"]) for q in questions)
        h.record(a, Rating.Again, "x", T - timedelta(days=1))
        h.record(a, Rating.Good, "x", T - timedelta(hours=1))
        h.record(b, Rating.Good, "x", T - timedelta(days=2))
        h.record(c, Rating.Again, "x", T - timedelta(hours=1))
    return questions


def test_json_counts_a_scripted_history(data: Path) -> None:
    questions = scripted(data)
    out = run("progress", *kb_args(), "--format", "json", env=env(data))
    report = json.loads(out.stdout)
    assert report["now"] == NOW and report["answers"] == 4 and report["retired"] == 0
    topics = {t["topic"]: t for t in report["topics"]}
    masked = topics["masked-predictions"]
    total = len(bank("--topic", "masked-predictions"))  # every question of the topic, in every deck
    assert (masked["questions"], masked["seen"], masked["answers"], masked["right"]) == (total, 3, 4, 2)
    assert masked["recall"] == 0.5
    # a: right an hour ago, due in two days; b: due today (two days after its answer); c: due a minute later
    assert (masked["due_today"], masked["due_week"]) == (2, 3)
    assert topics["contrastive"]["seen"] == 0 and report["overall"]["answers"] == 4
    kinds = masked["kinds"]
    for q in questions:
        assert kinds[q["kind"]]["seen"] >= 1
    assert sum(k["answers"] for k in kinds.values()) == 4
    facets = {p["field"] for q in questions for p in q["provenance"] if p["field"].startswith("design.")}
    if not facets:  # the scripted questions ask about no design facet
        assert report["weakest"] == []


def test_the_table(data: Path) -> None:
    scripted(data)
    out = run("progress", *kb_args(), env={**env(data), "COLUMNS": "100"})
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Progress at 2025-03-02 09:00")
    assert any("topic / kind" in x and "recall" in x and "due this week" in x for x in lines)
    row = next(x for x in lines if "Masked Predictions" in x)
    assert [c.strip() for c in row.strip("│┃ ").split("│")] == [
        "Masked Predictions",
        f"3/{len(bank('--topic', 'masked-predictions'))}",
        "50% (2/4)",
        "2",
        "3",
    ]
    assert any("All topics" in x for x in lines) and "Weakest facets: none missed yet." in out.stdout
    one = run("progress", *kb_args(), "--topic", "contrastive", env=env(data))
    assert "Contrastive" in one.stdout and "Masked" not in one.stdout and "All topics" not in one.stdout


def test_an_empty_history_says_what_to_do(data: Path) -> None:
    out = run("progress", *kb_args(), env=env(data))
    assert out.stdout == "" and "no answers in" in out.stderr and "ssl-kb quiz --review" in out.stderr
    assert not data.exists()  # reading progress creates nothing
    as_json = run("progress", *kb_args(), "--format", "json", env=env(data))
    assert json.loads(as_json.stdout)["answers"] == 0 and "no answers in" in as_json.stderr


def test_the_weakest_facets_of_the_real_kb(tmp_path: Path) -> None:
    """One mechanism question missed, one of another facet answered right: only the missed one's
    facet is weak, named by its title, "0 of 1 right"."""
    questions = json.loads(run("quiz", "--format", "json", "--all").stdout)["questions"]
    mechanism = [q for q in questions if q["kind"] == "mechanism"]
    facet = lambda q: str(q["provenance"][0]["field"]).removeprefix("design.")  # noqa: E731
    missed = mechanism[0]
    known = next(q for q in mechanism if facet(q) != facet(missed))
    data = tmp_path / "data"
    data.mkdir()
    with History(data / "history.sqlite") as h:
        h.record(str(missed["id"]), Rating.Again, "x", T)
        h.record(str(known["id"]), Rating.Good, "x", T)
    report = json.loads(run("progress", "--format", "json", env=env(data)).stdout)
    assert [(w["facet"], w["right"], w["answers"]) for w in report["weakest"]] == [(facet(missed), 0, 1)]
    title = report["weakest"][0]["title"]
    text = run("progress", env=env(data)).stdout
    assert f"Weakest facets:\n  {title}: 0 of 1 right" in text


def test_history_options_and_unknown_topic(data: Path, tmp_path: Path) -> None:
    scripted(data)
    moved = tmp_path / "elsewhere.sqlite"
    (data / "history.sqlite").rename(moved)
    out = run("progress", *kb_args(), "--history", moved, "--format", "json", env=env(data))
    assert json.loads(out.stdout)["answers"] == 4
    bad = run("progress", *kb_args(), "--topic", "nope", code=1, env=env(data))
    assert "no topic 'nope'" in bad.stderr


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_broken_history_is_one_error_and_kept(data: Path) -> None:
    data.mkdir()
    path = data / "history.sqlite"
    path.write_bytes(b"not a database\n" * 100)
    before = _digest(path)
    out = run("progress", *kb_args(), code=1, env=env(data))
    assert out.stderr.startswith("error: cannot read the quiz history") and "move it aside" in out.stderr
    assert _digest(path) == before


def test_an_old_history_is_read_without_being_changed(data: Path) -> None:
    """A Leitner-layout file (what ssl-kb wrote before FSRS) is shown as it would be migrated, and
    left as it is: progress only reads."""
    question = str(bank("--topic", "masked-predictions")[0]["id"])
    data.mkdir()
    path = data / "history.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE answer (question_id TEXT NOT NULL, answered_at REAL NOT NULL, correct INTEGER NOT NULL,"
        " chosen TEXT NOT NULL);"
        "CREATE TABLE card (question_id TEXT PRIMARY KEY, box INTEGER NOT NULL, last_seen REAL NOT NULL,"
        " right INTEGER NOT NULL, wrong INTEGER NOT NULL, last_correct INTEGER NOT NULL);"
    )
    db.execute("INSERT INTO answer VALUES (?, ?, 0, 'x')", (question, T.timestamp() - 86_400))
    db.execute("INSERT INTO card VALUES (?, 1, ?, 0, 1, 0)", (question, T.timestamp() - 86_400))
    db.commit()
    db.close()
    before = _digest(path)
    report = json.loads(run("progress", *kb_args(), "--format", "json", env=env(data)).stdout)
    assert report["answers"] == 1 and report["overall"]["due_today"] == 1
    assert _digest(path) == before
