"""Answer history and Leitner scheduling."""

from __future__ import annotations

from pathlib import Path

from ssl_kb.quiz.history import DAY, History


def test_answers_move_cards_between_boxes(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        assert h.record("q1", True, "a", now=0).box == 2
        assert h.record("q1", True, "a", now=DAY).box == 3
        card = h.record("q1", False, "b", now=2 * DAY)
        assert (card.box, card.right, card.wrong, card.last_correct) == (1, 2, 1, False)


def test_review_puts_missed_then_due_first_and_skips_not_due(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        h.record("missed", False, "x", now=0)
        h.record("due", True, "x", now=0)  # box 2: due after one day
        h.record("fresh", True, "x", now=0)
        h.record("fresh", True, "x", now=1.5 * DAY)  # box 3: not due before 4.5 days
        order = h.review_order(["new", "fresh", "due", "missed"], now=2 * DAY)
    assert order == ["missed", "due", "new"]


def test_history_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with History(path) as h:
        h.record("q", True, "a", now=0)
    with History(path) as h:
        card = h.card("q")
    assert card is not None and card.right == 1
