"""Progress from a scripted history: counts per topic and kind, due today and this week, weakest facets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fsrs import Rating, State

from ssl_kb.quiz.model import Question, Source
from ssl_kb.quiz.progress import Tally, facets_of, progress
from ssl_kb.quiz.schedule import Card, Review

NOW = datetime(2025, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TOPICS = [("t1", "Topic one"), ("t2", "Topic two")]


def question(qid: str, kind: str, topics: tuple[str, ...], *fields: str) -> Question:
    sources = tuple(Source("r", f) for f in fields)
    return Question(qid, kind, "?", ("a", "b"), 0, "because", topics, 0.5, sources)


QUESTIONS = [
    question("q1", "mechanism", ("t1",), "design.target"),
    question("q2", "contrast", ("t1", "t2"), "design.target", "design.target"),
    question("q3", "why", ("t2",), "design.objective.rationale"),
    question("q4", "year", ("t1",), "paper.year"),
    question("q5", "mechanism", ("t2",), "design.encoder"),  # never answered
]


def review(qid: str, days: float, right: bool) -> Review:
    return Review(qid, NOW - timedelta(days=days), Rating.Good if right else Rating.Again, "a")


REVIEWS = [
    review("q1", 1, False),
    review("q1", 0.1, True),
    review("q2", 1, True),
    review("q3", 1, False),
    review("q3", 0.5, False),
    review("q4", 2, True),
    review("gone", 3, True),  # a question the bank no longer has
]


def card(qid: str, due: datetime) -> Card:
    return Card(qid, State.Review, None, 2.0, 5.0, due, NOW - DAY)


CARDS = {
    "q1": card("q1", NOW - timedelta(hours=2)),  # overdue: due today and this week
    "q2": card("q2", NOW + 2 * DAY),  # this week
    "q3": card("q3", NOW.replace(hour=23)),  # later today
    "q4": card("q4", NOW + 30 * DAY),  # neither
    "gone": card("gone", NOW - DAY),  # not in the bank: counted nowhere but in retired
}


def test_counts_per_topic_kind_and_overall() -> None:
    report = progress(QUESTIONS, REVIEWS, CARDS, NOW, TOPICS)
    t1, t2 = report.topics
    assert (t1.topic, t1.title, t2.topic) == ("t1", "Topic one", "t2")
    assert t1.total == Tally(questions=3, seen=3, answers=4, right=3, due_today=1, due_week=2)
    assert t2.total == Tally(questions=3, seen=2, answers=3, right=1, due_today=1, due_week=2)
    assert list(t1.kinds) == ["mechanism", "contrast", "year"]  # the order of KINDS
    assert t1.kinds["mechanism"] == Tally(1, 1, 2, 1, 1, 1)
    assert t2.kinds["mechanism"] == Tally(1, 0, 0, 0, 0, 0)
    assert report.overall is not None
    assert report.overall.total == Tally(questions=5, seen=4, answers=6, right=3, due_today=2, due_week=3)
    assert report.overall.total.recall == 0.5 and t2.kinds["mechanism"].recall is None
    assert (report.answers, report.retired) == (7, 1)


def test_the_weakest_facets_come_from_design_provenance() -> None:
    assert facets_of(QUESTIONS[1]) == ["target"] and facets_of(QUESTIONS[2]) == ["objective"]
    assert facets_of(QUESTIONS[3]) == []
    report = progress(QUESTIONS, REVIEWS, CARDS, NOW, TOPICS)
    assert [str(f) for f in report.weakest] == ["Objective: 0 of 2 right", "Prediction target: 2 of 3 right"]
    only_t1 = progress(QUESTIONS, REVIEWS, CARDS, NOW, TOPICS, topic="t1")
    assert [g.topic for g in only_t1.topics] == ["t1"] and only_t1.overall is None
    assert [str(f) for f in only_t1.weakest] == ["Prediction target: 2 of 3 right"]
    all_right = [r for r in REVIEWS if r.correct]
    assert progress(QUESTIONS, all_right, CARDS, NOW, TOPICS).weakest == ()  # nothing missed: none is weak


def test_today_ends_at_midnight_where_the_user_is() -> None:
    due = datetime(2025, 3, 2, 22, 30, tzinfo=UTC)
    cards = {"q1": card("q1", due)}
    utc = progress(QUESTIONS, REVIEWS, cards, datetime(2025, 3, 2, 21, 0, tzinfo=UTC), TOPICS)
    east = datetime(2025, 3, 2, 23, 0, tzinfo=timezone(timedelta(hours=2)))  # the same instant, UTC+2
    local = progress(QUESTIONS, REVIEWS, cards, east, TOPICS)
    assert utc.topics[0].total.due_today == 1  # 22:30 UTC is still the 2nd in UTC
    assert local.topics[0].total.due_today == 0 and local.topics[0].total.due_week == 1  # 00:30 on the 3rd
    with pytest.raises(ValueError, match="timezone-aware"):
        progress(QUESTIONS, REVIEWS, cards, datetime(2025, 3, 2), TOPICS)


def test_an_empty_history_is_all_zeros_and_serialises() -> None:
    report = progress(QUESTIONS, [], {}, NOW, TOPICS)
    assert report.answers == 0 and report.weakest == ()
    data = report.to_dict()
    assert data["overall"]["questions"] == 5 and data["overall"]["recall"] is None
    assert data["topics"][0]["kinds"]["year"] == {
        "questions": 1,
        "seen": 0,
        "answers": 0,
        "right": 0,
        "recall": None,
        "due_today": 0,
        "due_week": 0,
    }
    assert data["now"] == "2025-03-02T10:00:00+00:00"
