"""Queries: each function's view of a store of the fixture KB, checked against the records themselves.

tests/test_store.py checks the values of the fixture's rows; these check the rules: sort orders,
filters, types of the views and the empty cases, on SQLite and (with SSL_KB_TEST_PG_URL) PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from ssl_kb import queries
from ssl_kb.kb import load
from ssl_kb.schema import FOLDERS, record_year
from ssl_kb.store import engine_for, write_store
from ssl_kb.tables import TABLES, table_of


@pytest.fixture(scope="module")
def records(request: pytest.FixtureRequest) -> dict:
    kb = load(Path(__file__).resolve().parent / "data" / "kb")
    assert kb.ok()
    return kb.records


@pytest.fixture
def engine(store_url: str, records: dict):
    paths = {rid: f"kb/{FOLDERS[r.kind]}/{rid}.yaml" for rid, r in records.items()}
    write_store(records.values(), store_url, paths)
    engine = engine_for(store_url, read_only=True)
    yield engine
    engine.dispose()


@pytest.fixture
def empty():
    from sqlmodel import SQLModel

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[table_of(t) for t in TABLES])
    yield engine
    engine.dispose()


def test_record_views_hold_the_records_fields(engine, records: dict) -> None:
    rows = queries.record_rows(engine)
    assert [r.id for r in rows] == sorted(records)
    for row in rows:
        record = records[row.id]
        assert (row.kind, row.name, row.summary) == (record.kind, record.name, record.summary)
        assert row.year == record_year(record)
        assert row.path == f"kb/{FOLDERS[record.kind]}/{row.id}.yaml"
        assert row.aliases == tuple(record.aliases) and isinstance(row.modalities, tuple)
        assert row.modalities == tuple(m.value for m in getattr(record, "modalities", []))
        assert isinstance(row.sources, dict)


def test_record_rows_filters_by_kind(engine, records: dict) -> None:
    for kinds in (("topic",), ("dataset", "metric"), ()):
        expected = sorted(rid for rid, r in records.items() if r.kind in kinds)
        assert [r.id for r in queries.record_rows(engine, kinds)] == expected


def test_topics_in_order_follow_the_lecture(engine, records: dict) -> None:
    topics = queries.topics_in_order(engine)
    assert [t.order for t in topics] == sorted(records[t.id].order for t in topics)
    assert {t.id for t in topics} == {rid for rid, r in records.items() if r.kind == "topic"}


def test_records_by_topic_oldest_first_and_topics_of_in_record_order(engine, records: dict) -> None:
    for topic in (rid for rid, r in records.items() if r.kind == "topic"):
        rows = queries.records_by_topic(engine, topic)
        assert {r.id for r in rows} == {
            rid for rid, r in records.items() if topic in r.topics and r.kind in ("method", "concept")
        }
        keys = [(r.year if r.year is not None else 9999, r.id) for r in rows]
        assert keys == sorted(keys)
    topics_of = queries.topics_of(engine)
    assert topics_of == {rid: list(r.topics) for rid, r in records.items() if r.topics}


def test_records_by_year_of_other_kinds_uses_their_own_year(engine, records: dict) -> None:
    years = queries.records_by_year(engine, ("dataset", "concept"))
    expected: dict[int, list[str]] = {}
    for rid in sorted(records):
        r = records[rid]
        if r.kind in ("dataset", "concept") and record_year(r) is not None:
            expected.setdefault(record_year(r), []).append(rid)
    assert {y: [r.id for r in rows] for y, rows in years.items()} == dict(sorted(expected.items()))
    assert list(years) == sorted(years)


def test_papers_keep_author_order(engine, records: dict) -> None:
    papers = queries.papers(engine)
    with_paper = {rid: r.paper for rid, r in records.items() if getattr(r, "paper", None)}
    assert sorted(papers) == sorted(with_paper)
    for rid, view in papers.items():
        assert view.authors == tuple(with_paper[rid].authors) and view.title == with_paper[rid].title
        assert view.year == with_paper[rid].year and view.record_id == rid


def test_results_sort_and_filters(engine, records: dict) -> None:
    rows = queries.results(engine)
    assert len(rows) == sum(len(getattr(r, "results", [])) for r in records.values())
    keys = [(r.dataset_id, r.protocol, r.metric_id, -r.value, r.record_id, r.position) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        source = records[r.record_id].results[r.position]
        assert (r.value, r.protocol, r.dataset_id) == (source.value, source.protocol.value, source.dataset)
        assert r.record_name == records[r.record_id].name
    assert queries.results(engine, dataset_id="imagenet-1k", record_id="mae") == [
        r for r in rows if r.record_id == "mae"
    ]
    assert queries.results(engine, dataset_id="no-such-dataset") == []
    grouped = queries.results_by_protocol(engine, "imagenet-1k")
    assert list(grouped) == sorted(grouped)
    assert sum(len(v) for v in grouped.values()) == len(queries.results(engine, dataset_id="imagenet-1k"))
    assert queries.results_by_protocol(engine, "no-such-dataset") == {}


def test_edges_claims_hyperparameters_and_losses_match_the_records(engine, records: dict) -> None:
    edges = queries.lineage_edges(engine)
    assert [(e.child_id, e.position, e.parent_id, e.type) for e in edges] == [
        (rid, i, edge.target, edge.type.value)
        for rid in sorted(records)
        for i, edge in enumerate(getattr(records[rid], "lineage", []))
    ]
    claims = queries.lecture_claims(engine)
    assert [(c.record_id, c.position, c.verdict) for c in claims] == [
        (rid, i, c.verdict.value)
        for rid in sorted(records)
        for i, c in enumerate(records[rid].lecture_claims)
    ]
    assert queries.lecture_claims(engine, ()) == []
    assert queries.lecture_claims(engine, ("correct",)) == [c for c in claims if c.verdict == "correct"]
    hypers = queries.hyperparameters(engine)
    assert [(h.record_id, h.name, h.value, type(h.value)) for h in hypers] == [
        (rid, h.name, h.value, type(h.value))
        for rid in sorted(records)
        for h in getattr(records[rid], "hyperparameters", [])
    ]
    assert queries.losses(engine) == {
        rid: list(r.losses) for rid, r in sorted(records.items()) if getattr(r, "losses", None)
    }


def test_counts_match_the_records(engine, records: dict) -> None:
    counts = queries.counts(engine)
    for kind in ("method", "concept", "topic", "dataset", "metric", "vocabulary"):
        assert counts[kind] == sum(r.kind == kind for r in records.values())
    assert counts["results"] == len(queries.results(engine))
    assert counts["edges"] == len(queries.lineage_edges(engine))
    assert counts["claims"] == len(queries.lecture_claims(engine))


def test_an_empty_store_gives_empty_answers(empty) -> None:
    assert queries.record_rows(empty) == [] and queries.topics_in_order(empty) == []
    assert queries.papers(empty) == {} and queries.results(empty) == []
    assert queries.lineage_edges(empty) == [] and queries.hyperparameters(empty) == []
    assert queries.records_by_year(empty) == {} and queries.topics_of(empty) == {}
    assert queries.counts(empty) == {
        "method": 0,
        "concept": 0,
        "topic": 0,
        "dataset": 0,
        "metric": 0,
        "vocabulary": 0,
        "results": 0,
        "edges": 0,
        "claims": 0,
    }


def test_views_are_frozen(engine) -> None:
    row = queries.record_rows(engine)[0]
    with pytest.raises(AttributeError):
        row.name = "changed"  # type: ignore[misc]
