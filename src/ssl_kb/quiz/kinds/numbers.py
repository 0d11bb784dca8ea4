"""Question kinds about numbers: a headline result under its protocol, a key hyperparameter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...queries import HyperparameterView, ResultView
from ...readmodel import ReadModel
from ..model import Question, Source
from .base import N_OPTIONS, Rng, fmt_number, make

# ---------------------------------------------------------------------------- 8. result


def decimals(text: str) -> int:
    """Digits after the decimal point of a formatted number ("70.55%" -> 2, "8" -> 0)."""
    match = re.search(r"\.(\d+)", text)
    return len(match.group(1)) if match else 0


def _result_key(r: ResultView) -> tuple[str | int | None, ...]:
    return (
        r.record_id,
        r.dataset_id,
        r.metric_id,
        r.protocol,
        r.shots,
        r.variant,
        r.split,
    )


def gen_result(model: ReadModel, rng: Rng) -> Iterator[Question]:
    keys: dict[tuple[str | int | None, ...], list[ResultView]] = {}
    for r in model.results:
        keys.setdefault(_result_key(r), []).append(r)
    for key, rows in sorted(keys.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        if len(rows) != 1 or model.rows[rows[0].record_id].kind != "method":
            continue
        r = rows[0]
        value, unit = float(r.value), r.unit
        answer = fmt_number(value, unit)
        scale = max(abs(value) * 0.04, 0.5 if unit == "%" else 0.01 * max(abs(value), 1))
        same_scale = model.index("results-by-metric", model.results, lambda o: (o.dataset_id, o.metric_id))
        others = sorted(
            {
                float(o.value)
                for o in same_scale[(r.dataset_id, r.metric_id)]
                if abs(float(o.value) - value) >= scale / 2
            }
        )
        gen = rng(f"result|{key}")
        places = decimals(answer)
        others = [v for v in others if decimals(fmt_number(v, unit)) == places]  # one precision
        near = sorted(others, key=lambda v: abs(v - value))[:5]
        gen.shuffle(near)
        values = near[:2]
        steps = [-2.0, -1.0, 1.0, 2.0, 3.0, -3.0]
        for step in steps:
            if len(values) >= N_OPTIONS - 1:
                break
            candidate = round(value + step * scale, places)
            if (
                decimals(fmt_number(candidate, unit)) == places
                and candidate >= 0
                and (unit != "%" or candidate <= 100)
                and all(abs(candidate - v) >= scale / 2 for v in [value, *values])
            ):
                values.append(candidate)
        if len(values) < N_OPTIONS - 1:
            continue
        shots = f", {r.shots}-shot" if r.shots else ""
        setting = f"{r.protocol}{shots}, {r.variant}, {r.split} split" + (
            f"; {r.setting}" if r.setting else ""
        )
        basis = {
            "record": r.record_id,
            "dataset": r.dataset_id,
            "metric": r.metric_id,
            "protocol": r.protocol,
            "shots": r.shots,
            "variant": r.variant,
            "split": r.split,
            "value": value,
        }
        q = make(
            "result",
            basis,
            f"What {model.name(r.metric_id)} does {model.name(r.record_id)} report on "
            f"{model.name(r.dataset_id)} ({r.task}; {setting})?",
            answer,
            [fmt_number(v, unit) for v in values],
            rng,
            explanation=f"{model.name(r.record_id)} reports {answer} ({setting}); source: {r.source}.",
            topics=model.topics_of(r.record_id),
            difficulty=0.8,
            provenance=[Source(r.record_id, f"results[{r.position}]")],
            links=[r.record_id, r.dataset_id],
            slot={k: v for k, v in basis.items() if k != "value"},
        )
        if q:
            yield q


def true_result(model: ReadModel, q: Question, option: str) -> bool:
    b = q.basis
    key = (b["record"], b["dataset"], b["metric"], b["protocol"], b["shots"], b["variant"], b["split"])
    rows = model.index("results", model.results, _result_key).get(key, [])
    return any(fmt_number(float(r.value), r.unit) == option for r in rows)


# ---------------------------------------------------------------------------- 9. hyperparameter


def gen_hyperparameter(model: ReadModel, rng: Rng) -> Iterator[Question]:
    by_key: dict[tuple[str, str], list[HyperparameterView]] = {}
    for h in model.hyperparameters:
        by_key.setdefault((h.record_id, h.name), []).append(h)
    asked: set[tuple[str, str]] = set()  # (record, value): sibling weights of one value read alike
    for (rid, name), rows in sorted(by_key.items()):
        if len(rows) != 1 or isinstance(rows[0].value, bool) or rid not in model.by_name.values():
            continue
        h = rows[0]
        if (rid, repr(h.value)) in asked:
            continue
        asked.add((rid, repr(h.value)))
        value = h.value
        answer = fmt_number(value, h.unit)
        gen = rng(f"hyper|{rid}|{name}")
        same_name = model.index("hypers-by-name", model.hyperparameters, lambda o: o.name)[name]
        candidates: list[Any] = sorted(
            {o.value for o in same_name if o.value != value and type(o.value) is type(value)},
            key=str,
        )
        gen.shuffle(candidates)
        if isinstance(value, int | float):
            factors = [0.5, 2.0, 0.25, 4.0, 1.5, 0.1, 10.0]
            for f in factors:
                cand: Any = value * f
                if isinstance(value, float) and 0 < value <= 1:
                    # stay a fraction in (0, 1) on the answer's scale: 3 significant digits, never 0 or 1
                    if cand >= 1:
                        continue
                    cand = float(f"{cand:.3g}")
                elif isinstance(value, int):
                    cand = round(cand)
                if cand != 0 or value == 0:  # a zero weight would be a different method, not a distractor
                    candidates.append(cand)
        options: list[str] = []
        for cand in candidates:
            text = fmt_number(cand, h.unit)
            if text != answer and text not in options and decimals(text) == decimals(answer):
                options.append(text)  # numbers at one precision: a longer number is a clue
        stem = f"In {model.name(rid)}, what is {name.replace('_', ' ')} ({h.description})?"
        if len(options) < N_OPTIONS - 1 or re.search(rf"(?<![\w.]){re.escape(answer)}(?![\w.])", stem):
            continue  # the description states the value: asking for it would be no question
        basis = {"record": rid, "name": name, "value": value}
        q = make(
            "hyperparameter",
            basis,
            stem,
            answer,
            options[: N_OPTIONS - 1],
            rng,
            explanation=f"{model.name(rid)} uses {name} = {answer}; source: {h.source}.",
            topics=model.topics_of(rid),
            difficulty=0.75,
            provenance=[Source(rid, f"hyperparameters[{h.position}]")],
            links=[rid],
            slot={"record": rid, "name": name},
        )
        if q:
            yield q


def true_hyperparameter(model: ReadModel, q: Question, option: str) -> bool:
    b = q.basis
    rows = model.index("hypers", model.hyperparameters, lambda h: (h.record_id, h.name)).get(
        (b["record"], b["name"]), []
    )
    return any(fmt_number(h.value, h.unit) == option for h in rows)
