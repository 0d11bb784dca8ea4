"""Design space: how a method works, as typed facets drawn from controlled vocabularies.

A method record's ``design`` block names, for each facet in :data:`FACETS` (its objective, its
prediction target, its negatives...), one or more values of that facet's vocabulary, with the
source that states it. The vocabularies are records of their own (``kb/vocabularies/*.yaml``,
:class:`Vocabulary`): each value has a name and a definition, so contributors extend them by pull
request. An ``ablations`` list records, as data, what the paper measured when it varied one design
choice, and the authors' stated reason for the value they kept.

The quiz reads the facets to ask how a method works (:mod:`ssl_kb.quiz.kinds.design`); lint checks
that every value is in its vocabulary (KB214) and that every method has a design block (KB303).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .schema_base import MAX_LIST, Name, Protocol, RecordId, ShortText, Strict, Text, problem


@dataclass(frozen=True)
class FacetInfo:
    """One facet of the design space: its key in a record, its vocabulary and how to name it."""

    key: str  # key under ``design:`` (snake_case)
    vocabulary: str  # id of its vocabulary record (kebab-case)
    title: str  # as a heading: "Prediction target"
    noun: str  # inside a sentence: "prediction target"


FACETS: tuple[FacetInfo, ...] = (
    FacetInfo("objective", "objective", "Objective", "training objective"),
    FacetInfo("target", "target", "Prediction target", "prediction target"),
    FacetInfo("negatives", "negatives", "Negatives", "source of negative examples"),
    FacetInfo(
        "collapse_prevention", "collapse-prevention", "Collapse prevention", "safeguard against collapse"
    ),
    FacetInfo("corruption", "corruption", "Input corruption", "input corruption"),
    FacetInfo("encoder", "encoder", "Encoder", "encoder"),
    FacetInfo("fusion", "fusion", "Fusion of modalities", "fusion of modalities"),
    FacetInfo("frozen", "frozen", "Frozen parts", "frozen part"),
    FacetInfo("supervision", "supervision", "Supervision", "source of supervision"),
    FacetInfo("transfer", "transfer", "Use after pre-training", "use after pre-training"),
)
FACET_BY_KEY = {f.key: f for f in FACETS}
FACET_BY_VOCABULARY = {f.vocabulary: f for f in FACETS}
FacetKey = Literal[
    "objective",
    "target",
    "negatives",
    "collapse_prevention",
    "corruption",
    "encoder",
    "fusion",
    "frozen",
    "supervision",
    "transfer",
]


class Facet(Strict):
    """One facet of a method: its values (ids in the facet's vocabulary) and where they are stated.

    ``value: null`` means unknown or not stated by the paper, and needs a ``note`` saying why.
    """

    value: Annotated[list[RecordId], Field(min_length=1, max_length=8)] | None
    source: Text | None = Field(
        None, description="Paper section, figure or table that states it (with arXiv version if it matters)."
    )
    ratio: Annotated[float, Field(gt=0, le=1, strict=True)] | None = Field(
        None, description="For corruption: the fraction of the input removed (e.g. 0.75)."
    )
    rationale: Text | None = Field(None, description="The authors' stated reason for this choice.")
    misconceptions: Annotated[list[Text], Field(max_length=6)] = Field(
        [], description="Plausible but wrong reasons for this choice, each refuted by the paper or the KB."
    )
    note: Text | None = None

    @field_validator("value")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise problem("KB108", "a value is listed twice")
        return value

    @model_validator(mode="after")
    def _sourced(self) -> Facet:
        if self.value is None and self.note is None:
            raise problem("KB108", "a facet with value null needs a note saying why it is unknown")
        if self.value is not None and self.source is None:
            raise problem("KB108", "a facet with a value needs a source (paper section, figure or table)")
        if self.misconceptions and self.rationale is None:
            raise problem("KB108", "misconceptions are wrong reasons for a choice: give the rationale first")
        if self.ratio is not None and self.value is None:
            raise problem("KB108", "a ratio belongs to a corruption value; give the value")
        return self


class Design(Strict):
    """How a method works, one facet per key (every key present; unknown is ``value: null``)."""

    objective: Facet
    target: Facet
    negatives: Facet
    collapse_prevention: Facet
    corruption: Facet
    encoder: Facet
    fusion: Facet
    frozen: Facet
    supervision: Facet
    transfer: Facet

    @model_validator(mode="after")
    def _ratio_only_for_corruption(self) -> Design:
        for info in FACETS:
            if info.key != "corruption" and getattr(self, info.key).ratio is not None:
                raise problem("KB108", f"ratio is given for {info.key}; only corruption has a ratio")
        return self

    def facets(self) -> list[tuple[FacetInfo, Facet]]:
        return [(info, getattr(self, info.key)) for info in FACETS]


class AblationPoint(Strict):
    setting: ShortText = Field(
        description="The value tried, as the paper writes it, e.g. '75%' or '8 blocks'."
    )
    x: Annotated[float, Field(strict=True)] | None = Field(
        None, description="The value as a number, where the factor is numeric (0.75, 8)."
    )
    value: Annotated[float, Field(strict=True)] = Field(description="The measured number in the unit.")

    @field_validator("x", "value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise problem("KB103", "must be a finite number")
        return value


class Ablation(Strict):
    """What the paper measured when it varied one design choice with everything else fixed."""

    id: RecordId = Field(description="Unique within the record, e.g. 'mask-ratio'; never renamed.")
    factor: ShortText = Field(description="What was varied, e.g. 'mask ratio'.")
    facet: FacetKey | None = Field(None, description="The design facet it varies, if one.")
    dataset: RecordId
    metric: RecordId
    protocol: Protocol
    variant: ShortText = Field(description="Model and setting held fixed, e.g. 'ViT-L/16, 800 epochs'.")
    unit: Literal["%", "points", "ratio"] = "%"
    higher_is_better: Annotated[bool, Field(strict=True)] = True
    points: Annotated[list[AblationPoint], Field(min_length=2, max_length=MAX_LIST)]
    chosen: ShortText = Field(description="The setting the paper keeps as its default; one of points.")
    rationale: Text | None = Field(None, description="The authors' stated reason for the chosen value.")
    source: Text = Field(description="The table or figure, with arXiv version where it matters.")
    note: Text | None = None

    @model_validator(mode="after")
    def _chosen_is_a_point(self) -> Ablation:
        settings = [p.setting for p in self.points]
        if len(set(settings)) != len(settings):
            raise problem("KB108", "two points have the same setting")
        if self.chosen not in settings:
            raise problem("KB108", f"chosen {self.chosen!r} is not one of the settings {settings}")
        if any(p.x is None for p in self.points) and any(p.x is not None for p in self.points):
            raise problem("KB108", "give x for every point or for none")
        return self


class VocabularyValue(Strict):
    id: RecordId
    name: Name = Field(description="As it reads in a sentence or an option, e.g. 'normalised pixels'.")
    definition: Text
    source: Text | None = Field(None, description="A paper or book that defines the term, if one.")


__all__ = [
    "FACETS",
    "FACET_BY_KEY",
    "FACET_BY_VOCABULARY",
    "Ablation",
    "AblationPoint",
    "Design",
    "Facet",
    "FacetInfo",
    "VocabularyValue",
]
