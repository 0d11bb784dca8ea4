"""Record schema: the pydantic models that every YAML file in ``kb/`` must satisfy.

Single-record rules live here as validators; rules across records live in :mod:`ssl_kb.lint`.
A validator raises :func:`problem`: an error whose pydantic type is its diagnostic code (see
:data:`ssl_kb.diagnostics.CODES`), so validation classifies errors by type, never by message.
These models are the YAML contract only: the SQL tables are separate classes in
:mod:`ssl_kb.store`, with an explicit conversion in both directions.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, TypeAdapter, field_validator, model_validator
from pydantic_core import PydanticKnownError

from .design import FACET_BY_VOCABULARY, Ablation, Design, VocabularyValue
from .record_kinds import RecordKind as RecordKind  # re-exported: schema.RecordKind
from .schema_base import (
    ARXIV_PATTERN as ARXIV_PATTERN,
)
from .schema_base import (
    ARXIV_RE as ARXIV_RE,
)
from .schema_base import (
    ID_PATTERN as ID_PATTERN,
)
from .schema_base import (
    ID_RE as ID_RE,
)
from .schema_base import (
    LOSS_PATTERN as LOSS_PATTERN,
)
from .schema_base import (
    MAX_LIST as MAX_LIST,
)
from .schema_base import (
    MAX_TEXT as MAX_TEXT,
)
from .schema_base import (
    MAX_YEAR as MAX_YEAR,
)
from .schema_base import (
    MIN_YEAR as MIN_YEAR,
)
from .schema_base import (
    SNAKE_PATTERN as SNAKE_PATTERN,
)
from .schema_base import (
    ArxivId as ArxivId,
)
from .schema_base import (
    EdgeType as EdgeType,
)
from .schema_base import (
    FamilyId as FamilyId,
)
from .schema_base import (
    Modality as Modality,
)
from .schema_base import (
    Name as Name,
)
from .schema_base import (
    Protocol as Protocol,
)
from .schema_base import (
    RecordId as RecordId,
)
from .schema_base import (
    ShortText as ShortText,
)
from .schema_base import (
    Strict as Strict,
)
from .schema_base import (
    Text as Text,
)
from .schema_base import (
    Title as Title,
)
from .schema_base import (
    Verdict as Verdict,
)
from .schema_base import (
    Year as Year,
)
from .schema_base import _id_characters as _id_characters
from .schema_base import (
    arxiv_year as arxiv_year,
)
from .schema_base import (
    problem as problem,
)


class Paper(Strict):
    """The paper that introduced a method (or the key reference of a concept, dataset or metric)."""

    title: Title
    authors: Annotated[list[Name], Field(min_length=1, max_length=MAX_LIST)]
    year: Year = Field(description="Year of the first public version (first arXiv version if any).")
    arxiv: ArxivId | None = Field(None, description="New-style arXiv id without version, e.g. '2111.06377'.")
    venue: Name | None = Field(
        None, description="Where it was published, e.g. 'CVPR'; null if only a preprint."
    )
    venue_year: Year | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s<>\"']+$", max_length=500)] | None = None
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$", max_length=200)] | None = None
    source: Text = Field(description="Where these facts were checked, e.g. 'arXiv abstract page, v1'.")
    note: Text | None = None

    @model_validator(mode="after")
    def _venue_not_before_paper(self) -> Paper:
        if self.venue_year is not None and self.venue_year < self.year:
            raise problem(
                "KB108", f"venue_year {self.venue_year} is before the paper's first year {self.year}"
            )
        if self.venue_year is not None and self.venue is None:
            raise problem("KB108", "venue_year is set but venue is null")
        if self.url is None and self.arxiv is None and self.doi is None:
            raise problem("KB109", "give at least one of arxiv, doi or url so the paper can be found")
        return self


class LectureClaim(Strict):
    """Something the lecture says, checked against the paper."""

    slide: ShortText = Field(description="Title of the lecture slide that makes the claim.")
    claim: Text = Field(description="What the slide says, quoted or closely paraphrased.")
    verdict: Verdict
    correction: Text | None = Field(None, description="What is true instead; required unless correct.")
    source: Text = Field(description="Where the verdict was checked (paper, section, table).")
    field: ShortText | None = Field(None, description="The record field the claim concerns, e.g. paper.year.")
    misreadings: Annotated[list[ShortText], Field(max_length=6)] = Field(
        [],
        description="Plausible but wrong corrections of the claim (quiz distractors); each false by the source.",
    )
    commented_out: Annotated[bool, Field(strict=True)] = Field(
        False, description="The slide is commented out in the lecture's source, so students never saw it."
    )
    note: Text | None = None

    @model_validator(mode="after")
    def _correction_matches_verdict(self) -> LectureClaim:
        if self.verdict is Verdict.CORRECT and self.correction is not None:
            raise problem("KB108", "a claim judged correct has no correction (use note for nuance)")
        if self.verdict is not Verdict.CORRECT and self.correction is None:
            raise problem("KB108", f"a claim judged {self.verdict.value} needs a correction")
        if self.misreadings and self.verdict is Verdict.CORRECT:
            raise problem("KB108", "misreadings are wrong corrections: a claim judged correct has none")
        return self


HyperValue = (
    Annotated[bool, Field(strict=True)]
    | Annotated[int, Field(strict=True)]
    | Annotated[float, Field(strict=True)]
    | ShortText
)


class Hyperparameter(Strict):
    name: Annotated[str, StringConstraints(pattern=SNAKE_PATTERN, max_length=64)]
    value: HyperValue
    unit: ShortText | None = None
    description: Text
    source: Text

    @field_validator("value")
    @classmethod
    def _finite(cls, value: HyperValue) -> HyperValue:
        if isinstance(value, float) and not math.isfinite(value):
            raise problem("KB103", "must be a finite number")
        return value


class Result(Strict):
    """One reported number, with everything needed to compare it fairly."""

    dataset: RecordId = Field(description="Id of a dataset record.")
    split: ShortText
    task: ShortText
    metric: RecordId = Field(description="Id of a metric record listed by the dataset.")
    value: Annotated[float, Field(strict=True)]  # a quoted "87.8" is an error, not a number
    unit: Literal["%", "points", "ratio"] = "%"
    protocol: Protocol
    shots: Annotated[int, Field(ge=0, le=10_000, strict=True)] | None = None
    variant: ShortText = Field(description="Model variant, e.g. 'ViT-L/16, 224 px'.")
    setting: Text | None = None
    source: Text = Field(description="Table or section of the paper, with arXiv version where it matters.")
    note: Text | None = None

    @field_validator("value")
    @classmethod
    def _finite_positive(cls, value: float) -> float:
        if not math.isfinite(value):  # checked before the bound: NaN is not "below 0"
            raise problem("KB103", "must be a finite number")
        if value < 0:
            raise PydanticKnownError("greater_than_equal", {"ge": 0})  # pydantic's own error
        return value

    @model_validator(mode="after")
    def _in_range(self) -> Result:
        if self.unit == "%" and self.value > 100:
            raise problem("KB103", f"value {self.value} is above 100 for a percentage")
        if self.unit == "ratio" and self.value > 1:
            raise problem("KB103", f"value {self.value} is above 1 for a ratio")
        if self.protocol is Protocol.FEW_SHOT and self.shots is None:
            raise problem("KB108", "a few-shot result needs shots")
        if self.protocol is Protocol.ZERO_SHOT and self.shots not in (None, 0):
            raise problem("KB108", "a zero-shot result has shots 0 or null")
        return self


class LineageEdge(Strict):
    """A typed edge from this record to an earlier one that it builds on."""

    target: RecordId
    type: EdgeType
    reason: Text


FieldSources = Annotated[
    dict[Annotated[str, StringConstraints(pattern=SNAKE_PATTERN)], Text], Field(max_length=50)
]


class RecordBase(Strict):
    id: RecordId = Field(description="Lowercase kebab-case; equals the file name; never renamed.")
    name: Name
    full_name: Name | None = None
    aliases: Annotated[list[Name], Field(max_length=MAX_LIST)] = []
    summary: Text = Field(description="A short summary in your own words.")
    topics: Annotated[list[RecordId], Field(max_length=MAX_LIST)] = []
    sources: FieldSources = Field({}, description="Field name -> where that field's facts come from.")
    lecture_claims: Annotated[list[LectureClaim], Field(max_length=MAX_LIST)] = []
    notes: Annotated[list[Text], Field(max_length=MAX_LIST)] = []

    @field_validator("aliases", "topics")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for item in value:
            if item in seen:
                raise problem("KB108", f"duplicate entry {item!r}")
            seen.add(item)
        return value

    @model_validator(mode="after")
    def _sources_name_fields(self) -> RecordBase:
        unknown = sorted(set(self.sources) - set(type(self).model_fields))
        if unknown:
            raise problem("KB108", f"sources names unknown field(s): {', '.join(unknown)}")
        return self


class Method(RecordBase):
    """A paper's method or model."""

    kind: Literal["method"]
    paper: Paper
    family: FamilyId
    pretext_task: Text | None = Field(None, description="Pretext task or training objective.")
    architecture: Text | None = None
    backbone: ShortText | None = None
    modalities: Annotated[list[Modality], Field(min_length=1, max_length=4)]
    training_data: Text | None = None
    hyperparameters: Annotated[list[Hyperparameter], Field(max_length=MAX_LIST)] = []
    results: Annotated[list[Result], Field(max_length=MAX_LIST)] = []
    lineage: Annotated[list[LineageEdge], Field(max_length=MAX_LIST)] = []
    losses: Annotated[
        list[Annotated[str, StringConstraints(pattern=LOSS_PATTERN)]], Field(max_length=20)
    ] = []
    design: Design | None = Field(None, description="How the method works, as typed facets (ssl_kb.design).")
    ablations: Annotated[list[Ablation], Field(max_length=MAX_LIST)] = []

    @field_validator("ablations")
    @classmethod
    def _ablation_ids_unique(cls, value: list[Ablation]) -> list[Ablation]:
        ids = [a.id for a in value]
        if len(set(ids)) != len(ids):
            raise problem("KB108", "two ablations have the same id")
        return value

    @property
    def year(self) -> int:
        return self.paper.year


