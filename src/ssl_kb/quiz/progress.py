"""Progress: what the answer history says about each topic and question kind, and the weakest facets.

Computed from the bank's questions, the review log and the cards (:mod:`ssl_kb.quiz.history`) at a
given ``now``; nothing here reads the clock or the history file. A question about two topics counts
in both; the row for all topics counts it once. Answers to questions the bank no longer has (their
fact was deleted, which retires the id) count only in ``retired``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..design import FACET_BY_KEY
from .kinds import KINDS
from .model import Question
from .schedule import Card, Review

#: A provenance field about a design facet: ``design.target``, ``design.target.rationale``...
FACET_FIELD = re.compile(r"^design\.([a-z_]+)")
WEAKEST = 3  # facets listed as the weakest


@dataclass(frozen=True)
class Tally:
    """Counts over some questions: how many there are, how many were answered (seen), the answers and
    the right ones among them, and how many are due by the end of today and of this week (the next
    seven days, today included; overdue ones count in both)."""

    questions: int = 0
    seen: int = 0
    answers: int = 0
    right: int = 0
    due_today: int = 0
    due_week: int = 0

    @property
    def recall(self) -> float | None:
        """The share of answers that were right (None before the first answer)."""
        return self.right / self.answers if self.answers else None

    def to_dict(self) -> dict[str, Any]:
        recall = self.recall
        return {
            "questions": self.questions,
            "seen": self.seen,
            "answers": self.answers,
            "right": self.right,
            "recall": None if recall is None else round(recall, 4),
            "due_today": self.due_today,
            "due_week": self.due_week,
        }


@dataclass(frozen=True)
class Group:
    """A topic (``topic`` is its id) or all topics (``topic`` is None): its tally and, per kind that
    has questions in it, the kind's tally (in the order of :data:`~ssl_kb.quiz.kinds.KINDS`)."""

    topic: str | None
    title: str
    total: Tally
    kinds: dict[str, Tally] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "title": self.title,
            **self.total.to_dict(),
            "kinds": {k: t.to_dict() for k, t in self.kinds.items()},
        }


@dataclass(frozen=True)
class FacetScore:
    """The answers to questions made from one design facet, and the right ones among them."""

    facet: str
    title: str
    right: int
    answers: int

    def __str__(self) -> str:
        return f"{self.title}: {self.right} of {self.answers} right"

    def to_dict(self) -> dict[str, Any]:
        return {"facet": self.facet, "title": self.title, "right": self.right, "answers": self.answers}


@dataclass(frozen=True)
class Progress:
    now: datetime
    topics: tuple[Group, ...]  # in the KB's topic order
    overall: Group | None  # all topics; None when one topic was asked for
    weakest: tuple[FacetScore, ...]  # facets with a wrong answer, the lowest share right first
    answers: int  # every answer in the history, retired questions' included
    retired: int  # questions answered that the bank no longer has

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "answers": self.answers,
            "retired": self.retired,
            "topics": [g.to_dict() for g in self.topics],
            "overall": self.overall.to_dict() if self.overall else None,
            "weakest": [f.to_dict() for f in self.weakest],
        }


def facets_of(question: Question) -> list[str]:
    """The design facets a question was made from (its provenance fields ``design.<facet>...``)."""
    found = (FACET_FIELD.match(source.field) for source in question.provenance)
    return sorted({m.group(1) for m in found if m})


def _tally(
    questions: Iterable[Question],
    answered: dict[str, list[Review]],
    cards: dict[str, Card],
    ends: list[datetime],
) -> Tally:
    counts = [0] * 6
    for q in questions:
        own = answered.get(q.id, [])
        card = cards.get(q.id)
        counts[0] += 1
        counts[1] += bool(own)
        counts[2] += len(own)
        counts[3] += sum(r.correct for r in own)
        if card is not None:
            counts[4] += card.due < ends[0]
            counts[5] += card.due < ends[1]
    return Tally(*counts)


def _group(
    topic: str | None,
    title: str,
    questions: list[Question],
    answered: dict[str, list[Review]],
    cards: dict[str, Card],
    ends: list[datetime],
) -> Group:
    kinds = {k: [q for q in questions if q.kind == k] for k in KINDS}
    return Group(
        topic,
        title,
        _tally(questions, answered, cards, ends),
        {k: _tally(qs, answered, cards, ends) for k, qs in kinds.items() if qs},
    )


def weakest(
    questions: Iterable[Question], answered: dict[str, list[Review]], n: int = WEAKEST
) -> list[FacetScore]:
    """The ``n`` facets whose questions were answered worst (the lowest share right, then the most
    answers), among those with at least one wrong answer."""
    scores: dict[str, list[int]] = {}
    for q in questions:
        own = answered.get(q.id, [])
        for facet in facets_of(q) if own else ():
            score = scores.setdefault(facet, [0, 0])
            score[0] += sum(r.correct for r in own)
            score[1] += len(own)
    missed = [
        FacetScore(f, FACET_BY_KEY[f].title if f in FACET_BY_KEY else f.replace("_", " "), right, answers)
        for f, (right, answers) in scores.items()
        if right < answers
    ]
    return sorted(missed, key=lambda s: (s.right / s.answers, -s.answers, s.facet))[:n]


def progress(
    questions: list[Question],
    reviews: list[Review],
    cards: dict[str, Card],
    now: datetime,
    topics: list[tuple[str, str]],
    topic: str | None = None,
) -> Progress:
    """Progress at ``now`` over the bank's ``questions``, per topic of ``topics`` ((id, title) pairs,
    in order; only ``topic`` if given) and per kind. "Today" ends at midnight in ``now``'s timezone."""
    if now.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {now.isoformat()}")
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    ends = [midnight + timedelta(days=1), midnight + timedelta(days=7)]
    answered: dict[str, list[Review]] = {}
    for review in reviews:
        answered.setdefault(review.question_id, []).append(review)
    bank = {q.id for q in questions}
    chosen = [(t, title) for t, title in topics if topic is None or t == topic]
    groups = tuple(
        _group(t, title, [q for q in questions if t in q.topics], answered, cards, ends)
        for t, title in chosen
    )
    scope = questions if topic is None else [q for q in questions if topic in q.topics]
    overall = None if topic is not None else _group(None, "All topics", questions, answered, cards, ends)
    return Progress(
        now=now,
        topics=groups,
        overall=overall,
        weakest=tuple(weakest(scope, answered)),
        answers=len(reviews),
        retired=sum(1 for q in answered if q not in bank),
    )
