"""Mechanism, contrast and scenario questions, checked against the design facets of the real KB."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from ssl_kb.quiz.bank import verify
from ssl_kb.quiz.kinds import KINDS
from ssl_kb.quiz.kinds.facets import value_of_name
from ssl_kb.quiz.model import Question

from .real import REAL, model_of, real_model


def rng(key: str) -> random.Random:
    return random.Random(f"0|{key}")


def questions(kind: str) -> list[Question]:
    return list(KINDS[kind].generate(real_model(), rng))


def test_what_questions_key_the_methods_value_and_every_distractor_is_another_methods() -> None:
    model = real_model()
    what = [q for q in questions("mechanism") if q.basis["form"] == "what"]
    assert len(what) >= 40
    for q in what:
        rid, facet = q.basis["record"], q.basis["facet"]
        own = set(model.facet_values(rid, facet) or ())
        values = [value_of_name(model, facet, o) for o in q.options]
        assert None not in values, q.options  # every option is a value of the facet's vocabulary
        assert values[q.answer] in own
        assert not own & {v for i, v in enumerate(values) if i != q.answer}, q.id
        assert model.name(rid) in q.prompt


def test_which_questions_have_exactly_one_method_with_the_value() -> None:
    model = real_model()
    which = [q for q in questions("mechanism") if q.basis["form"] == "which"]
    assert len(which) >= 15
    for q in which:
        facet, value = q.basis["facet"], q.basis["value"]
        having = [o for o in q.options if value in (model.facet_values(model.by_name[o], facet) or ())]
        assert having == [q.answer_text], (q.prompt, q.options)
        # every distractor's facet is known: an unknown facet could hide the value
        assert all(model.facet_values(model.by_name[o], facet) for o in q.options)


def test_contrast_pairs_are_rivals_and_only_the_key_states_both_sides_right() -> None:
    model = real_model()
    contrast = questions("contrast")
    assert len(contrast) >= 15
    for q in contrast:
        a, b, facet = q.basis["a"], q.basis["b"], q.basis["facet"]
        linked = (
            any({e.child_id, e.parent_id} == {a, b} and e.type != "uses" for e in model.edges)
            or model.rows[a].family == model.rows[b].family
        )
        assert linked, (a, b)
        fa, fb = model.facet_values(a, facet), model.facet_values(b, facet)
        assert fa and fb and not set(fa) & set(fb)
        assert q.answer_text.startswith(model.name(a) + " ")
        swapped = [o for o in q.options if model.value_name(facet, fb[0]) in o.split("; ")[0]]
        assert swapped, q.options  # the swapped reading is among the distractors


def test_a_scenario_fits_exactly_one_method_of_the_whole_store() -> None:
    model = real_model()
    scenarios = questions("scenario")
    assert len(scenarios) >= 8
    for q in scenarios:
        wanted = [tuple(w) for w in q.basis["wanted"]]
        assert 2 <= len(wanted) <= 4
        fits = [
            rid
            for rid in model.ids("method")
            if all(v in (model.facet_values(rid, f) or ()) for f, v in wanted)
        ]
        assert fits == [q.basis["record"]], (q.prompt, fits)
        assert model.name(q.basis["record"]) not in q.prompt
        for i, option in enumerate(q.options):
            if i != q.answer:
                assert f"{option} does not" in q.explanation


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Question, object]:
    """A copy of kb/ in which MAE's prediction target also lists one of its question's distractors."""
    question = next(
        q
        for q in questions("mechanism")
        if q.basis == {"form": "what", "record": "mae", "facet": "target", "value": "normalized-pixels"}
    )
    distractor = next(o for i, o in enumerate(question.options) if i != question.answer)
    value = value_of_name(real_model(), "target", distractor)
    kb_dir = tmp_path_factory.mktemp("kb") / "kb"
    shutil.copytree(REAL, kb_dir)
    mae = kb_dir / "methods" / "mae.yaml"
    text = mae.read_text()
    assert "    value: [normalized-pixels]\n" in text
    mae.write_text(
        text.replace("    value: [normalized-pixels]\n", f"    value: [normalized-pixels, {value}]\n", 1)
    )
    return question, model_of(Path(kb_dir))


def test_the_proof_fails_when_a_distractor_becomes_true(edited: tuple[Question, object]) -> None:
    question, model = edited
    assert verify(real_model(), question) == []
    problems = verify(model, question)  # type: ignore[arg-type]
    assert problems and "right options" in problems[0]
