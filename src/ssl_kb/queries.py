"""Queries: the read side of the store that the site, the timeline, the graph and the quizzes use.

Every function takes a SQLAlchemy engine (SQLite or PostgreSQL) and returns frozen, typed views of
the store's rows (:class:`RecordView`, :class:`ResultView` ...), sorted deterministically, so
generated output never depends on the database's row order. JSON list columns read back as tuples.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine, RowMapping

from .schema import WORK_KINDS, RecordKind
from .tables import HyperparameterRow, RecordRow, table_of

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "WORK_KINDS",
    "ClaimView",
    "EdgeView",
    "HyperparameterView",
    "PaperView",
    "RecordView",
    "ResultView",
    "counts",
    "hyperparameters",
    "lecture_claims",
    "lineage_edges",
    "losses",
    "papers",
    "record_rows",
    "records_by_topic",
    "records_by_year",
    "results",
    "results_by_protocol",
    "topics_in_order",
    "topics_of",
]


@dataclass(frozen=True, slots=True)
class RecordView:
    """One row of the ``record`` table: the columns every kind shares and those of each kind."""

    id: str
    kind: str
    name: str
    full_name: str | None
    summary: str
    family: str | None
    year: int | None  # the year the record is dated by (its paper's, else its own)
    path: str | None  # its YAML file, relative to the checkout (None for records made in memory)
    pretext_task: str | None
    architecture: str | None
    backbone: str | None
    training_data: str | None
    order: int | None
    heading: str | None
    size: str | None
    url: str | None
    higher_is_better: bool | None
    unit: str | None
    implementation: str | None
    own_year: int | None
    modalities: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    points: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    splits: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperView:
    """A record's paper, with its authors in order."""

    record_id: str
    title: str
    year: int
    arxiv: str | None
    venue: str | None
    venue_year: int | None
    url: str | None
    doi: str | None
    source: str
    note: str | None
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResultView:
    """One reported result, with its record's name and year."""

    record_id: str
    position: int
    dataset_id: str
    split: str
    task: str
    metric_id: str
    value: float
    unit: str
    protocol: str
    shots: int | None
    variant: str
    setting: str | None
    source: str
    note: str | None
    record_name: str
    record_year: int | None


@dataclass(frozen=True, slots=True)
class EdgeView:
    """One lineage edge: ``child_id`` builds on ``parent_id``."""

    child_id: str
    position: int
    parent_id: str
    type: str
    reason: str


@dataclass(frozen=True, slots=True)
class ClaimView:
    """One checked lecture claim, with its record's name and kind."""

    record_id: str
    position: int
    slide: str
    claim: str
    verdict: str
    correction: str | None
    source: str
    field: str | None
    note: str | None
    record_name: str
    record_kind: str
    misreadings: tuple[str, ...] = ()  # plausible wrong corrections
    commented_out: bool = False  # the slide is commented out in the lecture's source


@dataclass(frozen=True, slots=True)
class HyperparameterView:
    """One hyperparameter of a record's loss; ``value`` keeps bool, int, float and str apart."""

    record_id: str
    position: int
    name: str
    value: bool | int | float | str
    unit: str | None
    description: str
    source: str
    record_name: str


View = TypeVar("View", bound="DataclassInstance")
_TUPLES = ("modalities", "aliases", "notes", "points", "tasks", "splits")


def _view(cls: type[View], row: Mapping[Any, Any]) -> View:
    """``cls`` from the row's columns named as its fields (extra columns are left out); ``row`` is
    a SQLAlchemy ``RowMapping`` (keyed by column name) or a dict made from one."""
    return cls(**{f.name: row[f.name] for f in fields(cls) if f.name in row})


def _mappings(engine: Engine, sql: str, **params: Any) -> list[RowMapping]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).mappings())


def _record_view(row: RowMapping) -> RecordView:
    data = dict(row)
    for column in _TUPLES:
        data[column] = tuple(data[column] or ())
    data["sources"] = dict(data["sources"] or {})
    return _view(RecordView, data)


def _records(engine: Engine) -> Iterator[RecordView]:
    """Record rows through SQLAlchemy (JSON columns decoded), sorted by id."""
    with engine.connect() as conn:
        rows = list(conn.execute(table_of(RecordRow).select()).mappings())
    return (_record_view(r) for r in sorted(rows, key=lambda r: str(r["id"])))


def record_rows(engine: Engine, kinds: tuple[str, ...] | None = None) -> list[RecordView]:
    """Records of these kinds (every kind by default), sorted by id."""
    return [r for r in _records(engine) if kinds is None or r.kind in kinds]


def topics_in_order(engine: Engine) -> list[RecordView]:
    """Topic rows in the lecture's order."""
    return sorted(record_rows(engine, ("topic",)), key=lambda r: (r.order or 0, r.id))


def records_by_topic(engine: Engine, topic_id: str, kinds: tuple[str, ...] = WORK_KINDS) -> list[RecordView]:
    """Records tagged with a topic, oldest first (ties by id)."""
    tagged = {
        r["record_id"]
        for r in _mappings(engine, "SELECT record_id FROM record_topic WHERE topic_id = :t", t=topic_id)
    }
    rows = [r for r in record_rows(engine, kinds) if r.id in tagged]
    return sorted(rows, key=lambda r: (r.year if r.year is not None else 9999, r.id))


