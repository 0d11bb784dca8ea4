"""Question kinds about when: year of first publication, which method is from a year, which came first."""

from __future__ import annotations

from collections.abc import Iterator

from ..facts import Facts
from ..model import Question, Source
from .base import N_OPTIONS, Rng, make, option_id, pick, title

# ---------------------------------------------------------------------------- 1. year


def gen_year(facts: Facts, rng: Rng) -> Iterator[Question]:
    for rid in facts.work_ids():
        year = facts.year(rid)
        if year is None:
            continue
        basis = {"record": rid, "year": year}
        r = rng(f"year|{rid}")
        offsets = [o for o in (-3, -2, -1, 1, 2, 3) if year + o >= 1950]
        r.shuffle(offsets)
        distractors = [str(year + o) for o in sorted(offsets[:3])]
        q = make(
            "year",
            basis,
            f"In which year was {facts.name(rid)} ({title(facts, rid)}) first published?",
            str(year),
            distractors,
            rng,
            explanation=f"{facts.name(rid)} was first published in {year} (first arXiv version or publication).",
            topics=facts.topics(rid),
            difficulty=0.55,
            provenance=[Source(rid, "paper.year")],
            links=[rid],
        )
        if q:
            yield q


def true_year(facts: Facts, q: Question, option: str) -> bool:
    return option == str(facts.year(q.basis["record"]))


# ---------------------------------------------------------------------------- 2. which-year


def gen_which_year(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = facts.work_ids()
    for rid in ids:
        year = facts.year(rid)
        if year is None:
            continue
        pool = [p for p in ids if p != rid and facts.year(p) is not None and facts.year(p) != year]
        r = rng(f"which-year|{rid}")
        near = sorted(pool, key=lambda p: (abs((facts.year(p) or 0) - year), p))[:8]
        r.shuffle(near)
        chosen = near[: N_OPTIONS - 1]
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "year": year}
        gap = min(abs((facts.year(p) or 0) - year) for p in chosen)
        q = make(
            "which-year",
            basis,
            f"Which of these was first published in {year}?",
            facts.name(rid),
            [facts.name(p) for p in chosen],
            rng,
            explanation=f"{facts.name(rid)}: {year}; "
            + ", ".join(f"{facts.name(p)}: {facts.year(p)}" for p in sorted(chosen))
            + ".",
            topics=facts.topics(rid),
            difficulty=0.7 - 0.1 * min(gap, 3),
            provenance=[Source(rid, "paper.year"), *(Source(p, "paper.year") for p in sorted(chosen))],
            links=[rid, *chosen],
        )
        if q:
            yield q


def true_which_year(facts: Facts, q: Question, option: str) -> bool:
    oid = option_id(facts, option)
    return oid is not None and facts.year(oid) == q.basis["year"]


# ---------------------------------------------------------------------------- 3. chronology


def gen_chronology(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if facts.year(p) is not None]
    for rid in ids:
        year = facts.year(rid) or 0
        later = sorted({facts.year(p) or 0 for p in ids if (facts.year(p) or 0) > year})
        pool = [p for p in ids if (facts.year(p) or 0) > year and (facts.year(p) or 0) in later[:4]]
        chosen = pick(facts, rid, pool, N_OPTIONS - 1, rng(f"chronology|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "year": year, "later": sorted(chosen)}
        q = make(
            "chronology",
            basis,
            "Which of these was published first?",
            facts.name(rid),
            [facts.name(p) for p in chosen],
            rng,
            explanation="In order: "
            + ", ".join(
                f"{facts.name(p)} ({facts.year(p)})"
                for p in sorted([rid, *chosen], key=lambda p: (facts.year(p), p))
            )
            + ".",
            topics=facts.topics(rid),
            difficulty=0.6,
            provenance=[Source(p, "paper.year") for p in [rid, *sorted(chosen)]],
            links=[rid, *chosen],
        )
        if q:
            yield q


def true_chronology(facts: Facts, q: Question, option: str) -> bool:
    years = {o: facts.year(option_id(facts, o) or "") if option_id(facts, o) else None for o in q.options}
    if any(y is None for y in years.values()):
        return False
    first = min(y for y in years.values() if y is not None)
    return years[option] == first
