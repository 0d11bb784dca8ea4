"""`ssl-kb sql`: read-only queries on the store or on kb/ in memory.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .invoke import FIXTURE_KB, kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_sql_without_a_store_queries_kb_in_memory(tmp_path: Path) -> None:
    kb = tmp_path / "project" / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    result = run("sql", "SELECT id FROM concept", "--kb", kb, "--format", "json")
    assert json.loads(result.stdout) == [{"id": "masked-prediction"}]
    assert "note: no store" in result.stderr


@pytest.mark.parametrize(
    "query",
    [
        "SELEC nonsense",
        "SELECT * FROM no_such_table",
        "DELETE FROM record",
        "DROP TABLE record",
        "CREATE TABLE x (a INT)",
    ],
)
def test_sql_refuses_bad_or_writing_queries(tmp_path: Path, query: str) -> None:
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    run("db", "--url", url, *kb_args())
    result = run("sql", query, "--url", url, code=1)
    assert (
        result.stderr.startswith(("error: query failed: ", "error: query refused: ")) and result.stdout == ""
    )
    assert json.loads(
        run("sql", "SELECT COUNT(*) AS n FROM record", "--url", url, "--format", "json").stdout
    ) == [{"n": 21}]


def test_sql_writes_refused_on_the_in_memory_store() -> None:
    assert "query refused: DELETE" in run("sql", "DELETE FROM record", *kb_args(), code=1).stderr