def topics_of(engine: Engine) -> dict[str, list[str]]:
    """Record id -> its topic ids, in the record's order."""
    out: dict[str, list[str]] = {}
    for row in _mappings(
        engine, "SELECT record_id, topic_id, position FROM record_topic ORDER BY record_id, position"
    ):
        out.setdefault(row["record_id"], []).append(row["topic_id"])
    return out


def records_by_year(engine: Engine, kinds: tuple[str, ...] = ("method",)) -> dict[int, list[RecordView]]:
    """Dated records grouped by year, years ascending, ids sorted within a year."""
    out: dict[int, list[RecordView]] = {}
    for row in record_rows(engine, kinds):
        if row.year is not None:
            out.setdefault(row.year, []).append(row)
    return {year: sorted(rows, key=lambda r: r.id) for year, rows in sorted(out.items())}


def papers(engine: Engine) -> dict[str, PaperView]:
    """Record id -> its paper with ``authors`` in order."""
    authors: dict[str, list[str]] = {}
    for row in _mappings(
        engine,
        "SELECT pa.record_id, a.name FROM paper_author pa JOIN author a ON a.id = pa.author_id "
        "ORDER BY pa.record_id, pa.position",
    ):
        authors.setdefault(row["record_id"], []).append(row["name"])
    return {
        r["record_id"]: _view(PaperView, {**r, "authors": tuple(authors.get(r["record_id"], ()))})
        for r in _mappings(engine, "SELECT * FROM paper ORDER BY record_id")
    }


def results(
    engine: Engine, *, dataset_id: str | None = None, record_id: str | None = None
) -> list[ResultView]:
    """Results with their record's name and year, sorted by dataset, protocol, metric, value (desc)."""
    rows = [
        _view(ResultView, r)
        for r in _mappings(
            engine,
            "SELECT res.*, r.name AS record_name, r.year AS record_year FROM result res "
            "JOIN record r ON r.id = res.record_id",
        )
    ]
    rows = [r for r in rows if (dataset_id is None or r.dataset_id == dataset_id)]
    rows = [r for r in rows if (record_id is None or r.record_id == record_id)]
    return sorted(
        rows, key=lambda r: (r.dataset_id, r.protocol, r.metric_id, -r.value, r.record_id, r.position)
    )


def results_by_protocol(engine: Engine, dataset_id: str) -> dict[str, list[ResultView]]:
    """One dataset's results grouped by protocol (never ranked across protocols)."""
    out: dict[str, list[ResultView]] = {}
    for row in results(engine, dataset_id=dataset_id):
        out.setdefault(row.protocol, []).append(row)
    return dict(sorted(out.items()))


def lineage_edges(engine: Engine) -> list[EdgeView]:
    """All lineage edges (child_id, parent_id, type, reason), sorted."""
    return [
        _view(EdgeView, r)
        for r in _mappings(
            engine,
            "SELECT child_id, parent_id, type, reason, position FROM lineage_edge ORDER BY child_id, position",
        )
    ]


def lecture_claims(engine: Engine, verdicts: tuple[str, ...] | None = None) -> list[ClaimView]:
    """Lecture claims with their record's name and kind, sorted by record and position."""
    rows = []
    for r in _mappings(
        engine,
        "SELECT c.*, r.name AS record_name, r.kind AS record_kind FROM lecture_claim c "
        "JOIN record r ON r.id = c.record_id ORDER BY c.record_id, c.position",
    ):
        data = dict(r)
        misreadings = data.get("misreadings")
        if isinstance(misreadings, str):  # a JSON column read through text() comes back undecoded
            misreadings = json.loads(misreadings)
        data["misreadings"] = tuple(misreadings or ())
        data["commented_out"] = bool(data.get("commented_out"))
        rows.append(_view(ClaimView, data))
    return [r for r in rows if verdicts is None or r.verdict in verdicts]


def hyperparameters(engine: Engine) -> list[HyperparameterView]:
    """Hyperparameters with their record's name (``value`` decoded from its JSON column)."""
    with engine.connect() as conn:
        table, record = table_of(HyperparameterRow), table_of(RecordRow)
        query = (
            table.select()
            .add_columns(record.c.name.label("record_name"))
            .join_from(table, record, table.c.record_id == record.c.id)
            .order_by(table.c.record_id, table.c.position)
        )
        return [_view(HyperparameterView, r) for r in conn.execute(query).mappings()]


def losses(engine: Engine) -> dict[str, list[str]]:
    """Record id -> dotted paths of its reference loss implementations."""
    out: dict[str, list[str]] = {}
    for row in _mappings(engine, "SELECT record_id, dotted FROM record_loss ORDER BY record_id, position"):
        out.setdefault(row["record_id"], []).append(row["dotted"])
    return out


def counts(engine: Engine) -> dict[str, int]:
    """Number of records per kind, plus results, edges and claims."""
    out = {kind.value: 0 for kind in RecordKind}
    for row in _mappings(engine, "SELECT kind, COUNT(*) AS n FROM record GROUP BY kind"):
        out[row["kind"]] = int(row["n"])
    for table, key in (("result", "results"), ("lineage_edge", "edges"), ("lecture_claim", "claims")):
        out[key] = int(_mappings(engine, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])
    return out
