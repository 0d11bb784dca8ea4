"""Question kinds about what a work is: description, authors, modality, lineage."""

from __future__ import annotations

import re
from collections.abc import Iterator

import networkx as nx

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
            slot={"record": rid},
        )
        if q:
            yield q


def true_authors(model: ReadModel, q: Question, option: str) -> bool:
    return option in model.papers[q.basis["record"]].authors


# ---------------------------------------------------------------------------- 6. modality


def gen_modality(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "Which of these methods takes video as input?": one question per modality (other than image,
    which nearly every method takes), so that no two questions share a stem."""
    ids = [p for p in model.work_ids() if model.rows[p].modalities]
    for modality in sorted({m for p in ids for m in model.rows[p].modalities} - {"image"}):
        having = [p for p in ids if modality in model.rows[p].modalities]
        pool = [p for p in ids if modality not in model.rows[p].modalities]
        r = rng(f"modality|{modality}")
        rid = r.choice(having)
        chosen = pick(model, rid, pool, N_OPTIONS - 1, r)
        if len(chosen) < N_OPTIONS - 1:
            continue
        mods = model.rows[rid].modalities
        basis = {"modality": modality}
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


#: The stem of a lineage question, by edge type: the wording says what the edge says, no more.
LINEAGE_STEMS = {
    "extends": "Which earlier work does {m} extend?",
    "adapts": "Which earlier work does {m} adapt to a new setting?",
    "combines": "Which of these does {m} combine with other work?",
    "replaces": "Which earlier approach is {m} designed to replace?",
    "inspired-by": "Which earlier work inspired {m}?",
    "uses": "Which of these does {m} use as a component?",
}


def _related(model: ReadModel, rid: str) -> set[str]:
    """What a lineage distractor must not be: ``rid``'s ancestors (a concept that the key is an
    instance of would be defensible) and its descendants."""
    graph = model.graph
    if rid not in graph:
        return {rid}
    return {rid} | set(nx.descendants(graph, rid)) | set(nx.ancestors(graph, rid))


def gen_lineage(model: ReadModel, rng: Rng) -> Iterator[Question]:
    ids = model.work_ids(WORK_KINDS)
    used: dict[str, set[frozenset[str]]] = {}  # parent -> distractor sets its questions have
    for rid in ids:
        parents = model.parents(rid)
        related = _related(model, rid)
        asked: set[str] = set()
        for parent in sorted(p for p in parents if p in ids):
            edge = model.graph.edges[rid, parent]
            if edge["type"] in asked:
                continue  # one question per edge type: two would share a stem
            asked.add(edge["type"])
            year = model.year(rid)
            pool = [
                p
                for p in ids
                if p not in related and not (year and model.year(p) and (model.year(p) or 0) > year)
            ]
            chosen = pick(model, rid, pool, N_OPTIONS - 1, rng(f"lineage|{rid}|{parent}"))
            for attempt in range(1, 4):  # another child of the same parent got these options already
                if frozenset(chosen) not in used.get(parent, set()):
                    break
                chosen = pick(model, rid, pool, N_OPTIONS - 1, rng(f"lineage|{rid}|{parent}|{attempt}"))
            if len(chosen) < N_OPTIONS - 1 or frozenset(chosen) in used.get(parent, set()):
                continue
            used.setdefault(parent, set()).add(frozenset(chosen))
            basis = {"record": rid, "parent": parent, "type": edge["type"]}
            q = make(
                "lineage",
                basis,
                LINEAGE_STEMS[edge["type"]].format(m=model.name(rid)),
                model.name(parent),
                [model.name(p) for p in chosen],
                rng,
                explanation=f"{model.name(rid)} {edge['type']} {model.name(parent)}: {edge['reason'].rstrip('.')}. "
                f"{', '.join(model.name(p) for p in sorted(chosen))} are not in {model.name(rid)}'s lineage.",
                topics=model.topics_of(rid),
                difficulty=0.55,
                provenance=[Source(rid, "lineage")],
                links=[rid, parent],
                slot={"record": rid, "type": edge["type"]},
            )
            if q:
                yield q


def true_lineage(model: ReadModel, q: Question, option: str) -> bool:
    """True of the parent by an edge of the asked type (any other parent is kept out of the options)."""
    oid = option_id(model, option)
    rid = q.basis["record"]
    return (
        oid is not None
        and oid in model.parents(rid)
        and model.graph.edges[rid, oid]["type"] == q.basis["type"]
    )


# ---------------------------------------------------------------------------- 12. description


def _redact(text: str, names: list[str], words_of: str = "") -> str:
    """``text`` without the given names, nor the longer words of ``words_of`` (the key's own
    display name: "context" of "Context Encoders", with or without a plural s), each replaced by an
    ellipsis. Words of other names stay: "Transformer" alone does not name ViT."""
    parts = {w.rstrip("s") for w in re.findall(r"[A-Za-z][\w-]{4,}", words_of)}
    for name in sorted({n for n in names if n} | parts, key=len, reverse=True):
        pattern = rf"(?<![\w-]){re.escape(name)}s?(?![\w-])"
        text = re.sub(pattern, "\u2026", text, flags=re.IGNORECASE)
    return text


def _names_of(model: ReadModel, rid: str) -> list[str]:
    row = model.rows[rid]
    return [row.name, row.full_name or "", *row.aliases]


def gen_description(model: ReadModel, rng: Rng) -> Iterator[Question]:
    ids = model.work_ids(("method",))
    for rid in ids:
        summary = model.rows[rid].summary
        parents = [n for p in sorted(model.parents(rid)) if p in model.rows for n in _names_of(model, p)]
        description = _redact(summary, _names_of(model, rid) + parents, words_of=model.rows[rid].name)
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
            slot={"record": rid},
        )
        if q:
            yield q


def true_description(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    return oid is not None and model.rows[oid].summary == q.basis["summary"]
