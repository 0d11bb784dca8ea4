"""Question kinds: one generator and one truth test per kind.

A generator turns facts from the store into questions; ``is_true(facts, question, option)``
decides from the store alone whether an option is a right answer. :func:`ssl_kb.quiz.bank.verify`
uses it to prove that exactly one option is right before a question is emitted.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .facts import Facts
from .model import Question, Source, question_id

Rng = Callable[[str], random.Random]
N_OPTIONS = 4


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    generate: Callable[[Facts, Rng], Iterator[Question]]
    is_true: Callable[[Facts, Question, str], bool]


def _make(
    kind: str,
    basis: dict[str, Any],
    prompt: str,
    answer: str,
    distractors: list[str],
    rng: Rng,
    *,
    explanation: str,
    topics: list[str],
    difficulty: float,
    provenance: list[Source],
    links: list[str],
    keep_order: bool = False,
) -> Question | None:
    """Assemble a question: shuffle the options deterministically, refuse duplicates."""
    options = [answer, *distractors]
    if len(set(options)) != len(options) or len(options) < 2:
        return None
    qid = question_id(kind, basis)
    if not keep_order:
        rng(qid).shuffle(options)
    return Question(
        id=qid,
        kind=kind,
        prompt=prompt,
        options=tuple(options),
        answer=options.index(answer),
        explanation=explanation,
        topics=tuple(sorted(set(topics))),
        difficulty=round(min(max(difficulty, 0.05), 0.95), 2),
        provenance=tuple(provenance),
        links=tuple(dict.fromkeys(links)),
        basis=basis,
    )


def _pick(facts: Facts, subject: str, pool: list[str], k: int, rng: random.Random) -> list[str]:
    """``k`` distractors from ``pool``, preferring records from the same or a neighbouring topic."""
    near = facts.neighbourhood(subject)
    close = sorted(p for p in pool if near & set(facts.topics(p)))
    far = sorted(p for p in pool if p not in close)
    rng.shuffle(close)
    rng.shuffle(far)
    return (close + far)[:k]


def _option_id(facts: Facts, option: str) -> str | None:
    return facts.by_name.get(option)


def _fmt_number(value: Any, unit: str | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0")
        text = text + "0" if text.endswith(".") else text  # 77.0, 70.55, 0.75
        text = text[:-2] if unit is None and text.endswith(".0") and abs(value) >= 1 else text
    else:
        text = str(value)
    return f"{text} {unit}".strip() if unit and unit != "%" else (f"{text}%" if unit == "%" else text)


def _title(facts: Facts, rid: str) -> str:
    paper = facts.papers.get(rid)
    return f"\u201c{paper['title']}\u201d" if paper else facts.name(rid)


# ---------------------------------------------------------------------------- 1. year


def _gen_year(facts: Facts, rng: Rng) -> Iterator[Question]:
    for rid in facts.work_ids():
        year = facts.year(rid)
        if year is None:
            continue
        basis = {"record": rid, "year": year}
        r = rng(f"year|{rid}")
        offsets = [o for o in (-3, -2, -1, 1, 2, 3) if year + o >= 1950]
        r.shuffle(offsets)
        distractors = [str(year + o) for o in sorted(offsets[:3])]
        q = _make(
            "year",
            basis,
            f"In which year was {facts.name(rid)} ({_title(facts, rid)}) first published?",
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


def _true_year(facts: Facts, q: Question, option: str) -> bool:
    return option == str(facts.year(q.basis["record"]))


# ---------------------------------------------------------------------------- 2. which-year


def _gen_which_year(facts: Facts, rng: Rng) -> Iterator[Question]:
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
        q = _make(
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


def _true_which_year(facts: Facts, q: Question, option: str) -> bool:
    oid = _option_id(facts, option)
    return oid is not None and facts.year(oid) == q.basis["year"]


# ---------------------------------------------------------------------------- 3. chronology


def _gen_chronology(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if facts.year(p) is not None]
    for rid in ids:
        year = facts.year(rid) or 0
        later = sorted({facts.year(p) or 0 for p in ids if (facts.year(p) or 0) > year})
        pool = [p for p in ids if (facts.year(p) or 0) > year and (facts.year(p) or 0) in later[:4]]
        chosen = _pick(facts, rid, pool, N_OPTIONS - 1, rng(f"chronology|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "year": year, "later": sorted(chosen)}
        q = _make(
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


def _true_chronology(facts: Facts, q: Question, option: str) -> bool:
    years = {o: facts.year(_option_id(facts, o) or "") if _option_id(facts, o) else None for o in q.options}
    if any(y is None for y in years.values()):
        return False
    first = min(y for y in years.values() if y is not None)
    return years[option] == first


# ---------------------------------------------------------------------------- 4. authors


def _gen_authors(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if p in facts.papers]
    for rid in ids:
        authors = facts.papers[rid]["authors"]
        r = rng(f"authors|{rid}")
        firsts = sorted(
            {facts.papers[p]["authors"][0] for p in _pick(facts, rid, [p for p in ids if p != rid], 12, r)}
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
        q = _make(
            "authors",
            basis,
            f"Who is an author of {_title(facts, rid)} ({facts.name(rid)})?",
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


def _true_authors(facts: Facts, q: Question, option: str) -> bool:
    return option in facts.papers[q.basis["record"]]["authors"]


# ---------------------------------------------------------------------------- 5. architecture


def _gen_architecture(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if facts.records[p].get("architecture")]
    for rid in ids:
        answer = facts.records[rid]["architecture"]
        pool = [p for p in ids if facts.records[p]["architecture"] != answer]
        chosen = _pick(facts, rid, pool, N_OPTIONS - 1, rng(f"architecture|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "architecture": answer}
        q = _make(
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


def _true_architecture(facts: Facts, q: Question, option: str) -> bool:
    return option == facts.records[q.basis["record"]]["architecture"]


# ---------------------------------------------------------------------------- 6. modality


def _gen_modality(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = [p for p in facts.work_ids() if facts.records[p].get("modalities")]
    for rid in ids:
        mods = set(facts.records[rid]["modalities"])
        for modality in sorted(mods - {"image"}) or []:
            pool = [p for p in ids if modality not in facts.records[p]["modalities"]]
            chosen = _pick(facts, rid, pool, N_OPTIONS - 1, rng(f"modality|{rid}|{modality}"))
            if len(chosen) < N_OPTIONS - 1:
                continue
            basis = {"record": rid, "modality": modality}
            q = _make(
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


def _true_modality(facts: Facts, q: Question, option: str) -> bool:
    oid = _option_id(facts, option)
    return oid is not None and q.basis["modality"] in (facts.records[oid].get("modalities") or [])


# ---------------------------------------------------------------------------- 7. lineage


def _gen_lineage(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = facts.work_ids(("method", "concept"))
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
            chosen = _pick(facts, rid, pool, N_OPTIONS - 1, rng(f"lineage|{rid}|{parent}"))
            if len(chosen) < N_OPTIONS - 1:
                continue
            basis = {"record": rid, "parent": parent, "type": edge["type"]}
            q = _make(
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


def _true_lineage(facts: Facts, q: Question, option: str) -> bool:
    oid = _option_id(facts, option)
    return oid is not None and oid in facts.parents(q.basis["record"])


# ---------------------------------------------------------------------------- 8. result


def _result_key(r: dict[str, Any]) -> tuple[Any, ...]:
    return (
        r["record_id"],
        r["dataset_id"],
        r["metric_id"],
        r["protocol"],
        r["shots"],
        r["variant"],
        r["split"],
    )


def _gen_result(facts: Facts, rng: Rng) -> Iterator[Question]:
    keys: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in facts.results:
        keys.setdefault(_result_key(r), []).append(r)
    for key, rows in sorted(keys.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        if len(rows) != 1 or facts.records.get(key[0], {}).get("kind") != "method":
            continue
        r = rows[0]
        value, unit = float(r["value"]), r["unit"]
        answer = _fmt_number(value, unit)
        scale = max(abs(value) * 0.04, 0.5 if unit == "%" else 0.01 * max(abs(value), 1))
        same_scale = facts.index(
            "results-by-metric", facts.results, lambda o: (o["dataset_id"], o["metric_id"])
        )
        others = sorted(
            {
                float(o["value"])
                for o in same_scale[(r["dataset_id"], r["metric_id"])]
                if abs(float(o["value"]) - value) >= scale / 2
            }
        )
        gen = rng(f"result|{key}")
        near = sorted(others, key=lambda v: abs(v - value))[:5]
        gen.shuffle(near)
        values = near[:2]
        steps = [-2.0, -1.0, 1.0, 2.0, 3.0, -3.0]
        for step in steps:
            if len(values) >= N_OPTIONS - 1:
                break
            candidate = round(value + step * scale, 1)
            if (
                candidate >= 0
                and (unit != "%" or candidate <= 100)
                and all(abs(candidate - v) >= scale / 2 for v in [value, *values])
            ):
                values.append(candidate)
        if len(values) < N_OPTIONS - 1:
            continue
        shots = f", {r['shots']}-shot" if r["shots"] else ""
        setting = f"{r['protocol']}{shots}, {r['variant']}, {r['split']} split"
        basis = {
            "record": r["record_id"],
            "dataset": r["dataset_id"],
            "metric": r["metric_id"],
            "protocol": r["protocol"],
            "shots": r["shots"],
            "variant": r["variant"],
            "split": r["split"],
            "value": value,
        }
        q = _make(
            "result",
            basis,
            f"What {facts.records.get(r['metric_id'], {}).get('name', r['metric_id'])} does {facts.name(r['record_id'])} report on "
            f"{facts.records.get(r['dataset_id'], {}).get('name', r['dataset_id'])} ({r['task']}; {setting})?",
            answer,
            [_fmt_number(v, unit) for v in values],
            rng,
            explanation=f"{facts.name(r['record_id'])} reports {answer} ({setting}); source: {r['source']}.",
            topics=facts.topics(r["record_id"]),
            difficulty=0.8,
            provenance=[Source(r["record_id"], f"results[{r['position']}]")],
            links=[r["record_id"], r["dataset_id"]],
        )
        if q:
            yield q


def _true_result(facts: Facts, q: Question, option: str) -> bool:
    b = q.basis
    key = (b["record"], b["dataset"], b["metric"], b["protocol"], b["shots"], b["variant"], b["split"])
    rows = facts.index("results", facts.results, _result_key).get(key, [])
    return any(_fmt_number(float(r["value"]), r["unit"]) == option for r in rows)


# ---------------------------------------------------------------------------- 9. hyperparameter


def _gen_hyperparameter(facts: Facts, rng: Rng) -> Iterator[Question]:
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for h in facts.hyperparameters:
        by_key.setdefault((h["record_id"], h["name"]), []).append(h)
    for (rid, name), rows in sorted(by_key.items()):
        if len(rows) != 1 or isinstance(rows[0]["value"], bool) or rid not in facts.by_name.values():
            continue
        h = rows[0]
        value = h["value"]
        answer = _fmt_number(value, h["unit"])
        gen = rng(f"hyper|{rid}|{name}")
        same_name = facts.index("hypers-by-name", facts.hyperparameters, lambda o: o["name"])[name]
        candidates: list[Any] = sorted(
            {o["value"] for o in same_name if o["value"] != value and type(o["value"]) is type(value)},
            key=str,
        )
        gen.shuffle(candidates)
        if isinstance(value, int | float):
            factors = [0.5, 2.0, 0.25, 4.0, 1.5, 0.1, 10.0]
            for f in factors:
                cand: Any = value * f
                if isinstance(value, float) and 0 < value <= 1:
                    cand = round(min(cand, 0.99), 3) if cand < 1 else round(1 - (1 - value) / 2, 3)
                elif isinstance(value, int):
                    cand = round(cand)
                candidates.append(cand)
        options: list[str] = []
        for cand in candidates:
            text = _fmt_number(cand, h["unit"])
            if text != answer and text not in options:
                options.append(text)
        if len(options) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "name": name, "value": value}
        q = _make(
            "hyperparameter",
            basis,
            f"In {facts.name(rid)}, what is {name.replace('_', ' ')} ({h['description']})?",
            answer,
            options[: N_OPTIONS - 1],
            rng,
            explanation=f"{facts.name(rid)} uses {name} = {answer}; source: {h['source']}.",
            topics=facts.topics(rid),
            difficulty=0.75,
            provenance=[Source(rid, f"hyperparameters[{h['position']}]")],
            links=[rid],
        )
        if q:
            yield q


def _true_hyperparameter(facts: Facts, q: Question, option: str) -> bool:
    b = q.basis
    rows = facts.index("hypers", facts.hyperparameters, lambda h: (h["record_id"], h["name"])).get(
        (b["record"], b["name"]), []
    )
    return any(_fmt_number(h["value"], h["unit"]) == option for h in rows)


# ---------------------------------------------------------------------------- 10. odd one out


def _gen_odd_one_out(facts: Facts, rng: Rng) -> Iterator[Question]:
    ids = facts.work_ids(("method", "concept"))
    for topic in facts.topic_order:
        inside = [p for p in ids if topic in facts.topics(p)]
        outside = [p for p in ids if topic not in facts.topics(p)]
        for rid in outside:
            if len(inside) < N_OPTIONS - 1 or not (facts.neighbourhood(rid) & {topic}):
                continue  # only plausible outsiders: from a neighbouring topic
            r = rng(f"odd|{topic}|{rid}")
            members = sorted(inside)
            r.shuffle(members)
            chosen = sorted(members[: N_OPTIONS - 1])
            basis = {"topic": topic, "outsider": rid}
            tname = facts.records[topic]["name"]
            q = _make(
                "odd-one-out",
                basis,
                f"Which of these does not belong to the topic \u201c{tname}\u201d?",
                facts.name(rid),
                [facts.name(p) for p in chosen],
                rng,
                explanation=f"{facts.name(rid)} belongs to {', '.join(facts.records[t]['name'] for t in facts.topics(rid))}; "
                f"{', '.join(facts.name(p) for p in chosen)} are part of \u201c{tname}\u201d.",
                topics=[topic],
                difficulty=0.4,
                provenance=[Source(p, "topics") for p in [rid, *chosen]],
                links=[topic, rid],
            )
            if q:
                yield q


def _true_odd_one_out(facts: Facts, q: Question, option: str) -> bool:
    oid = _option_id(facts, option)
    return oid is not None and q.basis["topic"] not in facts.topics(oid)


# ---------------------------------------------------------------------------- 11. lecture claim


CLAIM_OPTIONS = ("Correct as stated", "Not correct as stated")


def _gen_claim(facts: Facts, rng: Rng) -> Iterator[Question]:
    for c in facts.claims:
        rid = c["record_id"]
        correct = c["verdict"] == "correct"
        basis = {"record": rid, "slide": c["slide"], "claim": c["claim"], "verdict": c["verdict"]}
        about = f" about {c['record_name']}" if c["record_kind"] != "topic" else ""
        explanation = (
            f"Verdict: {c['verdict']}. "
            + (c["correction"] or "The paper agrees.")
            + f" Source: {c['source']}."
        )
        topics = facts.topics(rid) if c["record_kind"] != "topic" else [rid]
        q = _make(
            "claim",
            basis,
            f"The lecture (slide \u201c{c['slide']}\u201d) says{about}: \u201c{c['claim']}\u201d. Is this accurate?",
            CLAIM_OPTIONS[0] if correct else CLAIM_OPTIONS[1],
            [CLAIM_OPTIONS[1] if correct else CLAIM_OPTIONS[0]],
            rng,
            explanation=explanation,
            topics=topics,
            difficulty=0.45 if correct else 0.6,
            provenance=[Source(rid, f"lecture_claims[{c['position']}]")],
            links=[rid],
            keep_order=True,
        )
        if q:
            yield q


def _true_claim(facts: Facts, q: Question, option: str) -> bool:
    b = q.basis
    rows = facts.index("claims", facts.claims, lambda c: (c["record_id"], c["slide"], c["claim"])).get(
        (b["record"], b["slide"], b["claim"]), []
    )
    return any(option == (CLAIM_OPTIONS[0] if c["verdict"] == "correct" else CLAIM_OPTIONS[1]) for c in rows)


# ---------------------------------------------------------------------------- 12. description


def _redact(text: str, names: list[str]) -> str:
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", "\u2026", text, flags=re.IGNORECASE)
    return text


def _names_of(facts: Facts, rid: str) -> list[str]:
    row = facts.records[rid]
    return [row["name"], row.get("full_name") or "", *(row.get("aliases") or [])]


def _gen_description(facts: Facts, rng: Rng) -> Iterator[Question]:
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
        chosen = _pick(facts, rid, pool, N_OPTIONS - 1, rng(f"description|{rid}"))
        if len(chosen) < N_OPTIONS - 1:
            continue
        basis = {"record": rid, "summary": summary}
        q = _make(
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


def _true_description(facts: Facts, q: Question, option: str) -> bool:
    oid = _option_id(facts, option)
    return oid is not None and facts.records[oid]["summary"] == q.basis["summary"]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("description", "which method a description fits", _gen_description, _true_description),
        Kind("year", "year of first publication", _gen_year, _true_year),
        Kind("which-year", "which method is from a given year", _gen_which_year, _true_which_year),
        Kind("chronology", "which came first", _gen_chronology, _true_chronology),
        Kind("authors", "authors", _gen_authors, _true_authors),
        Kind("architecture", "architecture", _gen_architecture, _true_architecture),
        Kind("modality", "modality", _gen_modality, _true_modality),
        Kind("lineage", "what a method directly builds on", _gen_lineage, _true_lineage),
        Kind("result", "a headline result under its protocol", _gen_result, _true_result),
        Kind("hyperparameter", "a key hyperparameter of a loss", _gen_hyperparameter, _true_hyperparameter),
        Kind("odd-one-out", "which does not belong to a topic", _gen_odd_one_out, _true_odd_one_out),
        Kind("claim", "true or false about a lecture claim", _gen_claim, _true_claim),
    )
}
