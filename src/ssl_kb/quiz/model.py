"""Question: one generated multiple-choice question, with its provenance."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

LETTERS = "abcdefghij"
#: Bloom's levels a question can test, lowest first (Anderson and Krathwohl's revision).
LEVELS = ("remember", "understand", "apply", "analyze")
#: The decks: ``understanding`` (the default: how methods work and why) and ``recall`` (years,
#: authors, slide membership, exact numbers; opt-in).
DECKS = ("understanding", "recall")


@dataclass(frozen=True)
class Source:
    """A fact a question was made from: a record and a field path in it."""

    record: str
    field: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    options: tuple[str, ...]
    answer: int  # index into options
    explanation: str
    topics: tuple[str, ...]
    difficulty: float  # 0 easy .. 1 hard
    provenance: tuple[Source, ...]
    links: tuple[str, ...] = field(default=())  # record ids whose pages explain the answer
    basis: dict[str, Any] = field(default_factory=dict, compare=False)  # the facts that decide the answer
    level: str = "remember"  # one of LEVELS
    deck: str = "recall"  # one of DECKS
    #: what the question is about, without its answer (the record, field or facet, ...): the id
    #: is made from it, so an edited fact keeps its question and a deleted one retires it
    slot: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def understanding(self) -> bool:
        """Whether it tests understanding or more (Bloom's ``understand`` and above)."""
        return self.level != "remember"

    @property
    def answer_text(self) -> str:
        return self.options[self.answer]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["options"] = list(self.options)
        data["topics"] = list(self.topics)
        data["links"] = list(self.links)
        data["provenance"] = [asdict(s) for s in self.provenance]
        data["answer_text"] = self.answer_text
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(
            id=data["id"],
            kind=data["kind"],
            prompt=data["prompt"],
            options=tuple(data["options"]),
            answer=int(data["answer"]),
            explanation=data["explanation"],
            topics=tuple(data["topics"]),
            difficulty=float(data["difficulty"]),
            provenance=tuple(Source(**s) for s in data["provenance"]),
            links=tuple(data.get("links", ())),
            basis=dict(data.get("basis", {})),
            level=str(data.get("level", "remember")),
            deck=str(data.get("deck", "recall")),
            slot=dict(data.get("slot", {})),
        )


def question_id(kind: str, facts: dict[str, Any]) -> str:
    """A stable id from a question's slot (what it asks about, not its answer, nor its
    distractors): the same slot gives the same id across runs, across edits of its own fact and
    across edits of other records."""
    blob = json.dumps({"kind": kind, **facts}, sort_keys=True, ensure_ascii=True, default=str)
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"
