"""`ssl-kb schema`: the JSON Schema of a record.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssl_kb.schema import json_schema

from .invoke import run

pytestmark = pytest.mark.usefixtures("isolated")


def test_schema_to_stdout_and_file(tmp_path: Path) -> None:
    assert json.loads(run("schema").stdout) == json.loads(json.dumps(json_schema()))
    out = tmp_path / "s" / "schema.json"
    result = run("schema", "--out", out)
    assert result.stdout == "" and json.loads(out.read_text(encoding="utf-8"))["title"] == "ssl-kb record"
