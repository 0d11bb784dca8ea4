"""`ssl-kb show`: one record as a card, json, yaml or bibtex.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json

import pytest
import yaml

from .invoke import kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_show_formats() -> None:
    assert "Masked Autoencoder" in run("show", "mae", *kb_args()).stdout
    data = json.loads(run("show", "mae", *kb_args(), "--format", "json").stdout)
    assert data["id"] == "mae" and data["paper"]["arxiv"] == "2111.06377"
    assert yaml.safe_load(run("show", "mae", *kb_args(), "--format", "yaml").stdout) == data
    bib = run("show", "mae", *kb_args(), "--format", "bibtex").stdout
    assert bib.startswith("@inproceedings{he2021masked,") and "eprint = {2111.06377}" in bib


def test_show_problems() -> None:
    result = run("show", "nope", *kb_args(), code=1)
    assert "no record with id 'nope'" in result.stderr and result.stdout == ""
    assert "has no paper" in run("show", "masked-prediction", *kb_args(), "--format", "bibtex", code=1).stderr
