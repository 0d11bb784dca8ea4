"""Schedule: FSRS (py-fsrs, the algorithm Anki uses) on the quiz's answers, with nothing stored.

Every answer is a review with a rating: a wrong answer is Again; a right one is Good, or Easy or
Hard when the user says so (:func:`rate`). A question's :class:`Card` is FSRS's memory state of it
(state, learning step, stability, difficulty, due date), the result of its reviews in time order
(:func:`replay`). Nothing here reads the clock: every function takes ``now``, a timezone-aware
datetime, so that tests and demos can simulate days. :mod:`ssl_kb.quiz.history` stores both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

#: The scheduler: py-fsrs's default parameters and desired retention (0.9), with one learning
#: step (a wrong answer is due again a minute later) and one relearning step (ten minutes). A quiz
#: asks a question once per session, so py-fsrs's second learning step (ten minutes) would only
#: make a right answer due again the same day; with one step the first right answer graduates to
#: days (Good: 2, Easy: 8). No fuzzing: py-fsrs draws the fuzz from the global random generator,
#: and the same answers must give the same schedule.
SCHEDULER = Scheduler(
    learning_steps=(timedelta(minutes=1),), relearning_steps=(timedelta(minutes=10),), enable_fuzzing=False
)
#: The mark after an answer that says how it went ("b+" was easy, "b-" was hard); none is Good.
MARKS = {"": Rating.Good, "+": Rating.Easy, "-": Rating.Hard}


def rate(correct: bool, mark: str = "") -> Rating:
    """The review's rating: Again for a wrong answer (whatever its mark), else Good, Easy (``+``)
    or Hard (``-``)."""
    return MARKS[mark] if correct else Rating.Again


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC, as py-fsrs requires; a naive datetime is a bug in the caller."""
    if moment.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment.isoformat()}")
    return moment.astimezone(UTC)


def from_timestamp(seconds: float) -> datetime:
    """The UTC time ``seconds`` after the epoch (how the history stores times)."""
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class Card:
    """A question's place in the schedule (FSRS's memory state)."""

    question_id: str
    state: State  # Learning, Review or Relearning
    step: int | None  # the learning or relearning step; None in Review
    stability: float  # days until recall falls to 90%
    difficulty: float  # 1 (easy) .. 10 (hard)
    due: datetime
    last_review: datetime

    def is_due(self, now: datetime) -> bool:
        return self.due <= now

    def to_fsrs(self) -> FsrsCard:
        return FsrsCard(0, self.state, self.step, self.stability, self.difficulty, self.due, self.last_review)

    @classmethod
    def of(cls, question_id: str, card: FsrsCard) -> Card:
        assert card.stability is not None and card.difficulty is not None and card.last_review is not None
        return cls(
            question_id, card.state, card.step, card.stability, card.difficulty, card.due, card.last_review
        )


@dataclass(frozen=True)
class Review:
    """One answer: which question, when, its rating and the option chosen."""

    question_id: str
    at: datetime
    rating: Rating
    chosen: str

    @property
    def correct(self) -> bool:
        return self.rating != Rating.Again


def schedule(question_id: str, card: Card | None, rating: Rating, now: datetime) -> Card:
    """The card after one review at ``now`` (a new card if ``card`` is None)."""
    now = utc(now)
    before = card.to_fsrs() if card is not None else FsrsCard(0, due=now)
    after, _ = SCHEDULER.review_card(before, rating, now)
    return Card.of(question_id, after)


def replay(question_id: str, reviews: Iterable[Review]) -> Card | None:
    """The card that ``reviews`` give, replayed in time order (None without any)."""
    card = None
    for review in sorted(reviews, key=lambda r: r.at):
        card = schedule(question_id, card, review.rating, review.at)
    return card
