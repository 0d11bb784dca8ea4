"""Sandbox: one ad-hoc SQL statement, run read-only and bounded (what ``ssl-kb sql`` runs).

The promise: the statement cannot write or change state anywhere (the store, another file, the
connection's settings), it stops after ``timeout_s`` or at once when :meth:`Query.interrupt` is
called, and at most ``max_rows`` rows come back. The database enforces it, not a look at the text:

- SQLite: ``PRAGMA query_only`` and no attached databases (``SQLITE_LIMIT_ATTACHED`` 0) on a
  connection that the store opened read-only (``mode=ro``); an authorizer that allows reading only
  (SELECT, reads, functions, recursive CTEs and the read-only PRAGMAs in :data:`READ_PRAGMAS`); its
  bytecode is read first (``EXPLAIN``) to refuse VACUUM, which has no authorizer action; a progress
  handler enforces the time budget and the interrupt; values are capped at :data:`MAX_VALUE_BYTES`.
- PostgreSQL: exactly one statement (the extended protocol refuses several), described by the
  server before it runs so that one returning no rows (DO, COPY, SET, COMMIT) is refused unrun; in a
  ``READ ONLY`` transaction with ``statement_timeout``; a superuser's query runs as
  ``pg_read_all_data`` (a superuser may ``COPY ... TO`` a file even in a read-only transaction);
  rows are streamed one by one; rolled back afterwards; :meth:`Query.interrupt` cancels it.

The library installs no signal handler: a caller that wants Ctrl-C to stop a query calls
:meth:`Query.interrupt` from its own (it is safe to call from a signal handler or another thread).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .errors import QueryError as QueryError
from .errors import QueryFailed as QueryFailed
from .errors import QueryRefused as QueryRefused
from .errors import QueryStopped as QueryStopped

if TYPE_CHECKING:
    from collections.abc import Generator

    from sqlalchemy.engine import Engine

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_ROWS = 1000
MAX_VALUE_BYTES = 10_000_000
PROGRESS_EVERY = 1000  # SQLite virtual machine instructions between two looks at the clock

# PRAGMAs that only report; those in the second set only without a value (with one they write).
READ_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
        "collation_list",
        "function_list",
        "module_list",
        "pragma_list",
        "compile_options",
        "database_list",
    }
)
READ_PRAGMAS_WITHOUT_VALUE = frozenset(
    {"user_version", "schema_version", "application_id", "encoding", "page_count", "page_size"}
)
_ROW_ACTIONS = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_SCHEMA_TABLES = {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"}
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_S = sqlite3
_ACTIONS = {  # the authorizer's action codes, as the statement that asks for them
    _S.SQLITE_CREATE_INDEX: "CREATE INDEX",
    _S.SQLITE_CREATE_TABLE: "CREATE TABLE",
    _S.SQLITE_CREATE_TEMP_INDEX: "CREATE INDEX",
    _S.SQLITE_CREATE_TEMP_TABLE: "CREATE TABLE",
    _S.SQLITE_CREATE_TEMP_TRIGGER: "CREATE TRIGGER",
    _S.SQLITE_CREATE_TEMP_VIEW: "CREATE VIEW",
    _S.SQLITE_CREATE_TRIGGER: "CREATE TRIGGER",
    _S.SQLITE_CREATE_VIEW: "CREATE VIEW",
    _S.SQLITE_DELETE: "DELETE",
    _S.SQLITE_DROP_INDEX: "DROP INDEX",
    _S.SQLITE_DROP_TABLE: "DROP TABLE",
    _S.SQLITE_DROP_TEMP_INDEX: "DROP INDEX",
    _S.SQLITE_DROP_TEMP_TABLE: "DROP TABLE",
    _S.SQLITE_DROP_TEMP_TRIGGER: "DROP TRIGGER",
    _S.SQLITE_DROP_TEMP_VIEW: "DROP VIEW",
    _S.SQLITE_DROP_TRIGGER: "DROP TRIGGER",
    _S.SQLITE_DROP_VIEW: "DROP VIEW",
    _S.SQLITE_INSERT: "INSERT",
    _S.SQLITE_PRAGMA: "PRAGMA",
    _S.SQLITE_TRANSACTION: "BEGIN, COMMIT or ROLLBACK",
    _S.SQLITE_UPDATE: "UPDATE",
    _S.SQLITE_ATTACH: "ATTACH",
    _S.SQLITE_DETACH: "DETACH",
    _S.SQLITE_ALTER_TABLE: "ALTER TABLE",
    _S.SQLITE_REINDEX: "REINDEX",
    _S.SQLITE_ANALYZE: "ANALYZE",
    _S.SQLITE_CREATE_VTABLE: "CREATE VIRTUAL TABLE",
    _S.SQLITE_DROP_VTABLE: "DROP VIRTUAL TABLE",
    _S.SQLITE_SAVEPOINT: "SAVEPOINT",
}
# Opcodes that only a writing statement compiles to (VACUUM reaches the authorizer only while it runs).
_WRITING_OPCODES = {
    "Vacuum": "VACUUM",
    "IncrVacuum": "VACUUM",
    "OpenWrite": "writing",
    "JournalMode": "PRAGMA",
}
_PG_SUPERUSER = (
    "SELECT rolsuper, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_data')"
    " FROM pg_roles WHERE rolname = current_user"
)
_PG_READ_ONLY = re.compile(r"cannot execute (.+?) in a read-only transaction")
_COMMENTS = r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))*"
_LEADING_EXPLAIN = re.compile(_COMMENTS + r"explain\b", re.IGNORECASE | re.DOTALL)
_LEADING_WORD = re.compile(_COMMENTS + r"([a-z]+)\b", re.IGNORECASE | re.DOTALL)  # only to name a refusal


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool  # more rows than ``max_rows``: only the first ones are in ``rows``


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class Query:
    """One statement on ``engine``, prepared to run once with :meth:`run`."""

    def __init__(
        self,
        engine: Engine,
        sql: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        if not timeout_s > 0:
            raise ValueError(f"timeout_s: expected a positive number of seconds, got {timeout_s}")
        if max_rows < 1:
            raise ValueError(f"max_rows: expected at least 1, got {max_rows}")
        self.engine, self.sql, self.timeout_s, self.max_rows = engine, sql, timeout_s, max_rows
        self._interrupted = False
        self._deadline = float("inf")
        self._driver: Any = None
        self._refused: str | None = None
        self._refused_rank = False  # True while the refusal named is only a row change

    # ------------------------------------------------------------------------ public

    def run(self) -> QueryResult:
        dialect = self.engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise QueryRefused(f"a query on {dialect} (only SQLite and PostgreSQL stores are supported)")
        with self.engine.connect() as connection:  # (connecting through SQLAlchemy wraps its errors)
            try:
                self._driver = connection.connection.driver_connection
                if self._interrupted:
                    raise self._stopped()
                return self._run_sqlite() if dialect == "sqlite" else self._run_postgres()
            finally:
                self._driver = None

    def interrupt(self) -> None:
        """Stop the running statement as soon as possible (signal- and thread-safe)."""
        self._interrupted = True
        driver = self._driver
        if driver is None:
            return
        with contextlib.suppress(Exception):  # closed meanwhile: nothing left to stop
            if isinstance(driver, sqlite3.Connection):
                driver.interrupt()
            else:
                driver.cancel()

    # ------------------------------------------------------------------------ shared

    def _stopped(self) -> QueryStopped:
        return QueryStopped(timed_out=not self._interrupted, timeout_s=self.timeout_s)

    # ------------------------------------------------------------------------ SQLite

    def _authorize(self, action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action in _ALLOWED:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg1 is not None:
            name = arg1.lower()
            if name in READ_PRAGMAS or (name in READ_PRAGMAS_WITHOUT_VALUE and arg2 is None):
                return sqlite3.SQLITE_OK
            what = f"PRAGMA {name}" + ("" if arg2 is None else " with a value")
        elif action in _ROW_ACTIONS and (arg1 or "").lower() in _SCHEMA_TABLES:
            what = "changing the schema"  # what CREATE, DROP and table-valued PRAGMAs do to sqlite_master
        else:
            what = _ACTIONS.get(action, f"action {action}")
        # name the statement, not the rows it would touch: CREATE TABLE before its INSERT into sqlite_master
        if self._refused is None or (self._refused_rank and action not in _ROW_ACTIONS):
            self._refused, self._refused_rank = what, action in _ROW_ACTIONS
        return sqlite3.SQLITE_DENY

    def _progress(self) -> int:
        return int(self._interrupted or time.monotonic() > self._deadline)

    def _run_sqlite(self) -> QueryResult:
        conn: sqlite3.Connection = self._driver
        try:  # load the schema first (and learn that the file is not a database)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise QueryFailed(_first_line(exc)) from None
        saved_isolation = conn.isolation_level
        saved_query_only = conn.execute("PRAGMA query_only").fetchone()[0]
        saved_limits = {
            limit: conn.getlimit(limit)
            for limit in (sqlite3.SQLITE_LIMIT_ATTACHED, sqlite3.SQLITE_LIMIT_LENGTH)
        }
        conn.isolation_level = None  # no implicit BEGIN before a statement (the authorizer refuses it)
        conn.execute("PRAGMA query_only = 1")
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        self._deadline = time.monotonic() + self.timeout_s
        conn.set_authorizer(self._authorize)
        conn.set_progress_handler(self._progress, PROGRESS_EVERY)
        try:
            return self._sqlite_statement(conn)
        finally:
            conn.set_progress_handler(None, 0)
            conn.set_authorizer(None)
            for limit, value in saved_limits.items():
                conn.setlimit(limit, value)
            conn.execute(f"PRAGMA query_only = {int(saved_query_only)}")
            conn.isolation_level = saved_isolation

    def _sqlite_statement(self, conn: sqlite3.Connection) -> QueryResult:
        try:
            if not _LEADING_EXPLAIN.match(self.sql):  # an EXPLAIN only lists bytecode
                for op in conn.execute("EXPLAIN " + self.sql).fetchall():
                    if op[1] in _WRITING_OPCODES:
                        raise QueryRefused(_WRITING_OPCODES[op[1]])
            cursor = conn.execute(self.sql)
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchmany(self.max_rows + 1) if cursor.description else []
            cursor.close()
        except sqlite3.Error as exc:
            if self._refused is not None:
                raise QueryRefused(self._refused) from None
            if self._interrupted or time.monotonic() > self._deadline:
                raise self._stopped() from None
            raise QueryFailed(_first_line(exc)) from None
        return QueryResult(columns, rows[: self.max_rows], len(rows) > self.max_rows)

    # ------------------------------------------------------------------------ PostgreSQL

    def _run_postgres(self) -> QueryResult:
        import psycopg

        conn: psycopg.Connection[Any] = self._driver
        try:
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
                cursor.execute(f"SET LOCAL statement_timeout = {max(1, round(self.timeout_s * 1000))}")
                cursor.execute(_PG_SUPERUSER)
                if cursor.fetchone() == (True, True):  # a superuser may COPY TO a file even read-only
                    cursor.execute("SET LOCAL ROLE pg_read_all_data")
                columns = self._describe_postgres(conn)
                rows: list[tuple[Any, ...]] = []
                # extended protocol: one statement only; a generator, closed to cancel the rest
                stream = cast("Generator[Any, None, None]", cursor.stream(self.sql))
                try:
                    for row in stream:
                        rows.append(tuple(row))
                        if len(rows) > self.max_rows:
                            break
                finally:
                    stream.close()
        except psycopg.errors.QueryCanceled:
            raise self._stopped() from None
        except psycopg.errors.ReadOnlySqlTransaction as exc:
            found = _PG_READ_ONLY.search(str(exc))
            raise QueryRefused(found.group(1) if found else "writing") from None
        except psycopg.ProgrammingError as exc:
            if "didn't produce a result" in str(exc):
                keyword = _LEADING_WORD.match(self.sql)
            raise QueryRefused(
                keyword.group(1).upper() if keyword else "a statement that returns no rows"
            ) from None
            raise QueryFailed(_first_line(exc)) from None
        except psycopg.Error as exc:
            if self._interrupted:
                raise self._stopped() from None
            raise QueryFailed(_first_line(exc)) from None
        finally:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
        return QueryResult(columns, rows[: self.max_rows], len(rows) > self.max_rows)

    def _describe_postgres(self, conn: Any) -> list[str]:
        """The statement's columns, asked of the server before it runs (prepared, not executed):
        one that returns no rows (DO, COPY, SET, COMMIT, ...) is refused before it can do anything."""
        from psycopg import pq

        prepared = conn.pgconn.prepare(b"", self.sql.encode())
        if prepared.status != pq.ExecStatus.COMMAND_OK:
            message = (prepared.error_message or b"").decode(errors="replace").strip()
            raise QueryFailed(message.removeprefix("ERROR:").strip().splitlines()[0] if message else "error")
        described = conn.pgconn.describe_prepared(b"")
        if described.status != pq.ExecStatus.COMMAND_OK:
            raise QueryFailed((described.error_message or b"error").decode(errors="replace").strip())
        if described.nfields == 0:
            keyword = _LEADING_WORD.match(self.sql)
            raise QueryRefused(keyword.group(1).upper() if keyword else "a statement that returns no rows")
        return [(described.fname(i) or b"").decode() for i in range(described.nfields)]


def run_query(
    engine: Engine, sql: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS
) -> QueryResult:
    """Run one statement read-only and bounded (see the module docstring); raises :class:`QueryError`."""
    return Query(engine, sql, timeout_s=timeout_s, max_rows=max_rows).run()
