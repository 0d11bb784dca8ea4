"""`ssl-kb list`: records, by kind and topic.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json

import pytest

from .invoke import kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_list() -> None:
    data = json.loads(run("list", *kb_args(), "--format", "json").stdout)
    assert [d["id"] for d in data] == sorted(d["id"] for d in data) and len(data) == 21
    assert data[0].keys() == {"id", "kind", "name", "year", "family"}
    methods = json.loads(run("list", *kb_args(), "--kind", "method", "--format", "json").stdout)
    assert {d["kind"] for d in methods} == {"method"} and len(methods) == 6
    assert "MAE" in run("list", *kb_args()).stdout


def test_list_by_topic() -> None:
    data = json.loads(run("list", *kb_args(), "--topic", "masked-predictions", "--format", "json").stdout)
    assert [d["id"] for d in data] == ["transformer", "bert", "vit", "beit", "mae", "masked-prediction"]
    result = run("list", *kb_args(), "--topic", "nope", code=1)
    assert (
        "no topic 'nope'" in result.stderr and "masked-predictions" in result.stderr and result.stdout == ""
    )
