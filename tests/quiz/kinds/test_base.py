"""Base: assembling a question (deterministic shuffle, duplicates refused), picking distractors, numbers."""

from __future__ import annotations

import pytest

from ssl_kb.quiz.kinds.base import N_OPTIONS, fmt_number, make, option_id, pick, title
from ssl_kb.quiz.model import Source, question_id

from .conftest import rng


def build(answer: str = "a", distractors: list[str] | None = None, **kwargs):
    return make(
        "year",
        {"record": "mae", "year": 2021},
        "prompt?",
        answer,
        ["b", "c", "d"] if distractors is None else distractors,
        rng,
        explanation="because",
        topics=kwargs.pop("topics", ["t2", "t1", "t2"]),
        difficulty=kwargs.pop("difficulty", 0.5),
        provenance=[Source("mae", "paper.year")],
        links=kwargs.pop("links", ["mae", "vit", "mae"]),
        **kwargs,
    )


def test_make_shuffles_by_id_and_keeps_the_key() -> None:
    q = build()
    assert q is not None and q.id == question_id("year", {"record": "mae", "year": 2021})
    assert sorted(q.options) == ["a", "b", "c", "d"] and q.answer_text == "a"
    assert build() == q  # the shuffle is seeded by the id
    kept = build(keep_order=True)
    assert kept is not None and kept.options == ("a", "b", "c", "d") and kept.answer == 0


def test_make_normalises_topics_links_and_difficulty() -> None:
    q = build(difficulty=2.0)
    assert q is not None
    assert q.topics == ("t1", "t2") and q.links == ("mae", "vit") and q.difficulty == 0.95
    low = build(difficulty=-1)
    assert low is not None and low.difficulty == 0.05


@pytest.mark.parametrize("distractors", [["a", "b"], ["b", "b"], []])
def test_make_refuses_duplicates_and_a_lone_option(distractors: list[str]) -> None:
    assert build(distractors=distractors) is None


def test_key_position_is_spread_over_many_questions() -> None:
    positions = set()
    for year in range(1990, 2030):
        q = make(
            "year",
            {"record": "x", "year": year},
            "?",
            "a",
            ["b", "c", "d"],
            rng,
            explanation="",
            topics=[],
            difficulty=0.5,
            provenance=[],
            links=[],
        )
        assert q is not None
        positions.add(q.answer)
    assert positions == set(range(N_OPTIONS))


def test_pick_prefers_neighbouring_topics_and_is_deterministic(model) -> None:
    import random

    pool = [p for p in model.work_ids() if p != "mae"] + ["imagenet-1k", "top-1-accuracy"]  # no topics: far
    near = model.neighbourhood("mae")
    chosen = pick(model, "mae", pool, 3, random.Random(1))
    assert chosen == pick(model, "mae", pool, 3, random.Random(1))
    assert len(chosen) == len(set(chosen)) == 3 and set(chosen) <= set(pool)
    close = {p for p in pool if near & set(model.topics_of(p))}
    assert close and close != set(pool)  # the fixture has near and far candidates
    everyone = pick(model, "mae", pool, len(pool), random.Random(1))
    assert sorted(everyone) == sorted(pool)
    assert set(everyone[: len(close)]) == close  # every near one before any far one


def test_option_id_and_title(model, records: dict) -> None:
    assert option_id(model, "MAE") == "mae" and option_id(model, "Nothing") is None
    assert title(model, "mae") == f"\u201c{records['mae'].paper.title}\u201d"
    assert title(model, "masked-prediction") == records["masked-prediction"].name


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.75, None, "0.75"),
        (77.0, "%", "77.0%"),
        (70.55, "%", "70.55%"),
        (2.0, None, "2"),
        (0.5, None, "0.5"),
        (4096, None, "4096"),
        (1e-4, None, "0.0001"),
        (True, None, "true"),
        (False, "x", "false"),  # a flag has no unit
        (300, "epochs", "300 epochs"),
        ("cosine", None, "cosine"),
    ],
)
def test_fmt_number(value: object, unit: str | None, text: str) -> None:
    assert fmt_number(value, unit) == text
