"""`ssl-kb codes`: the table of diagnostic codes.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json

import pytest

from ssl_kb.diagnostics import CODES

from .invoke import run

pytestmark = pytest.mark.usefixtures("isolated")


def test_codes() -> None:
    data = json.loads(run("codes", "--format", "json").stdout)
    assert [d["code"] for d in data] == list(CODES)
    assert data[0].keys() == {"code", "title", "hint", "severity"}
    assert "KB204" in run("codes").stdout
