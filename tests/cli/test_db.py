"""`ssl-kb db`: the store, on SQLite and PostgreSQL.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .invoke import DEAD_PG, FIXTURE_KB, kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_db_then_sql(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'out' / 'kb.sqlite'}"
    result = run("db", "--url", url, *kb_args())
    assert result.stdout == "" and "wrote 21 records" in result.stderr
    rows = json.loads(
        run(
            "sql", "SELECT name, year FROM method ORDER BY year, name", "--url", url, "--format", "json"
        ).stdout
    )
    assert rows[:2] == [{"name": "Transformer", "year": 2017}, {"name": "BERT", "year": 2018}]
    assert "Transformer" in run("sql", "SELECT name FROM method", "--url", url).stdout
    # every browse command can read the written store instead of kb/
    assert len(json.loads(run("list", "--url", url, "--format", "json").stdout)) == 21


def test_db_default_location(tmp_path: Path) -> None:
    """The store goes next to kb/ (build/ssl-kb.sqlite), wherever the command runs from."""
    kb = tmp_path / "project" / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    run("db", "--kb", kb)
    assert (tmp_path / "project" / "build" / "ssl-kb.sqlite").is_file()
    assert not (tmp_path / "build").exists()
    data = json.loads(run("sql", "SELECT COUNT(*) AS n FROM record", "--kb", kb, "--format", "json").stdout)
    assert data == [{"n": 21}]


def test_unreachable_postgres_is_a_message(tmp_path: Path) -> None:
    assert "cannot write the store" in run("db", "--url", DEAD_PG, *kb_args(), code=1).stderr
    assert "query failed" in run("sql", "SELECT 1", "--url", DEAD_PG, code=1).stderr
    for args in (["list"], ["show", "mae"], ["graph", "mae"], ["path", "vit", "mae"], ["timeline"]):
        result = run(*args, "--url", DEAD_PG, code=1)
        assert result.stderr.startswith("error: cannot read the store: ") and result.stdout == ""


def test_missing_sqlite_store_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    assert "run `ssl-kb db` first" in run("list", "--url", f"sqlite:///{missing}", code=1).stderr
    assert "run `ssl-kb db` first" in run("sql", "SELECT 1", "--url", f"sqlite:///{missing}", code=1).stderr
    assert not missing.exists()


def test_bad_url_is_a_message() -> None:
    assert "error:" in run("list", "--url", "nonsense://x", code=1).stderr
    assert "error:" in run("db", "--url", "nonsense://x", *kb_args(), code=1).stderr


@pytest.mark.postgres
def test_db_and_sql_on_postgres(pg_url: str) -> None:
    assert "wrote 21 records" in run("db", "--url", pg_url, *kb_args()).stderr
    rows = json.loads(
        run(
            "sql",
            "SELECT name FROM method WHERE year = 2021 ORDER BY name",
            "--url",
            pg_url,
            "--format",
            "json",
        ).stdout
    )
    assert rows == [{"name": "BEiT"}, {"name": "MAE"}]
    assert "query refused: DELETE" in run("sql", "DELETE FROM record", "--url", pg_url, code=1).stderr
    assert json.loads(run("show", "mae", "--url", pg_url, "--format", "json").stdout)["id"] == "mae"
