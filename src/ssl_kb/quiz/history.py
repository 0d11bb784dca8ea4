"""History: answers remembered in a local SQLite file, scheduled by FSRS (:mod:`.schedule`).

The file holds the review log (every answer: question, time, rating, option chosen) and each
question's card (FSRS's state, step, stability, difficulty and due date). Each review is committed
as soon as it is given, with its card, so an interrupted quiz (Ctrl-C) loses nothing already
answered. Nothing here reads the clock: every function that schedules takes ``now``.

Files written before FSRS (an ``answer`` table and Leitner boxes) are migrated when first opened,
in one transaction: every old answer becomes a review (Good if it was right, Again if not, at the
time it was given), and the cards are rebuilt by replaying each question's reviews through the
scheduler in time order. Replaying, rather than converting a box into a stability, gives every card
exactly the state FSRS would have given it had it scheduled those answers from the start, and
keeps every answer in the review log. A file that is not exactly an ssl-kb history, of either
layout, is refused and left as it is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fsrs import Rating, State

from ..errors import HistoryError as HistoryError
from .schedule import Card, Review, from_timestamp, rate, replay, schedule, utc

if TYPE_CHECKING:
    from .model import Question

DATA_ENV = "SSL_KB_DATA_DIR"
VERSION = 2  # PRAGMA user_version of the FSRS layout (the Leitner layout had none: 0)


def default_path(folder: Path | str | None = None) -> Path:
    """``folder/history.sqlite`` (the CLI passes ``$SSL_KB_DATA_DIR``), else in the platform's user
    data directory."""
    if folder:
        return Path(folder) / "history.sqlite"
    from platformdirs import user_data_dir

    return Path(user_data_dir("ssl-kb", appauthor=False)) / "history.sqlite"


SCHEMA = f"""
CREATE TABLE review (
    question_id TEXT NOT NULL, reviewed_at REAL NOT NULL, rating INTEGER NOT NULL, chosen TEXT NOT NULL
);
CREATE TABLE card (
    question_id TEXT PRIMARY KEY, state INTEGER NOT NULL, step INTEGER, stability REAL NOT NULL,
    difficulty REAL NOT NULL, due REAL NOT NULL, last_review REAL NOT NULL
);
PRAGMA user_version = {VERSION};
"""
COLUMNS = {
    "review": ["question_id", "reviewed_at", "rating", "chosen"],
    "card": ["question_id", "state", "step", "stability", "difficulty", "due", "last_review"],
}
#: The layout before FSRS: answers and Leitner boxes (1 to 5); migrated when opened.
LEITNER_COLUMNS = {
    "answer": ["question_id", "answered_at", "correct", "chosen"],
    "card": ["question_id", "box", "last_seen", "right", "wrong", "last_correct"],
}
_CARD = ", ".join(COLUMNS["card"])
_TIME = "typeof({0}) IN ('integer', 'real') AND {0} BETWEEN 0 AND 32503680000"  # 1970 to 3000
# The first row that the scheduler could not use, per table of each layout; it is reported.
BAD_ROWS = {
    "review": f"""
SELECT * FROM review
WHERE NOT (typeof(question_id) = 'text' AND {_TIME.format("reviewed_at")}
    AND typeof(rating) = 'integer' AND rating BETWEEN 1 AND 4 AND typeof(chosen) = 'text')
LIMIT 1""",
    "card": f"""
SELECT {_CARD} FROM card
WHERE NOT (typeof(question_id) = 'text' AND typeof(state) = 'integer'
    AND ((state = 2 AND step IS NULL) OR (state IN (1, 3) AND typeof(step) = 'integer' AND step >= 0))
    AND typeof(stability) IN ('integer', 'real') AND stability BETWEEN 0.001 AND 1e6
    AND typeof(difficulty) IN ('integer', 'real') AND difficulty BETWEEN 1 AND 10
    AND {_TIME.format("due")} AND {_TIME.format("last_review")})
LIMIT 1""",
}
LEITNER_BAD_ROWS = {
    "answer": f"""
SELECT * FROM answer
WHERE NOT (typeof(question_id) = 'text' AND {_TIME.format("answered_at")}
    AND correct IN (0, 1) AND typeof(chosen) = 'text')
LIMIT 1""",
    "card": """
SELECT * FROM card
WHERE typeof(question_id) != 'text' OR typeof(box) != 'integer' OR box NOT BETWEEN 1 AND 5
   OR typeof(last_seen) NOT IN ('integer', 'real') OR typeof(right) != 'integer' OR right < 0
   OR typeof(wrong) != 'integer' OR wrong < 0 OR last_correct NOT IN (0, 1)
