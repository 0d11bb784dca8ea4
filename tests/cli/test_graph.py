"""`ssl-kb graph` and `ssl-kb path`: the lineage.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json

import networkx as nx
import pytest

from .invoke import kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_graph_text() -> None:
    lines = run("graph", "vit", *kb_args()).stdout.splitlines()
    assert (
        "vit --adapts--> transformer    # applies the Transformer encoder to sequences of image patches"
        in lines
    )
    assert len(lines) == 3  # vit -> transformer, beit -> vit, mae -> vit


def test_graph_formats() -> None:
    data = json.loads(run("graph", "mae", "--depth", "2", *kb_args(), "--format", "json").stdout)
    assert ("vit", "transformer") in {(e["source"], e["target"]) for e in data["edges"]}
    g = nx.parse_graphml(run("graph", "mae", "--depth", "2", *kb_args(), "--format", "graphml").stdout)
    assert set(g) == {n["id"] for n in data["nodes"]}
    assert "mae -->|uses| vit" in run("graph", "mae", *kb_args(), "--format", "mermaid").stdout
    assert '"mae" -> "vit" [label="uses"];' in run("graph", "mae", *kb_args(), "--format", "dot").stdout
    whole = json.loads(run("graph", *kb_args(), "--reduce", "--format", "json").stdout)
    assert len(whole["edges"]) == 7


def test_graph_problems() -> None:
    assert "no record with id 'nope'" in run("graph", "nope", *kb_args(), code=1).stderr
    result = run("graph", "simclr", *kb_args())
    assert result.stdout == "" and "no lineage edges" in result.stderr


def test_path() -> None:
    assert run("path", "vit", "beit", *kb_args()).stdout.splitlines()[0] == "vit (2020) -> beit (2021)"
    data = json.loads(run("path", "beit", "vit", *kb_args(), "--format", "json").stdout)
    assert data == {
        "path": ["vit", "beit"],
        "steps": [{"from": "vit", "to": "beit", "type": "uses", "reason": "the backbone is a ViT"}],
    }
    assert "no lineage path" in run("path", "simclr", "mae", *kb_args(), code=1).stderr
    assert "no record with id 'nope'" in run("path", "nope", "mae", *kb_args(), code=1).stderr
