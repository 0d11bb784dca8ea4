"""History: answers remembered in a local SQLite file, scheduled by Leitner boxes.

Each answer is committed as soon as it is given, so an interrupted quiz (Ctrl-C) loses nothing
already answered. A right answer moves a question up one box, a wrong one back to box 1; a
question is due when the interval of its box has passed since it was last answered.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "SSL_KB_DATA_DIR"
INTERVALS_DAYS = {1: 0.0, 2: 1.0, 3: 3.0, 4: 7.0, 5: 21.0}
DAY = 86_400.0


def default_path() -> Path:
    """``$SSL_KB_DATA_DIR/history.sqlite``, else the platform's user data directory."""
    folder = os.environ.get(DATA_ENV)
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


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS answer (
                question_id TEXT NOT NULL, answered_at REAL NOT NULL, correct INTEGER NOT NULL, chosen TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS card (
                question_id TEXT PRIMARY KEY, box INTEGER NOT NULL, last_seen REAL NOT NULL,
                right INTEGER NOT NULL, wrong INTEGER NOT NULL, last_correct INTEGER NOT NULL
            );
            """
        )
        self._db.commit()

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
        with self._db:
            self._db.execute(
                "INSERT INTO answer VALUES (?, ?, ?, ?)", (question_id, now, int(correct), chosen)
            )
            self._db.execute(
                "INSERT OR REPLACE INTO card VALUES (?, ?, ?, ?, ?, ?)",
                (question_id, box, now, right, wrong, int(correct)),
            )
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
