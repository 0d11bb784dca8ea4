"""FSRS scheduling of the quiz's answers: ratings, intervals, replay."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fsrs import Rating, State

from ssl_kb.quiz.schedule import SCHEDULER, Review, rate, replay, schedule

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_a_wrong_answer_is_again_whatever_its_mark() -> None:
    assert [rate(False, m) for m in ("", "+", "-")] == [Rating.Again] * 3
    assert [rate(True, m) for m in ("", "+", "-")] == [Rating.Good, Rating.Easy, Rating.Hard]


def test_a_right_answer_pushes_the_due_date_out_and_a_wrong_one_brings_it_to_now() -> None:
    right = schedule("q", None, Rating.Good, NOW)
    wrong = schedule("q", None, Rating.Again, NOW)
    assert right.due - NOW >= timedelta(days=1) and right.state is State.Review
    assert NOW < wrong.due <= NOW + timedelta(minutes=10) and wrong.state is State.Learning
    # a card that was known, then missed, is due again within minutes (relearning), not in days
    later = schedule("q", right, Rating.Good, right.due)
    assert later.due - right.due > right.due - NOW  # a second right answer: a longer interval
    lapse = schedule("q", later, Rating.Again, later.due)
    assert lapse.state is State.Relearning and lapse.due <= later.due + timedelta(minutes=10)


def test_easy_is_longer_than_good_longer_than_hard() -> None:
    first = {r: schedule("q", None, r, NOW).due - NOW for r in (Rating.Hard, Rating.Good, Rating.Easy)}
    assert first[Rating.Easy] > first[Rating.Good] > first[Rating.Hard]
    known = schedule("q", None, Rating.Good, NOW)
    then = {
        r: schedule("q", known, r, known.due).due - known.due for r in (Rating.Hard, Rating.Good, Rating.Easy)
    }
    assert then[Rating.Easy] > then[Rating.Good] > then[Rating.Hard] >= timedelta(days=1)


def test_the_cards_are_fsrs_s_own() -> None:
    """The default FSRS-6 parameters give a first Good answer the initial stability w[2] and
    difficulty D0(Good) = w[4] - e^(2 w[5]) + 1, and an interval of that many days (retention 0.9)."""
    w = SCHEDULER.parameters
    card = schedule("q", None, Rating.Good, NOW)
    assert card.stability == pytest.approx(w[2]) and card.difficulty == pytest.approx(
        w[4] - math.e ** (2 * w[5]) + 1
    )
    assert card.due == NOW + timedelta(days=round(w[2]))
    assert SCHEDULER.desired_retention == 0.9 and not SCHEDULER.enable_fuzzing


def test_replay_follows_the_reviews_in_time_order() -> None:
    times = [NOW, NOW + timedelta(days=1), NOW + timedelta(days=4)]
    ratings = [Rating.Again, Rating.Good, Rating.Easy]
    reviews = [Review("q", t, r, "x") for t, r in zip(times, ratings, strict=True)]
    by_hand = None
    for t, r in zip(times, ratings, strict=True):
        by_hand = schedule("q", by_hand, r, t)
    assert replay("q", reversed(reviews)) == by_hand
    assert replay("q", []) is None


def test_time_must_say_its_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule("q", None, Rating.Good, datetime(2025, 3, 1, 9))
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert schedule("q", None, Rating.Good, paris) == schedule("q", None, Rating.Good, NOW)
