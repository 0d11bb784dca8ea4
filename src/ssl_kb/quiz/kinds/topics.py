"""Question kinds about the lecture: which record does not belong to a topic, lecture claims."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ...readmodel import ReadModel
from ...schema import WORK_KINDS
from ..model import Question, Source
from .base import N_OPTIONS, Rng, make, option_id

# ---------------------------------------------------------------------------- 10. odd one out


def gen_odd_one_out(model: ReadModel, rng: Rng) -> Iterator[Question]:
    ids = model.work_ids(WORK_KINDS)
    for topic in model.topic_order:
        inside = [p for p in ids if topic in model.topics_of(p)]
        outside = [p for p in ids if topic not in model.topics_of(p)]
        for rid in outside:
            if len(inside) < N_OPTIONS - 1 or not (model.neighbourhood(rid) & {topic}):
                continue  # only plausible outsiders: from a neighbouring topic
            r = rng(f"odd|{topic}|{rid}")
            members = sorted(inside)
            r.shuffle(members)
            chosen = sorted(members[: N_OPTIONS - 1])
            basis = {"topic": topic, "outsider": rid}
            tname = model.rows[topic].name
            q = make(
                "odd-one-out",
                basis,
                f"Which of these does not belong to the topic \u201c{tname}\u201d?",
                model.name(rid),
                [model.name(p) for p in chosen],
                rng,
                explanation=f"{model.name(rid)} belongs to {', '.join(model.rows[t].name for t in model.topics_of(rid))}; "
                f"{', '.join(model.name(p) for p in chosen)} are part of \u201c{tname}\u201d.",
                topics=[topic],
                difficulty=0.4,
                provenance=[Source(p, "topics") for p in [rid, *chosen]],
                links=[topic, rid],
            )
            if q:
                yield q


def true_odd_one_out(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    return oid is not None and q.basis["topic"] not in model.topics_of(oid)


# ---------------------------------------------------------------------------- 11. lecture claim


CLAIM_OPTIONS = ("Correct as stated", "Not correct as stated")


def gen_claim(model: ReadModel, rng: Rng) -> Iterator[Question]:
    for c in model.claims:
        rid = c.record_id
        correct = c.verdict == "correct"
        basis = {"record": rid, "slide": c.slide, "claim": c.claim, "verdict": c.verdict}
        about = f" about {c.record_name}" if c.record_kind != "topic" else ""
        explanation = (
            f"Verdict: {c.verdict}. " + (c.correction or "The paper agrees.") + f" Source: {c.source}."
        )
        topics = model.topics_of(rid) if c.record_kind != "topic" else [rid]
        q = make(
            "claim",
            basis,
            f"The lecture (slide \u201c{c.slide}\u201d) says{about}: \u201c{c.claim}\u201d. Is this accurate?",
            CLAIM_OPTIONS[0] if correct else CLAIM_OPTIONS[1],
            [CLAIM_OPTIONS[1] if correct else CLAIM_OPTIONS[0]],
            rng,
            explanation=explanation,
            topics=topics,
            difficulty=0.45 if correct else 0.6,
            provenance=[Source(rid, f"lecture_claims[{c.position}]")],
            links=[rid],
            keep_order=True,
        )
        if q:
            # make() puts the key first; the two options keep one fixed order instead (true, then
            # false), so that the key's position follows the verdict and is not always "a"
            yield replace(q, options=CLAIM_OPTIONS, answer=CLAIM_OPTIONS.index(q.answer_text))


def true_claim(model: ReadModel, q: Question, option: str) -> bool:
    b = q.basis
    rows = model.index("claims", model.claims, lambda c: (c.record_id, c.slide, c.claim)).get(
        (b["record"], b["slide"], b["claim"]), []
    )
    return any(option == (CLAIM_OPTIONS[0] if c.verdict == "correct" else CLAIM_OPTIONS[1]) for c in rows)
