"""History: answers remembered in a local SQLite file, scheduled by Leitner boxes.

Each answer is committed as soon as it is given, so an interrupted quiz (Ctrl-C) loses nothing
already answered. A right answer moves a question up one box, a wrong one back to box 1; a
question is due when the interval of its box has passed since it was last answered.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import HistoryError as HistoryError

DATA_ENV = "SSL_KB_DATA_DIR"
INTERVALS_DAYS = {1: 0.0, 2: 1.0, 3: 3.0, 4: 7.0, 5: 21.0}
DAY = 86_400.0


def default_path(folder: Path | str | None = None) -> Path:
    """``folder/history.sqlite`` (the CLI passes ``$SSL_KB_DATA_DIR``), else in the platform's user
    data directory."""
    if folder:
        return Path(folder) / "history.sqlite"
    from platformdirs import user_data_dir

    return Path(user_data_dir("ssl-kb", appauthor=False)) / "history.sqlite"


@dataclass(frozen=True)
class Card:
    question_id: str
    box: int
    last_seen: float
    right: int
    wrong: int
    last_correct: bool

    def due(self, now: float) -> bool:
        return now - self.last_seen >= INTERVALS_DAYS[self.box] * DAY


SCHEMA = """
CREATE TABLE answer (
    question_id TEXT NOT NULL, answered_at REAL NOT NULL, correct INTEGER NOT NULL, chosen TEXT NOT NULL
);
CREATE TABLE card (
    question_id TEXT PRIMARY KEY, box INTEGER NOT NULL, last_seen REAL NOT NULL,
    right INTEGER NOT NULL, wrong INTEGER NOT NULL, last_correct INTEGER NOT NULL
);
"""
COLUMNS = {
    "answer": ["question_id", "answered_at", "correct", "chosen"],
    "card": ["question_id", "box", "last_seen", "right", "wrong", "last_correct"],
}
# A card row that the scheduler can use; the first row that is not is reported.
BAD_CARD = """
SELECT question_id, box, last_seen, right, wrong, last_correct FROM card
WHERE typeof(question_id) != 'text' OR typeof(box) != 'integer' OR box NOT BETWEEN 1 AND 5
   OR typeof(last_seen) NOT IN ('integer', 'real') OR typeof(right) != 'integer' OR right < 0
   OR typeof(wrong) != 'integer' OR wrong < 0 OR last_correct NOT IN (0, 1)
LIMIT 1
"""


def _unusable(path: Path, problem: str, fix: str | None = None) -> HistoryError:
    """The error for a history file that cannot be used: names it, says why and how to fix it."""
    fix = fix or "it was left as it is: move it aside to start a new history, or use another file"
    return HistoryError(f"{path}: {problem}; {fix} (--history FILE, or ${DATA_ENV} for the folder)", path)


class History:
    """The answer history at ``path``; raises :class:`HistoryError` if it is not a usable history."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        if self.path.exists() and not self.path.is_file():
            raise _unusable(self.path, "is a folder, not a history file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = f"cannot create its folder ({exc.strerror or exc})"
            raise _unusable(self.path, problem, "choose a writable place") from None
        try:
            self._db = sqlite3.connect(self.path)
        except sqlite3.Error as exc:
            raise _unusable(self.path, f"cannot open it ({exc})") from None
        try:
            self._check()
        except BaseException:
            self._db.close()
            raise

    def _check(self) -> None:
        """Create the tables in a new file; refuse any other file that is not exactly a history."""
        try:
            tables = {
                name: [c[1] for c in self._db.execute(f"PRAGMA table_info({name})")]
                for (name,) in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            }
        except sqlite3.DatabaseError as exc:
            raise _unusable(self.path, f"is not an ssl-kb history (not an SQLite database: {exc})") from None
        if not tables:
            try:
                self._db.executescript("BEGIN;" + SCHEMA + "COMMIT;")
            except sqlite3.Error as exc:
                problem = f"cannot start a history there ({exc})"
                raise _unusable(self.path, problem, "choose a writable place") from None
            return
        if tables != COLUMNS:
            found = "; ".join(f"{t}({', '.join(c)})" for t, c in sorted(tables.items()))
            expected = "; ".join(f"{t}({', '.join(c)})" for t, c in sorted(COLUMNS.items()))
            raise _unusable(self.path, f"is not an ssl-kb history (tables {found}; expected {expected})")
        bad = self._db.execute(BAD_CARD).fetchone()
        if bad is not None:
            fields = ", ".join(f"{k}={v!r}" for k, v in zip(COLUMNS["card"], bad, strict=True))
            raise _unusable(
                self.path, f"has a card with values a history cannot have ({fields}; box is 1 to 5)"
            )
        try:  # a write lock proves that answers can be saved, without writing anything
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            problem = f"answers cannot be saved there ({exc})"
            raise _unusable(self.path, problem, "make it writable or choose a writable place") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def card(self, question_id: str) -> Card | None:
        row = self._db.execute(
            "SELECT question_id, box, last_seen, right, wrong, last_correct FROM card WHERE question_id = ?",
            (question_id,),
        ).fetchone()
        return Card(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None

    def record(self, question_id: str, correct: bool, chosen: str, now: float | None = None) -> Card:
        """Remember one answer and move the question between boxes; committed immediately."""
        now = time.time() if now is None else now
        old = self.card(question_id)
        if old is None:
            box, right, wrong = (2 if correct else 1), int(correct), int(not correct)
        else:
            box = min(old.box + 1, 5) if correct else 1
            right, wrong = old.right + int(correct), old.wrong + int(not correct)
        try:
            with self._db:
                self._db.execute(
                    "INSERT INTO answer VALUES (?, ?, ?, ?)", (question_id, now, int(correct), chosen)
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO card VALUES (?, ?, ?, ?, ?, ?)",
                    (question_id, box, now, right, wrong, int(correct)),
                )
        except sqlite3.Error as exc:
            raise _unusable(self.path, f"cannot save the answer ({exc})") from None
        return Card(question_id, box, now, right, wrong, correct)

    def review_order(self, question_ids: list[str], now: float | None = None) -> list[str]:
        """Questions for a review: missed and due ones first (lowest box first), then new ones;
        questions not yet due are left out."""
        now = time.time() if now is None else now
        missed, due, new = [], [], []
        for qid in question_ids:
            card = self.card(qid)
            if card is None:
                new.append(qid)
            elif not card.last_correct:
                missed.append((card.box, card.last_seen, qid))
            elif card.due(now):
                due.append((card.box, card.last_seen, qid))
        return [q for *_, q in sorted(missed)] + [q for *_, q in sorted(due)] + new
