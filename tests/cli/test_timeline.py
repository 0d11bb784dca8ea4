"""`ssl-kb timeline`: methods by year.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json

import pytest

from .invoke import kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_timeline() -> None:
    assert run("timeline", *kb_args()).stdout.splitlines()[0] == "2017  Transformer"
    data = json.loads(run("timeline", *kb_args(), "--format", "json").stdout)
    assert list(data) == ["2017", "2018", "2020", "2021"]
    assert [r["id"] for r in data["2020"]] == ["simclr", "vit"]
    assert json.loads(run("timeline", *kb_args(), "--kind", "concept", "--format", "json").stdout) == {}
