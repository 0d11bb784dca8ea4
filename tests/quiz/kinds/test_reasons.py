"""Why and what-if questions, checked against the rationales and ablations of the real KB."""

from __future__ import annotations

import random
import re

import pytest

from ssl_kb.quiz.kinds import KINDS
from ssl_kb.quiz.kinds.base import homogeneous
from ssl_kb.quiz.kinds.reasons import CLEAR, MARGIN, SAME, _bucket

from .real import real_model


def rng(key: str) -> random.Random:
    return random.Random(f"0|{key}")


def test_why_keys_the_authors_rationale_and_draws_distractors_from_misconceptions_first() -> None:
    model = real_model()
    why = list(KINDS["why"].generate(model, rng))
    assert len(why) >= 10
    for q in why:
        design = model.design(q.basis["record"])
        assert design is not None
        block = getattr(design, q.basis["facet"])
        assert block.rationale and q.answer_text.rstrip(".").lower() == block.rationale.rstrip(".").lower()
        wrong = {m.rstrip(".").lower() for m in block.misconceptions}
        others = {
            (getattr(model.design(r), q.basis["facet"]).rationale or "").rstrip(".").lower()
            for r in model.ids("method")
            if r != q.basis["record"] and model.design(r) is not None
        }
        for i, option in enumerate(q.options):
            if i != q.answer:
                assert option.rstrip(".").lower() in wrong | others, option
        assert homogeneous(list(q.options)), q.id


@pytest.mark.parametrize(
    ("delta", "bucket"),
    [(0.0, 2), (0.2, 2), (-0.2, 2), (0.5, 1), (-1.0, 3), (2.5, 0), (-7.0, 4), (SAME, None), (-CLEAR, None)],
)
def test_effect_buckets(delta: float, bucket: int | None) -> None:
    assert _bucket(delta) == bucket
    assert _bucket(delta + MARGIN / 2) in (bucket, None)


def test_what_if_asks_the_direction_and_size_never_the_number() -> None:
    model = real_model()
    what_if = list(KINDS["what-if"].generate(model, rng))
    assert len(what_if) >= 20
    seen: set[tuple[str, str, str]] = set()
    for q in what_if:
        ablation = next(a for a in model.ablations(q.basis["record"]) if a.id == q.basis["ablation"])
        values = {p.setting: p.value for p in ablation.points}
        delta = values[q.basis["setting"]] - values[ablation.chosen]
        if ablation.unit == "ratio":
            delta *= 100
        expected = "Higher" if delta >= SAME else "Lower" if delta <= -SAME else "About the same"
        assert q.answer_text.startswith(expected), (q.prompt, q.answer_text, delta)
        for value in values.values():  # no measured number is in the stem
            assert not re.search(rf"(?<![\d.]){re.escape(f'{value:g}')}(?![\d])", q.prompt), (q.prompt, value)
        key = (q.basis["record"], q.basis["ablation"], q.answer_text)
        assert key not in seen  # one question per ablation and effect
        seen.add(key)
