"""Question kinds about what a work is: description, authors, architecture, modality, lineage."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...schema import WORK_KINDS
from ..facts import Facts
from ..model import Question, Source
from .base import N_OPTIONS, Rng, make, option_id, pick, title

# ---------------------------------------------------------------------------- 4. authors


def gen_authors(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if p in facts.papers]
    for rid in ids:
        authors = facts.papers[rid]["authors"]
        r = rng(f"authors|{rid}")
        firsts = sorted(
            {facts.papers[p]["authors"][0] for p in pick(facts, rid, [p for p in ids if p != rid], 12, r)}
            - set(authors)
        )
        if len(firsts) >= N_OPTIONS - 1:
            pool = firsts
        else:
            everyone = facts.cache.setdefault(
                "all-authors", sorted({a for p in ids for a in facts.papers[p]["authors"]})
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
            f"Who is an author of {title(facts, rid)} ({facts.name(rid)})?",
            answer,
            pool[: N_OPTIONS - 1],
            rng,
            explanation=f"{facts.name(rid)} is by {', '.join(authors)}.",
            topics=facts.topics(rid),
            difficulty=0.65,
            provenance=[Source(rid, "paper.authors")],
            links=[rid],
        )
        if q:
            yield q


def true_authors(facts: Facts, q: Question, option: str) -> bool:
    return option in facts.papers[q.basis["record"]]["authors"]


# ---------------------------------------------------------------------------- 5. architecture


def gen_architecture(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if facts.records[p].get("architecture")]
    for rid in ids:
        answer = facts.records[rid]["architecture"]
        pool = [p for p in ids if facts.records[p]["architecture"] != answer]
        chosen = pick(facts, rid, pool, N_OPTIONS - 1, rng(f"architecture|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "architecture": answer}
        q = make(
            "architecture",
            basis,
            f"Which architecture does {facts.name(rid)} use?",
            answer,
            [facts.records[p]["architecture"] for p in chosen],
            rng,
            explanation=f"{facts.name(rid)}: {answer}. The other options describe "
            + ", ".join(facts.name(p) for p in sorted(chosen))
            + ".",
            topics=facts.topics(rid),
            difficulty=0.5,
            provenance=[Source(rid, "architecture")],
            links=[rid, *chosen],
        )
        if q:
            yield q


def true_architecture(facts: Facts, q: Question, option: str) -> bool:
    return option == facts.records[q.basis["record"]]["architecture"]


# ---------------------------------------------------------------------------- 6. modality


def gen_modality(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if facts.records[p].get("modalities")]
    for rid in ids:
        mods = set(facts.records[rid]["modalities"])
        for modality in sorted(mods - {"image"}) or []:
            pool = [p for p in ids if modality not in facts.records[p]["modalities"]]
            chosen = pick(facts, rid, pool, N_OPTIONS - 1, rng(f"modality|{rid}|{modality}"))
            if len(chosen) < N_OPTIONS - 1:
                continue
            basis = {"record": rid, "modality": modality}
            q = make(
                "modality",
                basis,
                f"Which of these methods takes {modality} as input?",
                facts.name(rid),
                [facts.name(p) for p in chosen],
                rng,
                explanation=f"{facts.name(rid)} works with {', '.join(sorted(mods))}; "
                + "; ".join(
                    f"{facts.name(p)}: {', '.join(facts.records[p]['modalities'])}" for p in sorted(chosen)
                )
                + ".",
                topics=facts.topics(rid),
                difficulty=0.35,
                provenance=[Source(p, "modalities") for p in [rid, *sorted(chosen)]],
                links=[rid],
            )
            if q:
                yield q


def true_modality(facts: Facts, q: Question, option: str) -> bool:
    oid = option_id(facts, option)
    return oid is not None and q.basis["modality"] in (facts.records[oid].get("modalities") or [])


# ---------------------------------------------------------------------------- 7. lineage


def gen_lineage(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = facts.work_ids(WORK_KINDS)
    for rid in ids:
        parents = facts.parents(rid)
        for parent in sorted(p for p in parents if p in ids):
            edge = facts.graph.edges[rid, parent]
            year = facts.year(rid)
            pool = [
                p
                for p in ids
                if p not in parents
                and p != rid
                and not (year and facts.year(p) and (facts.year(p) or 0) > year)
            ]
            chosen = pick(facts, rid, pool, N_OPTIONS - 1, rng(f"lineage|{rid}|{parent}"))
            if len(chosen) < N_OPTIONS - 1:
                continue
            basis = {"record": rid, "parent": parent, "type": edge["type"]}
            q = make(
                "lineage",
                basis,
                f"Which of these does {facts.name(rid)} directly build on?",
                facts.name(parent),
                [facts.name(p) for p in chosen],
                rng,
                explanation=f"{facts.name(rid)} {edge['type']} {facts.name(parent)}: {edge['reason']}",
                topics=facts.topics(rid),
                difficulty=0.55,
                provenance=[Source(rid, "lineage")],
                links=[rid, parent],
            )
            if q:
                yield q


def true_lineage(facts: Facts, q: Question, option: str) -> bool:
    oid = option_id(facts, option)
    return oid is not None and oid in facts.parents(q.basis["record"])


# ---------------------------------------------------------------------------- 12. description


def _redact(text: str, names: list[str]) -> str:
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", "\u2026", text, flags=re.IGNORECASE)
    return text


def _names_of(facts: Facts, rid: str) -> list[str]:
    row = facts.records[rid]
    return [row["name"], row.get("full_name") or "", *(row.get("aliases") or [])]


def gen_description(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = facts.work_ids(("method",))
    for rid in ids:
        summary = facts.records[rid]["summary"]
        description = _redact(summary, _names_of(facts, rid))
        pool = [
            p
            for p in ids
            if p != rid
            and facts.records[p]["summary"] != summary
            and not any(
                n and re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", description, re.IGNORECASE)
                for n in _names_of(facts, p)
            )
        ]
        chosen = pick(facts, rid, pool, N_OPTIONS - 1, rng(f"description|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "summary": summary}
        q = make(
            "description",
            basis,
            f"Which method does this describe? \u201c{description}\u201d",
            facts.name(rid),
            [facts.name(p) for p in chosen],
            rng,
            explanation=f"This is {facts.name(rid)}: {summary}",
            topics=facts.topics(rid),
            difficulty=0.4,
            provenance=[Source(rid, "summary")],
            links=[rid],
        )
        if q:
            yield q


def true_description(facts: Facts, q: Question, option: str) -> bool:
    oid = option_id(facts, option)
    return oid is not None and facts.records[oid]["summary"] == q.basis["summary"]