class Concept(RecordBase):
    """An idea that is not one paper (pseudo-labels, EM, colorization as a pretext task...)."""

    kind: Literal["concept"]
    family: FamilyId | None = None
    year: Year | None = Field(None, description="Year of the earliest work cited for it, if known.")
    paper: Paper | None = Field(None, description="The key reference, if one paper stands for it.")
    modalities: Annotated[list[Modality], Field(max_length=4)] = []
    lineage: Annotated[list[LineageEdge], Field(max_length=MAX_LIST)] = []
    losses: Annotated[
        list[Annotated[str, StringConstraints(pattern=LOSS_PATTERN)]], Field(max_length=20)
    ] = []


class Topic(RecordBase):
    """A section of the lecture."""

    kind: Literal["topic"]
    order: Annotated[int, Field(ge=1, le=1000, strict=True)]
    heading: Name = Field(description="The lecture's heading for this section, verbatim.")
    points: Annotated[list[Text], Field(min_length=1, max_length=MAX_LIST)]


class Dataset(RecordBase):
    """A dataset or benchmark that results are reported on."""

    kind: Literal["dataset"]
    modalities: Annotated[list[Modality], Field(min_length=1, max_length=4)]
    tasks: Annotated[list[ShortText], Field(min_length=1, max_length=MAX_LIST)]
    metrics: Annotated[list[RecordId], Field(min_length=1, max_length=MAX_LIST)]
    splits: Annotated[list[ShortText], Field(max_length=MAX_LIST)] = []
    size: Text | None = None
    year: Year | None = None
    paper: Paper | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s<>\"']+$", max_length=500)] | None = None


