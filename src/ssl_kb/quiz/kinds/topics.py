"""Question kinds about the lecture: which record does not belong to a topic, lecture claims and
their corrections."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from ...queries import ClaimView
from ...readmodel import ReadModel
from ...schema import WORK_KINDS
from ..model import Question, Source
from .base import N_OPTIONS, Rng, make, option_id

# ---------------------------------------------------------------------------- 10. odd one out


def gen_odd_one_out(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """One question per topic (its stem names the topic): the outsider is from a neighbouring topic."""
    ids = model.work_ids(WORK_KINDS)
    for topic in model.topic_order:
        inside = [p for p in ids if topic in model.topics_of(p)]
        outside = [p for p in ids if topic not in model.topics_of(p) and topic in model.neighbourhood(p)]
        if len(inside) < N_OPTIONS - 1 or not outside:
            continue
        r = rng(f"odd|{topic}")
        rid = r.choice(sorted(outside))
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
            slot={"topic": topic},
        )
        if q:
            yield q


def true_odd_one_out(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    return oid is not None and q.basis["topic"] not in model.topics_of(oid)


# ---------------------------------------------------------------------------- 11. lecture claim


CLAIM_OPTIONS = ("Correct as stated", "Not correct as stated")


_KIND_RANK = {"method": 0, "concept": 1, "dataset": 2, "metric": 3, "topic": 4}


def asked_claims(model: ReadModel) -> list[ClaimView]:
    """Each lecture claim once: where the same claim (or the same words, reworded slightly) is
    checked in several records, the method's (else the concept's...) record asks it. Claims on
    slides the lecture comments out are left out: students never saw them."""
    key = "asked-claims"
    if key not in model.cache:
        kept: list[tuple[set[str], ClaimView]] = []
        ranked = sorted(
            model.claims, key=lambda c: (_KIND_RANK.get(c.record_kind, 9), c.record_id, c.position)
        )
        for c in ranked:
            tokens = _tokens(c.claim)
            if c.commented_out or any(_same(tokens, seen) for seen, _ in kept):
                continue
            kept.append((tokens, c))
        model.cache[key] = sorted((c for _, c in kept), key=lambda c: (c.record_id, c.position))
    return list(model.cache[key])


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower())) - {"the", "a", "an", "say", "of", "to", "and"}


def _same(a: set[str], b: set[str]) -> bool:
    """Two claims are the same claim if they share nearly all their words."""
    return bool(a | b) and len(a & b) / len(a | b) >= 0.75


def first_sentence(text: str) -> str:
    """The first sentence of a correction (which the records write to stand alone)."""
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z\"“(])", text)
    return (text[: match.start()] if match else text).strip()


def gen_claim(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """True or false (the recall deck): claims that no correction question asks about."""
    corrected = {(q.basis["record"], q.basis["claim"]) for q in gen_correction(model, rng)}
    for c in asked_claims(model):
        if (c.record_id, c.claim) in corrected:
            continue
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
            slot={"record": rid, "slide": c.slide, "claim": c.claim},
            keep_order=True,
        )
        if q:
            # the two options in a seeded random order, so that the key's position is uniform
            # over the bank (most claims left to this kind are correct ones)
            order = list(CLAIM_OPTIONS)
            rng(f"claim-order|{q.id}").shuffle(order)
            yield replace(q, options=tuple(order), answer=order.index(q.answer_text))


def true_claim(model: ReadModel, q: Question, option: str) -> bool:
    b = q.basis
    rows = model.index("claims", model.claims, lambda c: (c.record_id, c.slide, c.claim)).get(
        (b["record"], b["slide"], b["claim"]), []
    )
    return any(option == (CLAIM_OPTIONS[0] if c.verdict == "correct" else CLAIM_OPTIONS[1]) for c in rows)


# ---------------------------------------------------------------------------- correction


def gen_correction(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "The lecture says X. Which statement corrects it?" The key is the record's correction (its
    first sentence); the distractors are the misreadings recorded beside it, each false by the
    source. Typos are not asked: correcting a spelling teaches nothing about the method."""
    for c in asked_claims(model):
        if c.verdict in ("correct", "typo") or not c.correction or len(c.misreadings) < N_OPTIONS - 1:
            continue
        key = first_sentence(c.correction)
        wrong = [m for m in c.misreadings if m != key][: N_OPTIONS - 1]
        lengths = [len(o) for o in [key, *wrong]]
        if len(wrong) < N_OPTIONS - 1 or max(lengths) > 2.5 * min(lengths):
            continue
        rid = c.record_id
        topics = model.topics_of(rid) if c.record_kind != "topic" else [rid]
        about = f" about {c.record_name}" if c.record_kind != "topic" else ""
        rest = c.correction[len(key) :].strip()
        q = make(
            "correction",
            {"record": rid, "slide": c.slide, "claim": c.claim},
            f"The lecture (slide \u201c{c.slide}\u201d) says{about}: \u201c{c.claim}\u201d. "
            "Which statement corrects it?",
            key,
            wrong,
            rng,
            explanation=f"{key} {rest} Source: {c.source}. The other statements misread the paper.".replace(
                "  ", " "
            ),
            topics=topics,
            difficulty=0.6,
            provenance=[Source(rid, f"lecture_claims[{c.position}]")],
            links=[rid],
            quotes=True,  # the stem quotes the claim that the options correct
        )
        if q:
            yield q


def true_correction(model: ReadModel, q: Question, option: str) -> bool:
    b = q.basis
    rows = model.index("claims", model.claims, lambda c: (c.record_id, c.slide, c.claim)).get(
        (b["record"], b["slide"], b["claim"]), []
    )
    return any(c.correction and option == first_sentence(c.correction) for c in rows)
