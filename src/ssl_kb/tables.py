"""Tables: the SQLModel table classes of the store (separate from the pydantic record models).

``table=True`` models skip validation; :mod:`ssl_kb.store` converts validated records into these
rows and back. Every kind also gets a read-only view (``method``, ``concept`` ...).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlmodel import Field, SQLModel

from .schema import MODELS

SCHEMA_VERSION = 2  # 2: design facets, ablations and vocabularies


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON))


class RecordRow(SQLModel, table=True):
    __tablename__ = "record"
    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(index=True, max_length=16)
    name: str
    full_name: str | None = None
    summary: str
    family: str | None = Field(default=None, index=True)
    year: int | None = Field(default=None, index=True)
    path: str | None = None
    # method
    pretext_task: str | None = None
    architecture: str | None = None
    backbone: str | None = None
    training_data: str | None = None
    # topic
    order: int | None = None
    heading: str | None = None
    # dataset / metric
    size: str | None = None
    url: str | None = None
    higher_is_better: bool | None = None
    unit: str | None = None
    implementation: str | None = None
    own_year: int | None = None  # the record's own ``year`` field (concepts, datasets, metrics)
    modalities: list[str] | None = _json()
    aliases: list[str] | None = _json()
    notes: list[str] | None = _json()
    sources: dict[str, str] | None = _json()
    points: list[str] | None = _json()
    tasks: list[str] | None = _json()
    splits: list[str] | None = _json()


class PaperRow(SQLModel, table=True):
    __tablename__ = "paper"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    title: str
    year: int = Field(index=True)
    arxiv: str | None = Field(default=None, index=True)
    venue: str | None = None
    venue_year: int | None = None
    url: str | None = None
    doi: str | None = None
    source: str
    note: str | None = None


class AuthorRow(SQLModel, table=True):
    __tablename__ = "author"
    id: int = Field(primary_key=True)
    name: str = Field(unique=True, index=True)


class PaperAuthorRow(SQLModel, table=True):
    __tablename__ = "paper_author"
    record_id: str = Field(primary_key=True, foreign_key="paper.record_id")
    position: int = Field(primary_key=True)
    author_id: int = Field(foreign_key="author.id", index=True)


class RecordTopicRow(SQLModel, table=True):
    __tablename__ = "record_topic"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    topic_id: str = Field(index=True)


class ResultRow(SQLModel, table=True):
    __tablename__ = "result"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    dataset_id: str = Field(index=True)
    split: str
    task: str
    metric_id: str = Field(index=True)
    value: float
    unit: str
    protocol: str = Field(index=True)
    shots: int | None = None
    variant: str
    setting: str | None = None
    source: str
    note: str | None = None


class LineageRow(SQLModel, table=True):
    __tablename__ = "lineage_edge"
    child_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    parent_id: str = Field(index=True)
    type: str
    reason: str


class ClaimRow(SQLModel, table=True):
    __tablename__ = "lecture_claim"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    slide: str
    claim: str
    verdict: str = Field(index=True)
    correction: str | None = None
    source: str
    field: str | None = None
    misreadings: list[str] | None = _json()
    commented_out: bool = False
    note: str | None = None


class HyperparameterRow(SQLModel, table=True):
    __tablename__ = "hyperparameter"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    name: str = Field(index=True)
    value: Any = Field(sa_column=Column(JSON))  # keeps bool/int/float/str apart
    unit: str | None = None
    description: str
    source: str


class DatasetMetricRow(SQLModel, table=True):
    __tablename__ = "dataset_metric"
    dataset_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    metric_id: str = Field(index=True)


class RecordLossRow(SQLModel, table=True):
    __tablename__ = "record_loss"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    dotted: str


class DesignFacetRow(SQLModel, table=True):
    """One facet of a method's design block (its values are rows of ``design_value``)."""

    __tablename__ = "design_facet"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    facet: str = Field(primary_key=True, max_length=32)
    known: bool  # false where the facet's value is null (unknown, with a note)
    source: str | None = None
    ratio: float | None = None
    rationale: str | None = None
    note: str | None = None
    misconceptions: list[str] | None = _json()


class DesignValueRow(SQLModel, table=True):
    __tablename__ = "design_value"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    facet: str = Field(primary_key=True, max_length=32)
    position: int = Field(primary_key=True)
    value: str = Field(index=True, max_length=64)


class AblationRow(SQLModel, table=True):
    __tablename__ = "ablation"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    ablation_id: str = Field(index=True, max_length=64)
    factor: str
    facet: str | None = None
    dataset_id: str = Field(index=True)
    metric_id: str
    protocol: str
    variant: str
    unit: str
    higher_is_better: bool
    chosen: str
    rationale: str | None = None
    source: str
    note: str | None = None


class AblationPointRow(SQLModel, table=True):
    __tablename__ = "ablation_point"
    record_id: str = Field(primary_key=True, foreign_key="record.id")
    ablation_position: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    setting: str
    x: float | None = None
    value: float


class VocabularyValueRow(SQLModel, table=True):
    __tablename__ = "vocabulary_value"
    vocabulary_id: str = Field(primary_key=True, foreign_key="record.id")
    position: int = Field(primary_key=True)
    value_id: str = Field(index=True, max_length=64)
    name: str
    definition: str
    source: str | None = None


class MetaRow(SQLModel, table=True):
    __tablename__ = "store_meta"
    key: str = Field(primary_key=True)
    value: str


def table_of(model: type[SQLModel]) -> Table:
    """The SQLAlchemy table of a table class (SQLModel does not declare ``__table__`` to type checkers)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


TABLES: list[type[SQLModel]] = [
    RecordRow,
    PaperRow,
    AuthorRow,
    PaperAuthorRow,
    RecordTopicRow,
    ResultRow,
    LineageRow,
    ClaimRow,
    HyperparameterRow,
    DatasetMetricRow,
    RecordLossRow,
    DesignFacetRow,
    DesignValueRow,
    AblationRow,
    AblationPointRow,
    VocabularyValueRow,
    MetaRow,
]
RECORD_COLUMNS = (
    "pretext_task",
    "architecture",
    "backbone",
    "training_data",
    "order",
    "heading",
    "size",
    "url",
    "higher_is_better",
    "unit",
    "implementation",
    "modalities",
    "points",
    "tasks",
    "splits",
)
# One read-only view per kind, so that `SELECT name, year FROM method` works.
VIEWS = {kind: f"CREATE VIEW {kind} AS SELECT * FROM record WHERE kind = '{kind}'" for kind in MODELS}