LIMIT 1""",
}


def _unusable(path: Path, problem: str, fix: str | None = None) -> HistoryError:
    """The error for a history file that cannot be used: names it, says why and how to fix it."""
    fix = fix or "it was left as it is: move it aside to start a new history, or use another file"
    return HistoryError(f"{path}: {problem}; {fix} (--history FILE, or ${DATA_ENV} for the folder)", path)


class History:
    """The answer history at ``path``; raises :class:`HistoryError` if it is not a usable history.

    ``read_only``: the file must exist; it is opened without writing anything, even to migrate a
    file of the Leitner layout (that is migrated in a copy in memory)."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.read_only = read_only
        if self.path.exists() and not self.path.is_file():
            raise _unusable(self.path, "is a folder, not a history file")
        if read_only and not self.path.exists():
            raise _unusable(self.path, "does not exist", "answer a quiz first, or name another file")
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                problem = f"cannot create its folder ({exc.strerror or exc})"
                raise _unusable(self.path, problem, "choose a writable place") from None
        try:
            where = self.path.resolve().as_uri() + "?mode=ro" if read_only else str(self.path)
            self._db = sqlite3.connect(where, uri=read_only, isolation_level=None)
        except sqlite3.Error as exc:
            raise _unusable(self.path, f"cannot open it ({exc})") from None
        try:
            self._check()
        except BaseException:
            self._db.close()
            raise

    # ------------------------------------------------------------------ opening, checking, migrating

    def _tables(self) -> dict[str, list[str]]:
        try:
            return {
                name: [c[1] for c in self._db.execute(f"PRAGMA table_info({name})")]
                for (name,) in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            }
        except sqlite3.DatabaseError as exc:
            raise _unusable(self.path, f"is not an ssl-kb history (not an SQLite database: {exc})") from None

    def _check(self) -> None:
        """Create the tables in a new file, migrate one of the Leitner layout, and refuse any other
        file that is not exactly a history."""
        tables = self._tables()
        if not tables and self.read_only:  # an empty file: an empty history, in memory
            self._to_memory()
            self._create()
            tables = self._tables()
        if not tables:
            try:
                with self._transaction():
                    if not self._tables():  # another quiz may have started it meanwhile
                        self._create()
            except sqlite3.Error as exc:
                problem = f"cannot start a history there ({exc})"
                raise _unusable(self.path, problem, "choose a writable place") from None
            tables = self._tables()
        if tables == LEITNER_COLUMNS:
            self._rows_usable(LEITNER_BAD_ROWS)
            self._migrate()
            tables = self._tables()
        if tables != COLUMNS:
            found = "; ".join(f"{t}({', '.join(c)})" for t, c in sorted(tables.items())) or "none"
            expected = "; ".join(f"{t}({', '.join(c)})" for t, c in sorted(COLUMNS.items()))
            raise _unusable(self.path, f"is not an ssl-kb history (tables {found}; expected {expected})")
        self._rows_usable(BAD_ROWS)
        if self.read_only:
            return
        try:  # a write lock proves that answers can be saved, without writing anything
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            problem = f"answers cannot be saved there ({exc})"
            raise _unusable(self.path, problem, "make it writable or choose a writable place") from None

    def _rows_usable(self, checks: dict[str, str]) -> None:
        for table, query in checks.items():
            cursor = self._db.execute(query)
            bad = cursor.fetchone()
            if bad is not None:
                names = [d[0] for d in cursor.description]
                fields = ", ".join(f"{k}={v!r}" for k, v in zip(names, bad, strict=True))
                raise _unusable(self.path, f"has a {table} row with values a history cannot have ({fields})")

    def _migrate(self) -> None:
        """Turn a file of the Leitner layout into the FSRS layout, all or nothing (see the module's
        docstring). Read-only: the migration is made in a copy in memory."""
        if self.read_only:
            self._to_memory()
        try:
            with self._transaction():
                if self._tables() != LEITNER_COLUMNS:  # another quiz migrated it meanwhile
                    return
                answers = self._db.execute(
                    "SELECT question_id, answered_at, correct, chosen FROM answer ORDER BY answered_at, rowid"
                ).fetchall()
                self._db.execute("DROP TABLE answer")
                self._db.execute("DROP TABLE card")
                self._create()
                reviews = [Review(q, from_timestamp(t), rate(bool(c)), chosen) for q, t, c, chosen in answers]
                self._insert_reviews(reviews)
                by_question: dict[str, list[Review]] = {}
                for review in reviews:
                    by_question.setdefault(review.question_id, []).append(review)
                for qid, own in by_question.items():
                    card = replay(qid, own)
                    assert card is not None
                    self._put(card)
        except sqlite3.Error as exc:
            problem = f"cannot update it from the Leitner layout to FSRS ({exc})"
            raise _unusable(self.path, problem, "it was left as it is: make it writable") from None

    def _create(self) -> None:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def _to_memory(self) -> None:
        """Go on with a copy of the file in memory (read-only: to migrate or start it there)."""
        copy = sqlite3.connect(":memory:", isolation_level=None)
        self._db.backup(copy)
        self._db.close()
        self._db = copy

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` (the write lock, waiting for another quiz's) ... ``COMMIT``; rolled back
        on any exception, Ctrl-C included."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _insert_reviews(self, reviews: Iterable[Review]) -> None:
        self._db.executemany(
            "INSERT INTO review VALUES (?, ?, ?, ?)",
            [(r.question_id, r.at.timestamp(), int(r.rating), r.chosen) for r in reviews],
        )

    def _put(self, card: Card) -> None:
        self._db.execute(
            f"INSERT OR REPLACE INTO card ({_CARD}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                card.question_id,
                int(card.state),
                card.step,
                card.stability,
                card.difficulty,
                card.due.timestamp(),
                card.last_review.timestamp(),
            ),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading and recording

    @staticmethod
    def _card(row: tuple[str, int, int | None, float, float, float, float]) -> Card:
        qid, state, step, stability, difficulty, due, last = row
        return Card(
            qid,
            State(state),
            step,
            float(stability),
            float(difficulty),
            from_timestamp(due),
            from_timestamp(last),
        )

    def card(self, question_id: str) -> Card | None:
        row = self._db.execute(f"SELECT {_CARD} FROM card WHERE question_id = ?", (question_id,)).fetchone()
        return self._card(row) if row else None

    def cards(self) -> dict[str, Card]:
        """Every card, by question id."""
        rows = self._db.execute(f"SELECT {_CARD} FROM card ORDER BY question_id")
        return {row[0]: self._card(row) for row in rows}

    def reviews(self, question_id: str | None = None) -> list[Review]:
        """The review log (of one question, if given), in the order the answers were given."""
        where, args = ("WHERE question_id = ?", (question_id,)) if question_id is not None else ("", ())
        rows = self._db.execute(
            f"SELECT question_id, reviewed_at, rating, chosen FROM review {where} ORDER BY rowid", args
        )
        return [Review(q, from_timestamp(t), Rating(r), chosen) for q, t, r, chosen in rows]

    def record(self, question_id: str, rating: Rating, chosen: str, now: datetime) -> Card:
        """Remember one answer given at ``now`` and reschedule its question; committed at once."""
        now = utc(now)
        try:
            with self._transaction():  # read and write under one lock: two quizzes may share a file
                card = schedule(question_id, self.card(question_id), rating, now)
                self._insert_reviews([Review(question_id, now, rating, chosen)])
                self._put(card)
        except sqlite3.Error as exc:
            raise _unusable(self.path, f"cannot save the answer ({exc})") from None
        return card

    def due(self, question_ids: Iterable[str], now: datetime) -> list[str]:
        """Those of ``question_ids`` that are due at ``now``, the longest overdue first."""
        now = utc(now)
        cards = self.cards()
        due = [
            (cards[q].due, n, q) for n, q in enumerate(question_ids) if q in cards and cards[q].is_due(now)
        ]
        return [q for *_, q in sorted(due)]

    def unseen(self, question_ids: Iterable[str]) -> list[str]:
        """Those of ``question_ids`` never answered, in the order given."""
        cards = self.cards()
        return [q for q in question_ids if q not in cards]

    def next_due(self, question_ids: Iterable[str]) -> datetime | None:
        """When the first of ``question_ids`` that has a card is due (None if none has)."""
        cards = self.cards()
        return min((cards[q].due for q in question_ids if q in cards), default=None)


@dataclass(frozen=True)
class Session:
    """A review: the due questions (longest overdue first), then new ones."""

    due: list[Question]
    new: list[Question]

    @property
    def questions(self) -> list[Question]:
        return self.due + self.new


def review_session(history: History, pool: list[Question], now: datetime, limit: int, seed: int) -> Session:
    """At most ``limit`` questions of ``pool``: what is due at ``now`` first, then questions never
    answered, spread over kinds and records (:func:`~ssl_kb.quiz.bank.draw`, seeded)."""
    from .bank import draw

    by_id = {q.id: q for q in pool}
    due = [by_id[q] for q in history.due(by_id, now)][:limit]
    unseen = set(history.unseen(by_id))
    room = limit - len(due)
    new = draw([q for q in pool if q.id in unseen], room, seed) if room > 0 else []
    return Session(due, new)
