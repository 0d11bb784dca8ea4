"""Question kinds about reasons and evidence: why a design choice was made, and what an ablation showed."""

from __future__ import annotations

import random
from collections.abc import Iterator

from ...design import FACET_BY_KEY, Ablation, AblationPoint
from ...readmodel import ReadModel
from ..model import Question, Source
from .base import N_OPTIONS, Rng, homogeneous, make
from .facets import designed, phrase


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


# ---------------------------------------------------------------------------- why


def _rationales(model: ReadModel) -> dict[tuple[str, str], str]:
    """(method, facet) -> the authors' stated rationale, for every facet that has one."""
    out: dict[tuple[str, str], str] = {}
    for rid in designed(model):
        design = model.design(rid)
        for info, facet in design.facets() if design is not None else []:
            if facet.rationale:
                out[(rid, info.key)] = _sentence(facet.rationale)
    return out


def gen_why(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "MAE masks 75% of patches. Why so many?" The key is the authors' rationale; the distractors
    are the misconceptions recorded beside it, then other methods' rationales for the same facet."""
    rationales = _rationales(model)
    for (rid, facet), key in sorted(rationales.items()):
        design = model.design(rid)
        if design is None:
            continue
        block = getattr(design, facet)
        r = rng(f"why|{rid}|{facet}")
        wrong = [_sentence(m) for m in block.misconceptions]
        others = sorted(t for (o, f), t in rationales.items() if f == facet and o != rid and t != key)
        r.shuffle(others)
        pool = [w for w in wrong + others if w != key]
        chosen: list[str] = []
        for option in pool:
            if homogeneous([key, *chosen, option]):
                chosen.append(option)
            if len(chosen) == N_OPTIONS - 1:
                break
        if len(chosen) < N_OPTIONS - 1:
            continue
        values = block.value or []
        what = " and ".join(phrase(model, facet, v) for v in values)
        if block.ratio is not None and facet == "corruption":
            what += f", removing {block.ratio:.0%} of the input"
        name = model.name(rid)
        mistaken = [o for o in chosen if o not in others]
        explanation = (
            f"{name}'s authors give this reason: {key} Source: {block.source or 'the paper'}. "
            + (
                f"One of the other options is a misconception about {name}"
                if len(mistaken) == 1
                else f"{len(mistaken)} of the other options are misconceptions about {name}"
                if mistaken
                else ""
            )
            + ("; the rest are " if mistaken and len(mistaken) < len(chosen) else "")
            + ("The other options are " if not mistaken else "")
            + ("reasons given for other methods' choices" if len(mistaken) < len(chosen) else "")
            + "."
        )
        q = make(
            "why",
            {"record": rid, "facet": facet},
            f"{name} {what}. According to its authors, why?",
            key,
            chosen,
            rng,
            explanation=explanation,
            topics=model.topics_of(rid),
            difficulty=0.6,
            provenance=[Source(rid, f"design.{facet}.rationale")],
            links=[rid, FACET_BY_KEY[facet].vocabulary],
        )
        if q:
            yield q


def true_why(model: ReadModel, q: Question, option: str) -> bool:
    return _rationales(model).get((q.basis["record"], q.basis["facet"])) == option


# ---------------------------------------------------------------------------- what-if

#: Differences (in the metric's unit; for a ratio, hundredths) below SAME are "about the same",
#: at least CLEAR are "clear"; a difference within MARGIN of either bound is too close to call.
SAME, CLEAR, MARGIN = 0.3, 2.0, 0.05


def _scale(ablation: Ablation) -> float:
    return 100.0 if ablation.unit == "ratio" else 1.0


def _bucket(delta: float) -> int | None:
    """0 much higher, 1 higher, 2 about the same, 3 lower, 4 much lower; None: too close to call."""
    size = abs(delta)
    if any(abs(size - bound) < MARGIN for bound in (SAME, CLEAR)):
        return None
    if size < SAME:
        return 2
    if delta > 0:
        return 0 if size >= CLEAR else 1
    return 4 if size >= CLEAR else 3


def _buckets(unit: str) -> tuple[str, ...]:
    u = "points" if unit in ("%", "points") else "hundredths"
    return (
        f"Higher, by {CLEAR:g} {u} or more",
        f"Higher, by {SAME:g} to {CLEAR:g} {u}",
        f"About the same (within {SAME:g} {u})",
        f"Lower, by {SAME:g} to {CLEAR:g} {u}",
        f"Lower, by {CLEAR:g} {u} or more",
    )


def _find(model: ReadModel, rid: str, ablation_id: str) -> Ablation | None:
    return next((a for a in model.ablations(rid) if a.id == ablation_id), None)


def _delta(ablation: Ablation, setting: str) -> float:
    values = {p.setting: p.value for p in ablation.points}
    return (values[setting] - values[ablation.chosen]) * _scale(ablation)


def gen_what_if(model: ReadModel, rng: Rng) -> Iterator[Question]:
    """ "In MAE's ablation, how does fine-tuning accuracy with 25% masking compare with 75%?" The
    options are the direction and size of the effect, never the number itself."""
    for rid in designed(model):
        for ablation in model.ablations(rid):
            metric = model.name(ablation.metric)
            by_bucket: dict[int, AblationPoint] = {}
            for point in ablation.points:  # one point per effect size: two alike would be one question
                bucket = _bucket(_delta(ablation, point.setting))
                if point.setting != ablation.chosen and bucket is not None:
                    old = by_bucket.get(bucket)
                    if old is None or abs(_delta(ablation, point.setting)) > abs(
                        _delta(ablation, old.setting)
                    ):
                        by_bucket[bucket] = point
            for bucket, point in sorted(by_bucket.items()):
                labels = list(_buckets(ablation.unit))
                r = random.Random(f"what-if-drop|{rid}|{ablation.id}|{point.setting}")
                drop = r.choice([i for i in range(len(labels)) if i != bucket])
                options = [labels[i] for i in range(len(labels)) if i != drop]
                key = labels[bucket]
                name = model.name(rid)
                values = {p.setting: p.value for p in ablation.points}
                better = "higher" if ablation.higher_is_better else "lower"
                explanation = (
                    f"In {name}'s ablation ({ablation.source}), {point.setting} gives {values[point.setting]:g} "
                    f"and the chosen {ablation.chosen} gives {values[ablation.chosen]:g} ({metric}, "
                    f"{ablation.protocol}, {ablation.variant}); {better} is better."
                    + (
                        f" Why the authors keep {ablation.chosen}: {_sentence(ablation.rationale)}"
                        if ablation.rationale
                        else ""
                    )
                )
                q = make(
                    "what-if",
                    {"record": rid, "ablation": ablation.id, "setting": point.setting},
                    f"{name}'s authors varied the {ablation.factor} and kept {ablation.chosen}. With "
                    f"{point.setting} instead ({ablation.variant}, {ablation.protocol} on "
                    f"{model.name(ablation.dataset)}), how does {metric} compare with {ablation.chosen}?",
                    key,
                    [o for o in options if o != key],
                    rng,
                    explanation=explanation,
                    topics=model.topics_of(rid),
                    difficulty=0.6,
                    provenance=[Source(rid, f"ablations[{model.ablations(rid).index(ablation)}]")],
                    links=[rid],
                )
                if q:
                    yield q


def true_what_if(model: ReadModel, q: Question, option: str) -> bool:
    ablation = _find(model, q.basis["record"], q.basis["ablation"])
    if ablation is None or q.basis["setting"] not in {p.setting for p in ablation.points}:
        return False
    bucket = _bucket(_delta(ablation, q.basis["setting"]))
    return bucket is not None and option == _buckets(ablation.unit)[bucket]