class Metric(RecordBase):
    """An evaluation metric (top-1 accuracy, VQA accuracy, CIDEr-D...)."""

    kind: Literal["metric"]
    higher_is_better: Annotated[bool, Field(strict=True)]
    unit: Literal["%", "points", "ratio"]
    year: Year | None = None
    paper: Paper | None = None
    implementation: Annotated[str, StringConstraints(pattern=LOSS_PATTERN)] | None = None


class Vocabulary(RecordBase):
    """The controlled values of one design facet (``kb/vocabularies/<facet>.yaml``)."""

    kind: Literal["vocabulary"]
    values: Annotated[list[VocabularyValue], Field(min_length=1, max_length=MAX_LIST)]

    @model_validator(mode="after")
    def _known_facet_and_unique_values(self) -> Vocabulary:
        if self.id not in FACET_BY_VOCABULARY:
            known = ", ".join(sorted(FACET_BY_VOCABULARY))
            raise problem("KB108", f"{self.id!r} is not a design facet's vocabulary; expected one of {known}")
        ids = [v.id for v in self.values]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise problem("KB108", f"value(s) listed twice: {', '.join(dup)}")
        return self


#: Where each kind of record lives under kb/ (and its section of the site).
FOLDERS = {
    kind.value: "vocabularies" if kind is RecordKind.VOCABULARY else f"{kind.value}s" for kind in RecordKind
}


