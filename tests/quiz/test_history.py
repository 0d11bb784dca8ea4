"""Answer history: reviews and FSRS cards in SQLite, review sessions, and the migration of files
written with the Leitner layout."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Rating, State

from ssl_kb.quiz import history as history_module
from ssl_kb.quiz.history import History, HistoryError, review_session
from ssl_kb.quiz.model import Question, Source
from ssl_kb.quiz.schedule import Review, replay, schedule

DAY = timedelta(days=1)
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_an_answer_is_a_review_and_a_card(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        card = h.record("q1", Rating.Good, "a", T0)
        assert card == schedule("q1", None, Rating.Good, T0) == h.card("q1")
        h.record("q1", Rating.Again, "b", T0 + 2 * DAY)
        assert h.reviews() == [
            Review("q1", T0, Rating.Good, "a"),
            Review("q1", T0 + 2 * DAY, Rating.Again, "b"),
        ]
        assert h.card("q1") == replay("q1", h.reviews())
        assert h.card("q1").state is State.Relearning and h.card("nothing") is None


def test_history_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History(path) as h:
        h.record("q", Rating.Easy, "a", T0)
    with History(path) as h:
        assert h.reviews("q") == [Review("q", T0, Rating.Easy, "a")] and h.card("q") is not None
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone() == (2,)
    db.close()


def test_due_puts_the_longest_overdue_first_and_skips_what_is_not_due(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        h.record("missed", Rating.Again, "x", T0 + DAY)  # due a minute later
        h.record("known", Rating.Good, "x", T0)  # due two days later
        h.record("easy", Rating.Easy, "x", T0)  # due eight days later
        ids = ["new", "easy", "known", "missed"]
        # due one day and a minute after T0, then two days after it
        assert h.due(ids, T0 + 3 * DAY) == ["missed", "known"]
        assert h.due(ids, T0 + DAY) == []
        assert h.unseen(ids) == ["new"]
        assert h.next_due(["easy", "new"]) == T0 + 8 * DAY


def test_two_quizzes_on_one_file_schedule_from_each_other_s_answers(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History(path) as first, History(path) as second:
        first.record("q", Rating.Good, "a", T0)
        card = second.record("q", Rating.Good, "a", T0 + 2 * DAY)  # reads the card under its write lock
        assert card == replay("q", first.reviews()) and len(second.reviews()) == 2


def _question(qid: str, kind: str = "mechanism") -> Question:
    return Question(qid, kind, "?", ("a", "b"), 0, "because", ("t",), 0.5, (Source("r", "design.target"),))


def test_a_review_session_asks_what_is_due_first_then_new_ones_up_to_the_limit(tmp_path: Path) -> None:
    pool = [_question(f"q{i}", "mechanism" if i % 2 else "contrast") for i in range(8)]
    with History(tmp_path / "h.sqlite") as h:
        h.record("q5", Rating.Again, "b", T0)
        h.record("q2", Rating.Again, "b", T0 - DAY)
        h.record("q7", Rating.Easy, "a", T0)  # not due
        now = T0 + DAY
        session = review_session(h, pool, now, limit=4, seed=1)
        assert [q.id for q in session.due] == ["q2", "q5"]
        assert len(session.new) == 2 and not {q.id for q in session.new} & {"q2", "q5", "q7"}
        assert session.questions == session.due + session.new
        assert [q.id for q in review_session(h, pool, now, limit=1, seed=1).questions] == ["q2"]
        everything = review_session(h, pool, now, limit=100, seed=1).questions
        assert sorted(q.id for q in everything) == [f"q{i}" for i in range(7)]  # all but q7
        assert review_session(h, pool, now, limit=4, seed=1) == session  # seeded


# ---------------------------------------------------------------------------- the Leitner layout

LEITNER = """
CREATE TABLE answer (
    question_id TEXT NOT NULL, answered_at REAL NOT NULL, correct INTEGER NOT NULL, chosen TEXT NOT NULL
);
CREATE TABLE card (
    question_id TEXT PRIMARY KEY, box INTEGER NOT NULL, last_seen REAL NOT NULL,
    right INTEGER NOT NULL, wrong INTEGER NOT NULL, last_correct INTEGER NOT NULL
);
"""  # what ssl-kb wrote before FSRS, spelled out: the test must not depend on the code it checks
OLD_ANSWERS = [  # (question, seconds after T0, correct, chosen), written out of time order
    ("q-twice-right", 2 * 86_400.0, 1, "mask 75%"),
    ("q-twice-right", 0.0, 1, "mask 75%"),
    ("q-missed-last", 3_600.0, 1, "stop-gradient"),
    ("q-missed-last", 5 * 86_400.0, 0, "a memory queue"),
    ("q-once-wrong", 60.0, 0, "pixels"),
    ("q-twice-right", 2 * 86_400.0, 1, "mask 75%"),  # the same second twice: both are kept
]
OLD_CARDS = [  # what the Leitner code derived from them
    ("q-twice-right", 4, T0.timestamp() + 2 * 86_400, 3, 0, 1),
    ("q-missed-last", 1, T0.timestamp() + 5 * 86_400, 1, 1, 0),
    ("q-once-wrong", 1, T0.timestamp() + 60, 0, 1, 0),
]


def leitner_file(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript(LEITNER)
    db.executemany(
        "INSERT INTO answer VALUES (?, ?, ?, ?)",
        [(q, T0.timestamp() + t, c, x) for q, t, c, x in OLD_ANSWERS],
    )
    db.executemany("INSERT INTO card VALUES (?, ?, ?, ?, ?, ?)", OLD_CARDS)
    db.commit()
    db.close()
    return path


def expected_reviews() -> list[Review]:
    """Every old answer as a review, in time order (ties in the order they were written)."""
    order = sorted(range(len(OLD_ANSWERS)), key=lambda i: (OLD_ANSWERS[i][1], i))
    return [
        Review(q, T0 + timedelta(seconds=t), Rating.Good if c else Rating.Again, x)
        for q, t, c, x in (OLD_ANSWERS[i] for i in order)
    ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_leitner_history_is_migrated_without_losing_an_answer(tmp_path: Path) -> None:
    path = leitner_file(tmp_path / "old.sqlite")
    with History(path) as h:
        reviews, cards = h.reviews(), h.cards()
    assert reviews == expected_reviews()  # every answer, its time, its choice; right = Good, wrong = Again
    assert len(reviews) == len(OLD_ANSWERS)
    by_question = {q: [r for r in reviews if r.question_id == q] for q, *_ in OLD_CARDS}
    assert cards == {q: replay(q, own) for q, own in by_question.items()}  # replayed through FSRS
    assert cards["q-once-wrong"].state is State.Learning and cards["q-missed-last"].state is State.Relearning
    later = T0 + 6 * DAY
    with History(path) as h:  # a second opening finds the new layout and changes nothing
        assert h.reviews() == reviews
        assert h.due(["q-twice-right", "q-missed-last", "q-once-wrong"], later) == [
            "q-once-wrong",
            "q-missed-last",
        ]
        h.record("q-once-wrong", Rating.Good, "pixels", later)
        assert len(h.reviews()) == len(OLD_ANSWERS) + 1
    db = sqlite3.connect(path)
    tables = sorted(n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    assert tables == ["card", "review"] and db.execute("PRAGMA user_version").fetchone() == (2,)
    db.close()


def test_a_migration_that_fails_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = leitner_file(tmp_path / "old.sqlite")
    before = digest(path)

    def broken(question_id: str, reviews: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C halfway through: after the old tables were dropped

    monkeypatch.setattr(history_module, "replay", broken)
    with pytest.raises(KeyboardInterrupt):
        History(path)
    assert digest(path) == before
    monkeypatch.undo()
    with History(path) as h:
        assert h.reviews() == expected_reviews()


def test_reading_a_leitner_history_read_only_migrates_a_copy(tmp_path: Path) -> None:
    path = leitner_file(tmp_path / "old.sqlite")
    before = digest(path)
    with History(path, read_only=True) as h:
        assert h.reviews() == expected_reviews() and len(h.cards()) == 3
    assert digest(path) == before


def test_read_only_needs_a_file_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="does not exist"):
        History(tmp_path / "none.sqlite", read_only=True)
    assert not (tmp_path / "none.sqlite").exists()
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with History(empty, read_only=True) as h:
        assert h.reviews() == [] and h.cards() == {}
    assert empty.stat().st_size == 0


def test_a_bad_old_answer_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = leitner_file(tmp_path / "old.sqlite")
    db = sqlite3.connect(path)
    db.execute("INSERT INTO answer VALUES ('q', 'yesterday', 1, 'a')")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(HistoryError, match="answer row with values a history cannot have"):
        History(path)
    assert digest(path) == before
