"""Sandbox: one statement, read-only and bounded, on a store of the fixture KB.

The command line's behaviour (VACUUM INTO, ATTACH, Ctrl-C in a subprocess) is in
tests/hostile/test_sql.py; these are the library's own rules, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from ssl_kb.kb import load
from ssl_kb.sandbox import Query, QueryFailed, QueryRefused, QueryStopped, run_query
from ssl_kb.store import engine_for, memory_engine, write_store

ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


@pytest.fixture(scope="module")
def records() -> dict:
    return load(Path(__file__).resolve().parent / "data" / "kb").records


@pytest.fixture
def engine(store_url: str, records: dict):
    write_store(records.values(), store_url)
    engine = engine_for(store_url, read_only=True)
    yield engine
    engine.dispose()


def test_a_select_returns_columns_and_rows(engine, records: dict) -> None:
    result = run_query(engine, "SELECT id, name FROM record ORDER BY id")
    assert result.columns == ["id", "name"] and not result.truncated
    assert result.rows == [(rid, records[rid].name) for rid in sorted(records)]


def test_rows_are_capped_at_max_rows_and_say_so(engine, records: dict) -> None:
    result = run_query(engine, "SELECT id FROM record ORDER BY id", max_rows=3)
    assert result.rows == [(rid,) for rid in sorted(records)[:3]] and result.truncated
    exact = run_query(engine, "SELECT id FROM record", max_rows=len(records))
    assert len(exact.rows) == len(records) and not exact.truncated


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("DELETE FROM record", "DELETE"),
        ("UPDATE record SET name = 'x'", "UPDATE"),
        ("INSERT INTO store_meta (key, value) VALUES ('a', 'b')", "INSERT"),
        # SQLite's authorizer may see the write into sqlite_master first
        ("DROP TABLE lineage_edge", "DROP|CHANGING THE SCHEMA"),
        ("CREATE TABLE evil (a INTEGER)", "CREATE|CHANGING THE SCHEMA"),
    ],
)
def test_writes_are_refused_and_change_nothing(engine, records: dict, statement: str, what: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        run_query(engine, statement)
    assert any(word in caught.value.what.upper() for word in what.split("|")), caught.value.what
    assert str(caught.value) == f"{caught.value.what} is not allowed"
    assert run_query(engine, "SELECT COUNT(*) FROM record").rows == [(len(records),)]


def test_an_error_of_the_database_is_query_failed(engine) -> None:
    with pytest.raises(QueryFailed, match="no_such_table"):
        run_query(engine, "SELECT * FROM no_such_table")
    with pytest.raises(QueryFailed):
        run_query(engine, "SELEC 1")


def test_an_endless_query_stops_at_the_timeout(engine) -> None:
    with pytest.raises(QueryStopped) as caught:
        run_query(engine, ENDLESS, timeout_s=0.2)
    assert caught.value.timed_out and caught.value.timeout_s == 0.2


def test_interrupt_from_another_thread_stops_the_query(engine) -> None:
    query = Query(engine, ENDLESS, timeout_s=60)
    timer = threading.Timer(0.3, query.interrupt)
    timer.start()
    try:
        with pytest.raises(QueryStopped) as caught:
            query.run()
    finally:
        timer.cancel()
    assert not caught.value.timed_out and str(caught.value) == "interrupted"


def test_interrupt_before_run_stops_at_once(engine) -> None:
    query = Query(engine, "SELECT 1")
    query.interrupt()
    with pytest.raises(QueryStopped):
        query.run()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"timeout_s": 0}, "timeout_s"),
        ({"timeout_s": -1}, "timeout_s"),
        ({"timeout_s": float("nan")}, "timeout_s"),
        ({"max_rows": 0}, "max_rows"),
    ],
)
def test_bad_bounds_are_refused_before_anything_runs(kwargs: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Query(None, "SELECT 1", **kwargs)  # type: ignore[arg-type]


def test_the_connections_settings_are_restored_after_a_query(records: dict) -> None:
    """On the in-memory store (one shared connection) the sandbox must not leave it read-only."""
    engine = memory_engine(records.values())
    try:
        run_query(engine, "SELECT 1")
        with pytest.raises(QueryRefused):
            run_query(engine, "DELETE FROM record")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM store_meta"))
            assert conn.execute(text("PRAGMA query_only")).scalar() == 0
        assert run_query(engine, "SELECT COUNT(*) FROM store_meta").rows == [(0,)]
    finally:
        engine.dispose()


def test_read_only_pragmas_run_and_writing_ones_are_refused(records: dict) -> None:
    engine = memory_engine(records.values())
    try:
        assert run_query(engine, "PRAGMA table_info(record)").rows
        assert run_query(engine, "PRAGMA user_version").rows == [(0,)]
        with pytest.raises(QueryRefused, match="user_version"):
            run_query(engine, "PRAGMA user_version = 5")
        with pytest.raises(QueryRefused):
            run_query(engine, "VACUUM")
    finally:
        engine.dispose()
