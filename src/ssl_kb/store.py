"""Store: the typed SQL query layer (SQLModel tables, separate from the pydantic record models).

Records are converted explicitly into rows (:func:`rows_from_records`) and back
(:func:`records_from_store`); the round trip is lossless. The default store is an embedded SQLite
file; any SQLAlchemy URL works (PostgreSQL for a shared deployment). Rebuilding is atomic: SQLite
is written to a temporary file and renamed into place; other databases are rebuilt inside one
transaction (PostgreSQL's DDL is transactional), so a failed load leaves the previous data.

Table classes live in :mod:`ssl_kb.tables`; query functions for the site, the timeline and the quizzes live in :mod:`ssl_kb.queries`.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateTable
from sqlmodel import SQLModel

from .design import FACETS
from .errors import ForeignDatabase as ForeignDatabase
from .errors import NoStore
from .schema import MODELS, AnyRecord, record_year
from .tables import (
    RECORD_COLUMNS,
    SCHEMA_VERSION,
    TABLES,
    VIEWS,
    AblationPointRow,
    AblationRow,
    AuthorRow,
    ClaimRow,
    DatasetMetricRow,
    DesignFacetRow,
    DesignValueRow,
    HyperparameterRow,
    LineageRow,
    PaperAuthorRow,
    PaperRow,
    RecordLossRow,
    RecordRow,
    RecordTopicRow,
    ResultRow,
    VocabularyValueRow,
    table_of,
)


def resolve_url(url: str | None, default: str) -> str:
    """``url`` if given (``--url``, or ``$SSL_KB_DB_URL`` filled in by the CLI), else ``default``
    (the project's embedded SQLite file, :attr:`ssl_kb.project.Project.store_url`)."""
    return url or default


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///") :]
    return Path(path) if path and path != ":memory:" else None


def engine_for(url: str, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; ``read_only`` opens SQLite read-only and sets PostgreSQL sessions read-only."""
    path = sqlite_path(url)
    if path is not None and read_only:
        if not path.exists():
            raise NoStore(f"no store at {path}; run `ssl-kb db` first")
        engine = create_engine(f"sqlite:///file:{path.absolute()}?mode=ro&uri=true")
    else:
        engine = create_engine(url)
    if read_only and engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - needs PG
            cursor = dbapi_connection.cursor()
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cursor.close()
            dbapi_connection.commit()

    return engine


# ---------------------------------------------------------------------------- records -> rows


def rows_from_records(
    records: Iterable[AnyRecord], paths: dict[str, str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Explicit conversion from validated records to table rows (plain dicts per table)."""
    rows: dict[str, list[dict[str, Any]]] = {table_of(t).name: [] for t in TABLES}
    authors: dict[str, int] = {}
    for record in sorted(records, key=lambda r: r.id):
        data = record.model_dump(mode="json")
        row: dict[str, Any] = {
            "id": record.id,
            "kind": record.kind,
            "name": record.name,
            "full_name": record.full_name,
            "summary": record.summary,
            "family": data.get("family"),
            "year": record_year(record),
            "path": (paths or {}).get(record.id),
            "aliases": data["aliases"],
            "notes": data["notes"],
            "sources": data["sources"],
            "own_year": data.get("year"),
        }
        for column in RECORD_COLUMNS:
            row[column] = data.get(column)
        rows["record"].append(row)
        for i, topic in enumerate(record.topics):
            rows["record_topic"].append({"record_id": record.id, "position": i, "topic_id": topic})
        for i, claim in enumerate(data["lecture_claims"]):
            rows["lecture_claim"].append({"record_id": record.id, "position": i, **claim})
        paper = data.get("paper")
        if paper:
            names = paper.pop("authors")
            rows["paper"].append({"record_id": record.id, **paper})
            for i, name in enumerate(names):
                author_id = authors.setdefault(name, len(authors) + 1)
                rows["paper_author"].append({"record_id": record.id, "position": i, "author_id": author_id})
        for i, result in enumerate(data.get("results", [])):
            result = dict(result)
            result["dataset_id"] = result.pop("dataset")
            result["metric_id"] = result.pop("metric")
            rows["result"].append({"record_id": record.id, "position": i, **result})
        for i, edge in enumerate(data.get("lineage", [])):
            rows["lineage_edge"].append(
                {
                    "child_id": record.id,
                    "position": i,
                    "parent_id": edge["target"],
                    "type": edge["type"],
                    "reason": edge["reason"],
                }
            )
        for i, hyper in enumerate(data.get("hyperparameters", [])):
            rows["hyperparameter"].append({"record_id": record.id, "position": i, **hyper})
        for i, metric in enumerate(data.get("metrics", []) if record.kind == "dataset" else []):
            rows["dataset_metric"].append({"dataset_id": record.id, "position": i, "metric_id": metric})
        for i, dotted in enumerate(data.get("losses", [])):
            rows["record_loss"].append({"record_id": record.id, "position": i, "dotted": dotted})
        _design_rows(record.id, data, rows)
    rows["author"] = [{"id": i, "name": n} for n, i in sorted(authors.items(), key=lambda kv: kv[1])]
    rows["store_meta"] = [
        {"key": "schema_version", "value": str(SCHEMA_VERSION)},
        {"key": "records", "value": str(len(rows["record"]))},
    ]
    return rows


def _design_rows(rid: str, data: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
    """Rows of a record's design block, ablations and vocabulary values (``data`` is its JSON dump)."""
    for facet, block in (data.get("design") or {}).items():
        values = block.pop("value")
        rows["design_facet"].append({"record_id": rid, "facet": facet, "known": values is not None, **block})
        for i, value in enumerate(values or []):
            rows["design_value"].append({"record_id": rid, "facet": facet, "position": i, "value": value})
    for i, ablation in enumerate(data.get("ablations", [])):
        ablation = dict(ablation)
        points = ablation.pop("points")
        ablation["ablation_id"] = ablation.pop("id")
        ablation["dataset_id"] = ablation.pop("dataset")
        ablation["metric_id"] = ablation.pop("metric")
        rows["ablation"].append({"record_id": rid, "position": i, **ablation})
        for j, point in enumerate(points):
            rows["ablation_point"].append({"record_id": rid, "ablation_position": i, "position": j, **point})
    for i, value in enumerate(data.get("values", []) if data.get("kind") == "vocabulary" else []):
        value = dict(value)
        value["value_id"] = value.pop("id")
        rows["vocabulary_value"].append({"vocabulary_id": rid, "position": i, **value})


def _design_data(
    rid: str,
    facets: dict[str, list[dict[str, Any]]],
    values: dict[str, list[dict[str, Any]]],
    ablations: dict[str, list[dict[str, Any]]],
    points: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """The inverse of :func:`_design_rows` for one method: its ``design`` and ``ablations`` keys."""
    out: dict[str, Any] = {}
    if rid in facets:
        by_facet: dict[str, list[str]] = {}
        for v in values.get(rid, []):
            by_facet.setdefault(v["facet"], []).append(v["value"])
        out["design"] = {
            f["facet"]: _strip(f, "record_id", "facet", "known")
            | {"value": by_facet.get(f["facet"], []) if f["known"] else None}
            for f in facets[rid]
        }
    out["ablations"] = []
    for a in ablations.get(rid, []):
        ablation = _strip(a, "record_id", "position", "ablation_id", "dataset_id", "metric_id")
        ablation |= {"id": a["ablation_id"], "dataset": a["dataset_id"], "metric": a["metric_id"]}
        ablation["points"] = [
            _strip(p, "record_id", "ablation_position", "position")
            for p in points.get(rid, [])
            if p["ablation_position"] == a["position"]
        ]
        out["ablations"].append(ablation)
    return out


def _guard(conn: Any, tables: list[Any]) -> None:
    """Refuse to drop tables that are not an earlier ssl-kb store's (no ``store_meta`` beside them)."""
    from sqlalchemy import inspect

    present = set(inspect(conn).get_table_names()) | set(inspect(conn).get_view_names())
    ours = {t.name for t in tables} | set(VIEWS)
    clash = sorted(present & ours)
    if clash and "store_meta" not in present:
        raise ForeignDatabase(
            f"the database already has tables named {', '.join(clash)} that ssl-kb did not write "
            "(no store_meta table); give --url an empty database or one that holds an ssl-kb store"
        )


def _fill(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    metadata = SQLModel.metadata
    tables = [table_of(t) for t in TABLES]
    with engine.begin() as conn:
        _guard(conn, tables)
        for kind in VIEWS:
            conn.execute(text(f"DROP VIEW IF EXISTS {kind}"))
        metadata.drop_all(conn, tables=tables)
        for table in tables:  # tables, then their indexes in name order: byte-stable files
            conn.execute(CreateTable(table))
            for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
                index.create(conn)
        for table in tables:  # parents before children: TABLES is in dependency order
            batch = rows.get(table.name, [])
            if batch:
                conn.execute(table.insert(), batch)
        for ddl in VIEWS.values():
            conn.execute(text(ddl))


ABANDONED_AFTER_S = 600


def _remove_abandoned(path: Path) -> None:
    """Delete temporary stores left by a killed rebuild (older than any rebuild takes)."""
    import time

    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > ABANDONED_AFTER_S:
                stale.unlink()
        except OSError:
            pass


def memory_engine(records: Iterable[AnyRecord], paths: dict[str, str] | None = None) -> Engine:
    """A private in-memory SQLite store of ``records`` (what commands query when no URL is given)."""
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    _fill(engine, rows_from_records(records, paths))
    return engine


def write_store(records: Iterable[AnyRecord], url: str, paths: dict[str, str] | None = None) -> int:
    """Rebuild the store at ``url`` from ``records`` atomically; returns the number of records."""
    rows = rows_from_records(records, paths)
    path = sqlite_path(url)
    if path is None:
        engine = create_engine(url)
        try:
            _fill(engine, rows)
        finally:
            engine.dispose()
        return len(rows["record"])
    _guard_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask decides the mode
    try:
        _write_sqlite(tmp, rows)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(rows["record"])


def _guard_file(path: Path) -> None:
    """Replace only an earlier ssl-kb store: an SQLite file with a ``store_meta`` table."""
    import sqlite3

    if not path.exists() and not path.is_symlink():
        return
    if not path.is_file():
        raise ForeignDatabase(f"{path} exists and is not a file; give --url a new .sqlite file")
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head == b"":
        return
    if head == b"SQLite format 3\x00":
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                found = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'"
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            found = None
        if found:
            return
    raise ForeignDatabase(
        f"{path} exists and is not an ssl-kb store; give --url a new file, or move that one away"
    )


def _write_sqlite(path: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("PRAGMA journal_mode=OFF"))
            conn.execute(text("PRAGMA synchronous=OFF"))
        _fill(engine, rows)
    finally:
        engine.dispose()


def store_bytes(records: Iterable[AnyRecord], paths: dict[str, str] | None = None) -> bytes:
    """The SQLite store of ``records`` as the bytes of a file. They are deterministic: the same
    records give the same bytes (tables and indexes are created in a fixed order, rows sorted)."""
    with tempfile.TemporaryDirectory(prefix="ssl-kb-store-") as tmp:
        path = Path(tmp) / "ssl-kb.sqlite"
        _write_sqlite(path, rows_from_records(records, paths))
        return path.read_bytes()


# ---------------------------------------------------------------------------- rows -> records


def _fetch(conn: Any, model: Any) -> list[dict[str, Any]]:
    """Every row of a table, through SQLAlchemy so that JSON columns come back decoded."""
    return [dict(r._mapping) for r in conn.execute(model.__table__.select())]


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r[key], r["position"])):
        out.setdefault(row[key], []).append(row)
    return out


def _grouped_by(rows: list[dict[str, Any]], key: str, *order: str) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by ``key``, each group sorted by the ``order`` columns (in :data:`FACETS` order
    for ``facet``, so that a rebuilt design block lists its facets as the schema does)."""
    rank = {f.key: i for i, f in enumerate(FACETS)}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(
        rows, key=lambda r: (r[key], *[rank.get(r[c], 99) if c == "facet" else r[c] for c in order])
    ):
        out.setdefault(row[key], []).append(row)
    return out


def _strip(row: dict[str, Any], *drop: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in drop and v is not None}


def records_from_store(engine: Engine, ids: Iterable[str] | None = None) -> dict[str, AnyRecord]:
    """Rebuild validated records from the store (the inverse of :func:`rows_from_records`)."""
    with engine.connect() as conn:
        record_rows = sorted(_fetch(conn, RecordRow), key=lambda r: r["id"])
        wanted = set(ids) if ids is not None else None
        if wanted is not None:
            record_rows = [r for r in record_rows if r["id"] in wanted]
        papers = {r["record_id"]: r for r in _fetch(conn, PaperRow)}
        names = {r["id"]: r["name"] for r in _fetch(conn, AuthorRow)}
        authors = _grouped(_fetch(conn, PaperAuthorRow), "record_id")
        topics = _grouped(_fetch(conn, RecordTopicRow), "record_id")
        claims = _grouped(_fetch(conn, ClaimRow), "record_id")
        results = _grouped(_fetch(conn, ResultRow), "record_id")
        edges = _grouped(_fetch(conn, LineageRow), "child_id")
        hypers = _grouped(_fetch(conn, HyperparameterRow), "record_id")
        metrics = _grouped(_fetch(conn, DatasetMetricRow), "dataset_id")
        losses = _grouped(_fetch(conn, RecordLossRow), "record_id")
        facets = _grouped_by(_fetch(conn, DesignFacetRow), "record_id", "facet")
        values = _grouped(_fetch(conn, DesignValueRow), "record_id")
        ablations = _grouped(_fetch(conn, AblationRow), "record_id")
        points = _grouped_by(_fetch(conn, AblationPointRow), "record_id", "ablation_position", "position")
        vocab = _grouped(_fetch(conn, VocabularyValueRow), "vocabulary_id")
    out: dict[str, AnyRecord] = {}
    for row in record_rows:
        rid, kind = row["id"], row["kind"]
        model = MODELS[kind]
        data: dict[str, Any] = {"id": rid, "kind": kind, "name": row["name"], "summary": row["summary"]}
        for column in ("full_name", "family", *RECORD_COLUMNS):
            if row.get(column) is not None and column in model.model_fields:
                data[column] = row[column]
        if row.get("own_year") is not None:
            data["year"] = row["own_year"]
        for column in ("aliases", "notes", "sources"):
            if row.get(column):
                data[column] = row[column]
        data["topics"] = [t["topic_id"] for t in topics.get(rid, [])]
        data["lecture_claims"] = [_strip(c, "record_id", "position") for c in claims.get(rid, [])]
        if rid in papers:
            paper = _strip(papers[rid], "record_id")
            paper["authors"] = [names[a["author_id"]] for a in authors.get(rid, [])]
            data["paper"] = paper
        if "results" in model.model_fields:
            data["results"] = []
            for r in results.get(rid, []):
                result = _strip(r, "record_id", "position", "dataset_id", "metric_id")
                result["dataset"], result["metric"] = r["dataset_id"], r["metric_id"]
                data["results"].append(result)
        if "lineage" in model.model_fields:
            data["lineage"] = [
                {"target": e["parent_id"], "type": e["type"], "reason": e["reason"]}
                for e in edges.get(rid, [])
            ]
        if "hyperparameters" in model.model_fields:
            data["hyperparameters"] = [
                _strip(h, "record_id", "position") | {"value": h["value"]} for h in hypers.get(rid, [])
            ]
        if kind == "dataset":
            data["metrics"] = [m["metric_id"] for m in metrics.get(rid, [])]
        if "losses" in model.model_fields:
            data["losses"] = [loss["dotted"] for loss in losses.get(rid, [])]
        if kind == "method":
            data |= _design_data(rid, facets, values, ablations, points)
        if kind == "vocabulary":
            data["values"] = [
                _strip(v, "vocabulary_id", "position", "value_id") | {"id": v["value_id"]}
                for v in vocab.get(rid, [])
            ]
        out[rid] = model.model_validate(data)  # type: ignore[assignment]
    return out


def read_only_query(engine: Engine, sql: str, limit: int = 10_000) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; returns column names and (at most ``limit``) rows.

    Runs in :mod:`ssl_kb.sandbox`: the database refuses anything that writes or changes state
    (:class:`~ssl_kb.sandbox.QueryRefused`), whatever the statement looks like, and a statement
    that runs longer than the default time budget is stopped.
    """
    from .sandbox import run_query

    result = run_query(engine, sql, max_rows=limit)
    return result.columns, result.rows
