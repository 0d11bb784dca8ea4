"""``ssl-kb sql`` is read-only for real and bounded, on the SQLite file, in memory and on PostgreSQL.

Hostile statements (write a copy of the store elsewhere, create files, change settings, run
forever) are refused or stopped by the database with a one-line message and exit 1; the store is
left as it was and no file appears. Queries that could hang run in a subprocess with a timeout,
so a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import output_hashes, ssl_kb

FOREVER = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
PG_FOREVER = "SELECT count(*) FROM generate_series(1, 1000000000000)"

WRITES = [
    ("DELETE FROM record", "DELETE"),
    ("UPDATE record SET name = 'x'", "UPDATE"),
    ("INSERT INTO store_meta (key, value) VALUES ('a', 'b')", "INSERT"),
    ("CREATE TABLE evil (a INTEGER)", None),
    ("DROP TABLE lineage_edge", None),
    ("PRAGMA writable_schema = 1", "PRAGMA writable_schema"),
    ("PRAGMA journal_mode = WAL", "PRAGMA journal_mode"),
    ("PRAGMA journal_mode", "PRAGMA journal_mode"),
    ("PRAGMA user_version = 5", "PRAGMA user_version"),
    ("PRAGMA query_only = 0", "PRAGMA query_only"),
    ("BEGIN", None),
]


def refused(stderr: str, what: str | None = None) -> bool:
    line = stderr.strip().splitlines()[-1]
    return (
        line.startswith("error: query refused: ")
        and line.endswith("is not allowed (ssl-kb sql is read-only)")
        and (what is None or f"refused: {what} " in line)
        and "Traceback" not in stderr
    )


def in_memory(project: Path) -> Path:
    """The project without its store file: ``ssl-kb sql`` builds a private in-memory store from kb/."""
    (project / "build" / "ssl-kb.sqlite").unlink()
    return project


# ---------------------------------------------------------------------------- SQLite file and memory


@pytest.mark.parametrize("where", ["file", "memory"])
def test_vacuum_into_writes_no_copy(cli, project: Path, tmp_path: Path, where: str) -> None:
    if where == "memory":
        in_memory(project)
    before = output_hashes(project)
    copy = tmp_path / "stolen.sqlite"
    result = cli("sql", f"VACUUM INTO '{copy}'", cwd=project)
    assert result.exit_code == 1 and refused(result.stderr, "VACUUM"), result.stderr
    assert not copy.exists()
    assert output_hashes(project) == before


@pytest.mark.parametrize("where", ["file", "memory"])
def test_attach_creates_no_file(cli, project: Path, tmp_path: Path, where: str) -> None:
    if where == "memory":
        in_memory(project)
    new = tmp_path / "new.sqlite"
    result = cli("sql", f"ATTACH DATABASE '{new}' AS evil", cwd=project)
    assert result.exit_code == 1 and refused(result.stderr, "ATTACH"), result.stderr
    assert not new.exists()


@pytest.mark.parametrize("where", ["file", "memory"])
@pytest.mark.parametrize(("statement", "what"), WRITES)
def test_writes_and_state_changes_are_refused(
    cli, project: Path, where: str, statement: str, what: str | None
) -> None:
    if where == "memory":
        in_memory(project)
    before = output_hashes(project)
    result = cli("sql", statement, cwd=project)
    assert result.exit_code == 1 and refused(result.stderr, what), result.stderr
    assert result.stdout == ""
    assert output_hashes(project) == before
    assert json.loads(
        cli("sql", "SELECT COUNT(*) AS n FROM record", "--format", "json", cwd=project).stdout
    ) == [{"n": 21}]


def test_read_only_pragmas_work_and_writing_ones_are_refused(cli, project: Path) -> None:
    assert refused(cli("sql", "PRAGMA user_version = 5", cwd=project).stderr, "PRAGMA user_version")
    result = cli("sql", "PRAGMA table_info(record)", "--format", "json", cwd=project)
    assert result.exit_code == 0, result.stderr
    assert "id" in {row["name"] for row in json.loads(result.stdout)}
    assert json.loads(cli("sql", "PRAGMA user_version", "--format", "json", cwd=project).stdout) == [
        {"user_version": 0}
    ]


def test_output_is_bounded_and_says_so(cli, project: Path) -> None:
    result = cli(
        "sql", "SELECT id FROM record ORDER BY id", "--max-rows", "3", "--format", "json", cwd=project
    )
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 3
    assert "truncated to the first 3 rows" in result.stderr
    assert "truncated" not in cli("sql", "SELECT id FROM record", "--max-rows", "21", cwd=project).stderr


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "soon"])
def test_bad_timeout_is_usage(cli, project: Path, timeout: str) -> None:
    result = cli("sql", "SELECT 1", "--timeout", timeout, cwd=project)
    assert result.exit_code == 2 and "--timeout" in result.stderr and "No such option" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("where", ["file", "memory"])
def test_endless_query_stops_at_the_timeout(project: Path, where: str) -> None:
    if where == "memory":
        in_memory(project)
    proc = ssl_kb("sql", FOREVER, "--timeout", "1", cwd=project, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: query stopped after 1 s (--timeout)"
    assert "Traceback" not in proc.stderr


def interrupt_running_query(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Start ``ssl-kb sql ARGS``, wait until the query runs, send SIGINT; fails if it does not stop soon."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SSL_KB_DB_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ssl_kb", "sql", *args, "--timeout", "600"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(6)  # start-up, building the in-memory store, then well into the query
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("where", ["file", "memory"])
def test_ctrl_c_stops_an_endless_query(project: Path, where: str) -> None:
    if where == "memory":
        in_memory(project)
    proc = interrupt_running_query(project, FOREVER)
    assert proc.returncode in (130, 1), (proc.returncode, proc.stderr)
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_store(pg_url: str, cli, project: Path) -> str:
    result = cli("db", "--url", pg_url, cwd=project)
    assert result.exit_code == 0, result.stderr
    return pg_url


PG_WRITES = [
    ("DELETE FROM record", "DELETE"),
    ("DELETE FROM record RETURNING id", "DELETE"),
    ("UPDATE record SET name = 'x'", "UPDATE"),
    ("INSERT INTO store_meta (key, value) VALUES ('a', 'b')", "INSERT"),
    ("CREATE TABLE evil (a INTEGER)", "CREATE"),
    ("DROP TABLE lineage_edge", "DROP"),
    ("SET default_transaction_read_only = off", "SET"),
    ("COMMIT", "COMMIT"),
    ("DO $$ BEGIN DELETE FROM record; END $$", "DO"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "what"), PG_WRITES)
def test_postgres_writes_are_refused(cli, project: Path, pg_store: str, statement: str, what: str) -> None:
    result = cli("sql", statement, "--url", pg_store, cwd=project)
    assert result.exit_code == 1 and refused(result.stderr, what), result.stderr
    count = cli("sql", "SELECT COUNT(*) AS n FROM record", "--url", pg_store, "--format", "json", cwd=project)
    assert json.loads(count.stdout) == [{"n": 21}]


@pytest.mark.postgres
def test_postgres_runs_one_statement_only(cli, project: Path, pg_store: str) -> None:
    escape = "COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; DELETE FROM record"
    result = cli("sql", escape, "--url", pg_store, cwd=project)
    assert result.exit_code == 1 and result.stderr.startswith("error: query failed: ")
    assert "multiple commands" in result.stderr
    count = cli("sql", "SELECT COUNT(*) AS n FROM record", "--url", pg_store, "--format", "json", cwd=project)
    assert json.loads(count.stdout) == [{"n": 21}]


@pytest.mark.postgres
def test_postgres_copy_to_a_file_is_refused(cli, project: Path, pg_store: str) -> None:
    target = f"/tmp/ssl-kb-hostile-{os.getpid()}-{time.monotonic_ns()}.txt"
    result = cli("sql", f"COPY record TO '{target}'", "--url", pg_store, cwd=project)
    assert result.exit_code == 1 and refused(result.stderr, "COPY"), result.stderr
    assert not Path(target).exists()


@pytest.mark.postgres
def test_postgres_endless_query_stops_at_the_timeout(project: Path, pg_store: str) -> None:
    proc = ssl_kb("sql", PG_FOREVER, "--url", pg_store, "--timeout", "1", cwd=project, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: query stopped after 1 s (--timeout)"


@pytest.mark.postgres
def test_postgres_ctrl_c_cancels_the_query(project: Path, pg_store: str) -> None:
    proc = interrupt_running_query(project, PG_FOREVER, "--url", pg_store)
    assert proc.returncode in (130, 1), (proc.returncode, proc.stderr)
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr
