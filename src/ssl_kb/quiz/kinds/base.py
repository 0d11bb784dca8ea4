"""Shared pieces of the question kinds: the QuestionKind record and how options are built and picked."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ...readmodel import ReadModel
from ..model import Question, Source, question_id

Rng = Callable[[str], random.Random]
N_OPTIONS = 4


@dataclass(frozen=True)
class QuestionKind:
    name: str
    title: str
    generate: Callable[[ReadModel, Rng], Iterator[Question]]
    is_true: Callable[[ReadModel, Question, str], bool]
    level: str = "remember"  # Bloom's level of its questions (a generator may set its own per question)
    deck: str = "recall"  # "understanding" (the default deck) or "recall"


def make(
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
    quotes: bool = False,
    slot: dict[str, Any] | None = None,
) -> Question | None:
    """Assemble a question: shuffle the options deterministically; refuse duplicate options and a
    stem that gives the key away (unless the stem ``quotes`` text that the options answer).

    The id names the question's ``slot`` (the record, field or facet and whatever else makes it
    unique; ``basis`` where that holds no value), not its answer: editing the fact updates the
    same question, and deleting it retires the id."""
    options = [answer, *distractors]
    if len(set(options)) != len(options) or len(options) < 2:
        return None
    if not quotes and clue(prompt, answer, distractors):
        return None
    slot = dict(basis if slot is None else slot)
    qid = question_id(kind, slot)
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
        slot=slot,
    )


#: Words too common in this field to give an answer away.
COMMON = frozenset(
    [
        "about",
        "after",
        "their",
        "there",
        "these",
        "which",
        "while",
        "with",
        "without",
        "where",
        "other",
        "every",
        "images",
        "image",
        "model",
        "method",
        "methods",
        "learning",
        "training",
        "trained",
    ]
)


def words(text: str) -> set[str]:
    """The longer words of ``text`` (five letters or more), lower-cased, common ones left out."""
    return {w for w in re.findall(r"[a-z][a-z0-9-]{4,}", text.lower()) if w not in COMMON}


def clue(prompt: str, answer: str, distractors: list[str]) -> set[str]:
    """Words of the key that no distractor has and that the stem repeats: a clue to the answer."""
    others = set().union(*(words(d) for d in distractors)) if distractors else set()
    return (words(answer) - others) & words(prompt)


#: Options may differ in length by at most this factor (longest / shortest, in characters), or all
#: be short: a longest option that stands out is a clue (Haladyna et al. 2002).
LENGTH_RATIO = 2.5
SHORT = 24


def homogeneous(options: list[str]) -> bool:
    lengths = [len(o) for o in options]
    return min(lengths) > 0 and (max(lengths) <= LENGTH_RATIO * min(lengths) or max(lengths) <= SHORT)


def pick(model: ReadModel, subject: str, pool: list[str], k: int, rng: random.Random) -> list[str]:
    """``k`` distractors from ``pool``, preferring records from the same or a neighbouring topic."""
    near = model.neighbourhood(subject)
    close = sorted(p for p in pool if near & set(model.topics_of(p)))
    far = sorted(p for p in pool if p not in close)
    rng.shuffle(close)
    rng.shuffle(far)
    return (close + far)[:k]


def option_id(model: ReadModel, option: str) -> str | None:
    return model.by_name.get(option)


def fmt_number(value: Any, unit: str | None = None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0")
        text = text + "0" if text.endswith(".") else text  # 77.0, 70.55, 0.75
        text = text[:-2] if unit is None and text.endswith(".0") and abs(value) >= 1 else text
    else:
        text = str(value)
    return f"{text} {unit}".strip() if unit and unit != "%" else (f"{text}%" if unit == "%" else text)


def title(model: ReadModel, rid: str) -> str:
    paper = model.papers.get(rid)
    return f"\u201c{paper.title}\u201d" if paper else model.name(rid)