def is_record_id(value: object) -> bool:
    """Whether ``value`` is a well-formed record id (lowercase kebab-case, at most 64 characters)."""
    return isinstance(value, str) and len(value) <= 64 and ID_RE.fullmatch(value) is not None


def _page_id(rid: str) -> str:
    # Page paths are built from ids: only a well-formed id (no '/', '.', '..' or newline) may
    # become a path, so no record value can name a page outside its folder.
    if not is_record_id(rid):
        raise ValueError(f"malformed id {rid!r} cannot name a page")
    return rid


def record_page(kind: str, rid: str) -> str:
    """The site's docs path of a record's page (``methods/mae.md``); the site and ``ssl-kb diff`` share it."""
    return f"{FOLDERS[kind]}/{_page_id(rid)}.md"


def quiz_page(topic_id: str) -> str:
    """The site's docs path of a topic's quiz page (``quiz/joint-embeddings.md``)."""
    return f"quiz/{_page_id(topic_id)}.md"


#: Kinds that are works with a place in the lineage (methods and concepts).
WORK_KINDS = (RecordKind.METHOD.value, RecordKind.CONCEPT.value)

Record = Annotated[Method | Concept | Topic | Dataset | Metric | Vocabulary, Field(discriminator="kind")]
RECORD_ADAPTER: TypeAdapter[Method | Concept | Topic | Dataset | Metric | Vocabulary] = TypeAdapter(Record)
MODELS: dict[str, type[RecordBase]] = {
    "method": Method,
    "concept": Concept,
    "topic": Topic,
    "dataset": Dataset,
    "metric": Metric,
    "vocabulary": Vocabulary,
}
AnyRecord = Method | Concept | Topic | Dataset | Metric | Vocabulary


def record_year(record: AnyRecord) -> int | None:
    """The year a record is dated by: its paper's first year, else its own ``year``."""
    paper = getattr(record, "paper", None)
    if paper is not None:
        return int(paper.year)
    year = getattr(record, "year", None)
    return int(year) if year is not None else None


def json_schema() -> dict[str, object]:
    """JSON Schema of a record file, for editors (yaml-language-server) and external tools."""
    schema = RECORD_ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ssl-kb record"
    schema["description"] = "One YAML file in kb/: a method, concept, topic, dataset, metric or vocabulary."
    return schema
