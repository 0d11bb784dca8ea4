"""Question kinds about what a work is: description, authors, architecture, modality, lineage."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...readmodel import ReadModel
from ...schema import WORK_KINDS
from ..model import Question, Source
from .base import N_OPTIONS, Rng, make, option_id, pick, title

# ---------------------------------------------------------------------------- 4. authors


def gen_authors(model: ReadModel, rng: Rng) -> Iterator[Question]:
    ids = [p for p in model.work_ids() if p in model.papers]
    for rid in ids:
        authors = model.papers[rid].authors
        r = rng(f"authors|{rid}")
        firsts = sorted(
            {model.papers[p].authors[0] for p in pick(model, rid, [p for p in ids if p != rid], 12, r)}
            - set(authors)
        )
        if len(firsts) >= N_OPTIONS - 1:
            pool = firsts
        else:
            everyone = model.cache.setdefault(
                "all-authors", sorted({a for p in ids for a in model.papers[p].authors})
            )
            pool = [a for a in everyone if a not in authors]
        r.shuffle(pool)
        if len(pool) < N_OPTIONS - 1:
            continue
        answer = authors[0]
        basis = {"record": rid, "author": answer}
        q = make(
            "authors",
            basis,
            f"Who is an author of {title(model, rid)} ({model.name(rid)})?",
            answer,
            pool[: N_OPTIONS - 1],
            rng,
            explanation=f"{model.name(rid)} is by {', '.join(authors)}.",
            topics=model.topics_of(rid),
            difficulty=0.65,
            provenance=[Source(rid, "paper.authors")],
            links=[rid],
        )
        if q:
            yield q


def true_authors(model: ReadModel, q: Question, option: str) -> bool:
    return option in model.papers[q.basis["record"]].authors


# ---------------------------------------------------------------------------- 5. architecture


def gen_architecture(model: ReadModel, rng: Rng) -> Iterator[Question]:
    architecture = {p: a for p in model.work_ids() if (a := model.rows[p].architecture)}
    ids = list(architecture)
    for rid in ids:
        answer = architecture[rid]
        pool = [p for p in ids if architecture[p] != answer]
        chosen = pick(model, rid, pool, N_OPTIONS - 1, rng(f"architecture|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "architecture": answer}
        q = make(
            "architecture",
            basis,
            f"Which architecture does {model.name(rid)} use?",
            answer,
            [architecture[p] for p in chosen],
            rng,
            explanation=f"{model.name(rid)}: {answer}. The other options describe "
            + ", ".join(model.name(p) for p in sorted(chosen))
            + ".",
            topics=model.topics_of(rid),
            difficulty=0.5,
            provenance=[Source(rid, "architecture")],
            links=[rid, *chosen],
        )
        if q:
            yield q


def true_architecture(model: ReadModel, q: Question, option: str) -> bool:
    return option == model.rows[q.basis["record"]].architecture


# ---------------------------------------------------------------------------- 6. modality


def gen_modality(model: ReadModel, rng: Rng) -> Iterator[Question]:
    ids = [p for p in model.work_ids() if model.rows[p].modalities]
    for rid in ids:
        mods = set(model.rows[rid].modalities)
        for modality in sorted(mods - {"image"}) or []:
            pool = [p for p in ids if modality not in model.rows[p].modalities]
            chosen = pick(model, rid, pool, N_OPTIONS - 1, rng(f"modality|{rid}|{modality}"))
            if len(chosen) < N_OPTIONS - 1:
                continue
            basis = {"record": rid, "modality": modality}
            q = make(
                "modality",
                basis,
                f"Which of these methods takes {modality} as input?",
                model.name(rid),
                [model.name(p) for p in chosen],
                rng,
                explanation=f"{model.name(rid)} works with {', '.join(sorted(mods))}; "
                + "; ".join(f"{model.name(p)}: {', '.join(model.rows[p].modalities)}" for p in sorted(chosen))
                + ".",
                topics=model.topics_of(rid),
                difficulty=0.35,
                provenance=[Source(p, "modalities") for p in [rid, *sorted(chosen)]],
                links=[rid],
            )
            if q:
                yield q


def true_modality(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    return oid is not None and q.basis["modality"] in model.rows[oid].modalities


# ---------------------------------------------------------------------------- 7. lineage


def gen_lineage(model: ReadModel, rng: Rng) -> Iterator[Question]:
    ids = model.work_ids(WORK_KINDS)
    for rid in ids:
        parents = model.parents(rid)
        for parent in sorted(p for p in parents if p in ids):
            edge = model.graph.edges[rid, parent]
            year = model.year(rid)
            pool = [
                p
                for p in ids
                if p not in parents
                and p != rid
                and not (year and model.year(p) and (model.year(p) or 0) > year)
            ]
            chosen = pick(model, rid, pool, N_OPTIONS - 1, rng(f"lineage|{rid}|{parent}"))
            if len(chosen) < N_OPTIONS - 1:
                continue
            basis = {"record": rid, "parent": parent, "type": edge["type"]}
            q = make(
                "lineage",
                basis,
                f"Which of these does {model.name(rid)} directly build on?",
                model.name(parent),
                [model.name(p) for p in chosen],
                rng,
                explanation=f"{model.name(rid)} {edge['type']} {model.name(parent)}: {edge['reason']}",
                topics=model.topics_of(rid),
                difficulty=0.55,
                provenance=[Source(rid, "lineage")],
                links=[rid, parent],
            )
            if q:
                yield q


def true_lineage(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    return oid is not None and oid in model.parents(q.basis["record"])


# ---------------------------------------------------------------------------- 12. description


def _redact(text: str, names: list[str]) -> str:
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", "\u2026", text, flags=re.IGNORECASE)
    return text


def _names_of(model: ReadModel, rid: str) -> list[str]:
    row = model.rows[rid]
    return [row.name, row.full_name or "", *row.aliases]


def gen_description(model: ReadModel, rng: Rng) -> Iterator[Question]:
    ids = model.work_ids(("method",))
    for rid in ids:
        summary = model.rows[rid].summary
        description = _redact(summary, _names_of(model, rid))
        pool = [
            p
            for p in ids
            if p != rid
            and model.rows[p].summary != summary
            and not any(
                n and re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", description, re.IGNORECASE)
                for n in _names_of(model, p)
            )
        ]
        chosen = pick(model, rid, pool, N_OPTIONS - 1, rng(f"description|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "summary": summary}
        q = make(
            "description",
            basis,
            f"Which method does this describe? \u201c{description}\u201d",
            model.name(rid),
            [model.name(p) for p in chosen],
            rng,
            explanation=f"This is {model.name(rid)}: {summary}",
            topics=model.topics_of(rid),
            difficulty=0.4,
            provenance=[Source(rid, "summary")],
            links=[rid],
        )
        if q:
            yield q


def true_description(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    return oid is not None and model.rows[oid].summary == q.basis["summary"]
