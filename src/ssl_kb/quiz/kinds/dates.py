"""Question kinds about when: year of first publication, which method is from a year, which came first."""

from __future__ import annotations

from collections.abc import Iterator

from ...readmodel import ReadModel
from ..model import Question, Source
from .base import N_OPTIONS, Rng, make, option_id, pick, title

# ---------------------------------------------------------------------------- 1. year


def gen_year(model: ReadModel, rng: Rng) -> Iterator[Question]:
    for rid in model.work_ids():
        year = model.year(rid)
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
            f"In which year was {model.name(rid)} ({title(model, rid)}) first published?",
            str(year),
            distractors,
            rng,
            explanation=f"{model.name(rid)} was first published in {year} (first arXiv version or publication).",
            topics=model.topics_of(rid),
            difficulty=0.55,
            provenance=[Source(rid, "paper.year")],
            links=[rid],
            slot={"record": rid},
        )
        if q:
            yield q


def true_year(model: ReadModel, q: Question, option: str) -> bool:
    return option == str(model.year(q.basis["record"]))


# ---------------------------------------------------------------------------- 2. which-year


def gen_which_year(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """One question per year (its stem names the year), the key drawn among that year's works."""
    ids = model.work_ids()
    by_year: dict[int, list[str]] = {}
    for p in ids:
        if (y := model.year(p)) is not None:
            by_year.setdefault(y, []).append(p)
    for year, having in sorted(by_year.items()):
        rid = rng(f"which-year-key|{year}").choice(sorted(having))
        pool = [p for p in ids if p != rid and model.year(p) is not None and model.year(p) != year]
        r = rng(f"which-year|{rid}")
        near = sorted(pool, key=lambda p: (abs((model.year(p) or 0) - year), p))[:8]
        r.shuffle(near)
        chosen = near[: N_OPTIONS - 1]
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "year": year}
        gap = min(abs((model.year(p) or 0) - year) for p in chosen)
        q = make(
            "which-year",
            basis,
            f"Which of these was first published in {year}?",
            model.name(rid),
            [model.name(p) for p in chosen],
            rng,
            explanation=f"{model.name(rid)}: {year}; "
            + ", ".join(f"{model.name(p)}: {model.year(p)}" for p in sorted(chosen))
            + ".",
            topics=model.topics_of(rid),
            difficulty=0.7 - 0.1 * min(gap, 3),
            provenance=[Source(rid, "paper.year"), *(Source(p, "paper.year") for p in sorted(chosen))],
            links=[rid, *chosen],
            slot={"year": year},
        )
        if q:
            yield q


def true_which_year(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    return oid is not None and model.year(oid) == q.basis["year"]


# ---------------------------------------------------------------------------- 3. chronology


def gen_chronology(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "Which of these was published before ViLBERT?": one question per anchor work, whose name
    makes the stem unique; the key is earlier than the anchor, the distractors later."""
    ids = [p for p in model.work_ids() if model.year(p) is not None]
    for anchor in ids:
        year = model.year(anchor) or 0
        earlier = [p for p in ids if (model.year(p) or 0) < year]
        later = [p for p in ids if (model.year(p) or 0) > year]
        if not earlier or len(later) < N_OPTIONS - 1:
            continue
        r = rng(f"chronology|{anchor}")
        close = sorted(earlier, key=lambda p: (year - (model.year(p) or 0), p))[:4]
        rid = r.choice(close)
        nearest = sorted({model.year(p) or 0 for p in later})[:4]
        pool = [p for p in later if (model.year(p) or 0) in nearest]
        chosen = pick(model, anchor, pool, N_OPTIONS - 1, r)
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"anchor": anchor, "record": rid, "later": sorted(chosen)}
        q = make(
            "chronology",
            basis,
            f"Which of these was published before {model.name(anchor)} ({year})?",
            model.name(rid),
            [model.name(p) for p in chosen],
            rng,
            explanation="In order: "
            + ", ".join(
                f"{model.name(p)} ({model.year(p)})"
                for p in sorted([rid, anchor, *chosen], key=lambda p: (model.year(p) or 0, p))
            )
            + ".",
            topics=model.topics_of(rid),
            difficulty=0.55,
            provenance=[Source(p, "paper.year") for p in [rid, *sorted(chosen)]],
            links=[rid, anchor, *chosen],
            slot={"anchor": anchor},
        )
        if q:
            yield q


def true_chronology(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    year, anchor = (model.year(oid) if oid else None), model.year(q.basis["anchor"])
    return year is not None and anchor is not None and year < anchor
