"""Queries: the read side of the store that the site, the timeline, the graph and the quizzes use.

Every function takes a SQLAlchemy engine (SQLite or PostgreSQL) and returns plain dicts sorted
deterministically, so generated output never depends on the database's row order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from .schema import WORK_KINDS, RecordKind
from .tables import RecordRow


def _rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def _records(engine: Engine) -> list[dict[str, Any]]:
    """Record rows through SQLAlchemy (JSON columns decoded), sorted by id."""
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(RecordRow.__table__.select())]  # type: ignore[attr-defined]
    return sorted(rows, key=lambda r: r["id"])


def record_rows(engine: Engine, kinds: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Summary rows of records (id, kind, name, full_name, year, family, summary...), sorted by id."""
    return [r for r in _records(engine) if kinds is None or r["kind"] in kinds]


def topics_in_order(engine: Engine) -> list[dict[str, Any]]:
    """Topic rows in the lecture's order."""
    return sorted(record_rows(engine, ("topic",)), key=lambda r: (r["order"], r["id"]))


def records_by_topic(
    engine: Engine, topic_id: str, kinds: tuple[str, ...] = WORK_KINDS
) -> list[dict[str, Any]]:
    """Records tagged with a topic, oldest first (ties by id)."""
    tagged = {
        r["record_id"]
        for r in _rows(engine, "SELECT record_id FROM record_topic WHERE topic_id = :t", t=topic_id)
    }
    rows = [r for r in record_rows(engine, kinds) if r["id"] in tagged]
    return sorted(rows, key=lambda r: (r["year"] if r["year"] is not None else 9999, r["id"]))


def topics_of(engine: Engine) -> dict[str, list[str]]:
    """Record id -> its topic ids, in the record's order."""
    out: dict[str, list[str]] = {}
    for row in _rows(
        engine, "SELECT record_id, topic_id, position FROM record_topic ORDER BY record_id, position"
    ):
        out.setdefault(row["record_id"], []).append(row["topic_id"])
    return out


def records_by_year(engine: Engine, kinds: tuple[str, ...] = ("method",)) -> dict[int, list[dict[str, Any]]]:
    """Dated records grouped by year, years ascending, ids sorted within a year."""
    out: dict[int, list[dict[str, Any]]] = {}
    for row in record_rows(engine, kinds):
        if row["year"] is not None:
            out.setdefault(int(row["year"]), []).append(row)
    return {year: sorted(rows, key=lambda r: r["id"]) for year, rows in sorted(out.items())}


def papers(engine: Engine) -> dict[str, dict[str, Any]]:
    """Record id -> its paper with ``authors`` in order."""
    out = {
        r["record_id"]: r | {"authors": []} for r in _rows(engine, "SELECT * FROM paper ORDER BY record_id")
    }
    for row in _rows(
        engine,
        "SELECT pa.record_id, a.name FROM paper_author pa JOIN author a ON a.id = pa.author_id "
        "ORDER BY pa.record_id, pa.position",
    ):
        out[row["record_id"]]["authors"].append(row["name"])
    return out


def results(
    engine: Engine, *, dataset_id: str | None = None, record_id: str | None = None
) -> list[dict[str, Any]]:
    """Results with their record's name and year, sorted by dataset, protocol, metric, value (desc)."""
    rows = _rows(
        engine,
        "SELECT res.*, r.name AS record_name, r.year AS record_year FROM result res "
        "JOIN record r ON r.id = res.record_id",
    )
    rows = [r for r in rows if (dataset_id is None or r["dataset_id"] == dataset_id)]
    rows = [r for r in rows if (record_id is None or r["record_id"] == record_id)]
    return sorted(
        rows,
        key=lambda r: (
            r["dataset_id"],
            r["protocol"],
            r["metric_id"],
            -r["value"],
            r["record_id"],
            r["position"],
        ),
    )


def results_by_protocol(engine: Engine, dataset_id: str) -> dict[str, list[dict[str, Any]]]:
    """One dataset's results grouped by protocol (never ranked across protocols)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in results(engine, dataset_id=dataset_id):
        out.setdefault(row["protocol"], []).append(row)
    return dict(sorted(out.items()))


def lineage_edges(engine: Engine) -> list[dict[str, Any]]:
    """All lineage edges (child_id, parent_id, type, reason), sorted."""
    return _rows(
        engine,
        "SELECT child_id, parent_id, type, reason, position FROM lineage_edge ORDER BY child_id, position",
    )


def lecture_claims(engine: Engine, verdicts: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Lecture claims with their record's name and kind, sorted by record and position."""
    rows = _rows(
        engine,
        "SELECT c.*, r.name AS record_name, r.kind AS record_kind FROM lecture_claim c "
        "JOIN record r ON r.id = c.record_id ORDER BY c.record_id, c.position",
    )
    return [r for r in rows if verdicts is None or r["verdict"] in verdicts]


def hyperparameters(engine: Engine) -> list[dict[str, Any]]:
    """Hyperparameters with their record's name."""
    return _rows(
        engine,
        "SELECT h.*, r.name AS record_name FROM hyperparameter h JOIN record r ON r.id = h.record_id "
        "ORDER BY h.record_id, h.position",
    )


def losses(engine: Engine) -> dict[str, list[str]]:
    """Record id -> dotted paths of its reference loss implementations."""
    out: dict[str, list[str]] = {}
    for row in _rows(engine, "SELECT record_id, dotted FROM record_loss ORDER BY record_id, position"):
        out.setdefault(row["record_id"], []).append(row["dotted"])
    return out


def field_candidates(
    engine: Engine, column: str, kinds: tuple[str, ...] = ("method",)
) -> dict[str, list[str]]:
    """Distinct values of one record column -> the ids that have it (for distractors and uniqueness).

    ``column`` is one of the record table's text columns (architecture, backbone, family, year...).
    """
    allowed = {
        "architecture",
        "backbone",
        "family",
        "year",
        "pretext_task",
        "training_data",
        "name",
        "full_name",
        "summary",
    }
    if column not in allowed:
        raise ValueError(f"column: expected one of {sorted(allowed)}, got {column!r}")
    out: dict[str, list[str]] = {}
    for row in record_rows(engine, kinds):
        value = row[column]
        if value is not None:
            out.setdefault(str(value), []).append(row["id"])
    return {k: sorted(v) for k, v in sorted(out.items())}


def authors_of(engine: Engine) -> dict[str, list[str]]:
    """Record id -> authors in order (only records with papers)."""
    return {rid: paper["authors"] for rid, paper in papers(engine).items()}


def counts(engine: Engine) -> dict[str, int]:
    """Number of records per kind, plus results, edges and claims."""
    out = {kind.value: 0 for kind in RecordKind}
    for row in _rows(engine, "SELECT kind, COUNT(*) AS n FROM record GROUP BY kind"):
        out[row["kind"]] = int(row["n"])
    for table, key in (("result", "results"), ("lineage_edge", "edges"), ("lecture_claim", "claims")):
        out[key] = int(_rows(engine, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])
    return out
