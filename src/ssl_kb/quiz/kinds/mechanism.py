"""Question kinds about how methods work, from their design facets: mechanism, contrast, scenario.

Each option is a facet value or a method; the truth test reads the facets from the store, so a
question is kept only when exactly one option holds over every method in it (the closed world).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from ...design import FACET_BY_KEY, FACETS
from ...readmodel import ReadModel
from ..model import Question, Source
from .base import N_OPTIONS, Rng, homogeneous, make, option_id
from .facets import WORDING, designed, holders, phrase, value_of_name

#: Facets a question is asked about, most telling first (the encoder is asked last: it is a name).
ASKED = (
    "target",
    "collapse_prevention",
    "objective",
    "negatives",
    "corruption",
    "fusion",
    "frozen",
    "supervision",
    "transfer",
    "encoder",
)


def _names(model: ReadModel, ids: list[str]) -> str:
    return ", ".join(model.name(i) for i in ids[:3]) + (" and others" if len(ids) > 3 else "")


def _source(model: ReadModel, rid: str, facet: str) -> str:
    design = model.design(rid)
    found = getattr(design, facet).source if design is not None else None
    return f" (source: {found})" if found else ""


def _named_in(model: ReadModel, rid: str, text: str) -> bool:
    """Whether ``text`` names ``rid`` (its name, full name or an alias, as whole words)."""
    row = model.rows[rid]
    names = [n for n in [row.name, row.full_name or "", *row.aliases] if len(n) >= 3]
    return any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.IGNORECASE) for n in names)


def _lower(text: str) -> str:
    """A definition as the continuation of a sentence: first letter lower-cased unless an acronym."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _near_first(model: ReadModel, rid: str, ids: list[str], rng: random.Random) -> list[str]:
    """``ids`` shuffled, those sharing a topic (or a neighbouring one) with ``rid`` first."""
    near = model.neighbourhood(rid)
    close = sorted(i for i in ids if near & set(model.topics_of(i)))
    far = sorted(i for i in ids if i not in close)
    rng.shuffle(close)
    rng.shuffle(far)
    return close + far


# ---------------------------------------------------------------------------- mechanism


def _other_values(
    model: ReadModel, rid: str, facet: str, own: tuple[str, ...], r: random.Random
) -> list[str]:
    """Values of ``facet`` that ``rid`` does not have: first those of related methods, then any
    other method's, then (only to fill up) the vocabulary's unused values."""
    used = [v for v in model.vocabulary(facet) if v not in own and holders(model, facet, v)]
    near = model.neighbourhood(rid)
    related = [v for v in used if any(near & set(model.topics_of(h)) for h in holders(model, facet, v))]
    rest = [v for v in used if v not in related]
    unused = [v for v in model.vocabulary(facet) if v not in own and v not in used]
    for group in (related, rest, unused):
        r.shuffle(group)
    skip = WORDING[facet].skip_ask
    return [v for v in related + rest + unused if v not in skip]


def gen_mechanism(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "What does BEiT predict?" (one method, options are values) and "Which of these uses no
    negatives?" (one value, options are methods)."""
    ids = designed(model)
    asked: dict[str, set[frozenset[str]]] = {f: set() for f in ASKED}
    for rid in ids:
        for facet in ASKED:
            own = model.facet_values(rid, facet)
            if not own or set(own) <= WORDING[facet].skip_ask:
                continue
            key = sorted(v for v in own if v not in WORDING[facet].skip_ask)[0]
            for attempt in range(4):  # the same four options as another method's would be one question
                r = rng(f"mechanism|{rid}|{facet}" + (f"|{attempt}" if attempt else ""))
                others: list[str] = []
                for v in _other_values(model, rid, facet, own, r):
                    names = [model.value_name(facet, x) for x in [key, *others, v]]
                    if len(others) < N_OPTIONS - 1 and homogeneous(names):
                        others.append(v)
                if frozenset([key, *others]) not in asked[facet]:
                    break
            options = frozenset([key, *others])
            if len(others) < N_OPTIONS - 1 or options in asked[facet]:
                continue
            asked[facet].add(options)
            name = model.name(rid)
            noun = FACET_BY_KEY[facet].noun
            why_not = " ".join(
                f"Not {model.value_name(facet, v)}: "
                + (
                    f"that is the {noun} of {_names(model, holders(model, facet, v))}."
                    if holders(model, facet, v)
                    else f"{_lower(model.vocabulary(facet)[v].definition)}"
                )
                for v in others
            )
            explanation = (
                f"{name}'s {noun} is {model.value_name(facet, key)}{_source(model, rid, facet)}: "
                f"{_lower(model.vocabulary(facet)[key].definition)} {why_not}"
            )
            q = make(
                "mechanism",
                {"form": "what", "record": rid, "facet": facet, "value": key},
                WORDING[facet].ask.format(m=name),
                model.value_name(facet, key),
                [model.value_name(facet, v) for v in others],
                rng,
                explanation=explanation,
                topics=model.topics_of(rid),
                difficulty=0.5,
                provenance=[Source(rid, f"design.{facet}")],
                links=[rid, FACET_BY_KEY[facet].vocabulary],
                slot={"form": "what", "record": rid, "facet": facet},
            )
            if q:
                yield q
    yield from _which_has(model, rng, ids)


def _which_has(model: ReadModel, rng: Rng, ids: list[str]) -> Iterator[Question]:
    for info in FACETS:
        facet = info.key
        for value in model.vocabulary(facet):
            having = [h for h in holders(model, facet, value) if h in ids]
            lacking = [
                i
                for i in ids
                if model.facet_values(i, facet) and value not in (model.facet_values(i, facet) or ())
            ]
            if not having or len(lacking) < N_OPTIONS - 1 or len(having) > len(ids) // 2:
                continue  # a value most methods share makes a weak question
            r = rng(f"which|{facet}|{value}")
            stem = f"Which of these methods {phrase(model, facet, value)}?"
            having = [h for h in having if not _named_in(model, h, stem)]
            if not having:
                continue
            key = r.choice(sorted(having))
            chosen = _near_first(model, key, lacking, r)[: N_OPTIONS - 1]
            lines = [f"{model.name(key)} {phrase(model, facet, value)}{_source(model, key, facet)}"]
            for other in chosen:
                theirs = model.facet_values(other, facet) or ()
                lines.append(f"{model.name(other)} " + " and ".join(phrase(model, facet, v) for v in theirs))
            q = make(
                "mechanism",
                {"form": "which", "facet": facet, "value": value},
                stem,
                model.name(key),
                [model.name(o) for o in chosen],
                rng,
                explanation=". ".join(lines) + ".",
                topics=model.topics_of(key),
                difficulty=0.45,
                provenance=[Source(i, f"design.{facet}") for i in [key, *chosen]],
                links=[key, info.vocabulary],
            )
            if q:
                yield q


def true_mechanism(model: ReadModel, q: Question, option: str) -> bool:
    b = q.basis
    if b["form"] == "what":
        value = value_of_name(model, b["facet"], option)
        return value is not None and value in (model.facet_values(b["record"], b["facet"]) or ())
    oid = option_id(model, option)
    return oid is not None and b["value"] in (model.facet_values(oid, b["facet"]) or ())


# ---------------------------------------------------------------------------- contrast


def _pairs(model: ReadModel, ids: list[str]) -> list[tuple[str, str]]:
    """Pairs worth contrasting: a lineage edge between them, or the same family."""
    chosen = set(ids)
    out: set[tuple[str, str]] = set()
    for edge in model.edges:  # not "uses": a method and its backbone are not rivals to contrast
        if edge.child_id in chosen and edge.parent_id in chosen and edge.type != "uses":
            out.add((edge.child_id, edge.parent_id))
    by_family: dict[str, list[str]] = {}
    for rid in ids:
        by_family.setdefault(model.rows[rid].family or "", []).append(rid)
    for members in by_family.values():
        for i, a in enumerate(sorted(members, key=model.chrono_key)):
            for b in sorted(members, key=model.chrono_key)[:i]:
                if (b, a) not in out:
                    out.add((a, b))
    return sorted(out)


def _contrast_text(model: ReadModel, facet: str, a: str, va: str, b: str, vb: str) -> str:
    return f"{model.name(a)} {phrase(model, facet, va)}; {model.name(b)} {phrase(model, facet, vb)}"


def gen_contrast(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "How do MAE and BEiT differ in what they predict?": options pair one value with each method."""
    ids = designed(model)
    for a, b in _pairs(model, ids):
        r = rng(f"contrast|{a}|{b}")
        asked = 0
        for facet in ASKED[:7]:
            fa, fb = model.facet_values(a, facet), model.facet_values(b, facet)
            if not fa or not fb or len(fa) > 1 or len(fb) > 1 or set(fa) & set(fb):
                continue
            va, vb = fa[0], fb[0]
            special = dict(WORDING[facet].special)
            if va in special or vb in special:
                continue  # each side names its value, so that the statement reads as a contrast
            third = [
                v
                for v in model.vocabulary(facet)
                if v not in (va, vb) and v not in special and holders(model, facet, v)
            ]
            if not third:
                continue
            vc = r.choice(third)
            key = _contrast_text(model, facet, a, va, b, vb)
            wrong = [
                _contrast_text(model, facet, a, vb, b, va),
                _contrast_text(model, facet, a, vc, b, vb),
                _contrast_text(model, facet, a, va, b, vc),
            ]
            noun = FACET_BY_KEY[facet].noun
            explanation = (
                f"{key}{_source(model, a, facet)}. The swapped statement is wrong, and "
                f"{model.value_name(facet, vc)} is the {noun} of neither"
                + (
                    f" (it is that of {_names(model, holders(model, facet, vc))})"
                    if holders(model, facet, vc)
                    else ""
                )
                + "."
            )
            q = make(
                "contrast",
                {"a": a, "b": b, "facet": facet},
                f"How do {model.name(a)} and {model.name(b)} differ in their {noun}?",
                key,
                wrong,
                rng,
                explanation=explanation,
                topics=sorted(set(model.topics_of(a)) | set(model.topics_of(b))),
                difficulty=0.6,
                provenance=[Source(a, f"design.{facet}"), Source(b, f"design.{facet}")],
                links=[a, b],
            )
            if q:
                yield q
                asked += 1
            if asked == 2:
                break


def true_contrast(model: ReadModel, q: Question, option: str) -> bool:
    b = q.basis
    fa = model.facet_values(b["a"], b["facet"]) or ()
    fb = model.facet_values(b["b"], b["facet"]) or ()
    return any(
        option == _contrast_text(model, b["facet"], b["a"], va, b["b"], vb)
        for va in fa
        for vb in fb
        if va not in fb and vb not in fa
    )


# ---------------------------------------------------------------------------- scenario

#: Facets a scenario's constraints are drawn from, in the order a reader states requirements.
CONSTRAINTS = ("supervision", "fusion", "encoder", "negatives", "target", "frozen", "transfer", "corruption")


def _fits(model: ReadModel, rid: str, wanted: list[tuple[str, str]]) -> bool:
    return all(v in (model.facet_values(rid, f) or ()) for f, v in wanted)


def gen_scenario(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "No labels, a ViT, no negatives, pixel targets: which method fits?" The constraints are
    chosen so that exactly one method in the store meets all of them."""
    ids = designed(model)
    for rid in ids:
        r = rng(f"scenario|{rid}")
        wanted: list[tuple[str, str]] = []
        rivals = [i for i in ids if i != rid]
        for facet in CONSTRAINTS:
            own = model.facet_values(rid, facet)
            if not own:
                continue
            value = sorted(own)[0]
            if all(_fits(model, o, [(facet, value)]) for o in rivals) and wanted:
                continue  # says nothing new
            if _named_in(model, rid, phrase(model, facet, value)):
                continue  # "encodes with a Vision Transformer" would name ViT
            wanted.append((facet, value))
            rivals = [o for o in rivals if _fits(model, o, wanted)]
            if not rivals or len(wanted) == 4:
                break
        if rivals or len(wanted) < 2:
            continue
        # distractors: methods that miss exactly one constraint are the instructive ones
        misses = {o: [w for w in wanted if not _fits(model, o, [w])] for o in ids if o != rid}
        known = [o for o in misses if all(model.facet_values(o, f) for f, _ in wanted)]
        ranked = sorted(known, key=lambda o: (len(misses[o]), o))
        near = [o for o in ranked if len(misses[o]) == 1]
        r.shuffle(near)
        chosen = (near + [o for o in ranked if o not in near])[: N_OPTIONS - 1]
        if len(chosen) < N_OPTIONS - 1:
            continue
        needs = [phrase(model, f, v) for f, v in wanted]
        stem = "You need a method that " + ", ".join(needs[:-1]) + f" and {needs[-1]}. Which one fits?"
        why_not = "; ".join(
            f"{model.name(o)} does not: it "
            + " and ".join(
                " and ".join(phrase(model, f, v) for v in (model.facet_values(o, f) or ()))
                for f, _ in misses[o]
            )
            for o in chosen
        )
        q = make(
            "scenario",
            {"record": rid, "wanted": [list(w) for w in wanted]},
            stem,
            model.name(rid),
            [model.name(o) for o in chosen],
            rng,
            explanation=f"Only {model.name(rid)} meets every requirement. {why_not}.",
            topics=model.topics_of(rid),
            difficulty=0.65,
            provenance=[Source(i, "design") for i in [rid, *chosen]],
            links=[rid, *chosen],
            slot={"record": rid},
        )
        if q:
            yield q


def true_scenario(model: ReadModel, q: Question, option: str) -> bool:
    oid = option_id(model, option)
    wanted = [(f, v) for f, v in q.basis["wanted"]]
    return oid is not None and _fits(model, oid, wanted)
