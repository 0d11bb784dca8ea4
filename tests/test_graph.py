"""Graph: lineage queries and the four exports, on the fixture KB.

Fixture lineage (child -> parent): bert -> transformer; vit -> transformer; beit -> bert, vit;
mae -> vit, bert, masked-prediction. simclr stands alone.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from ssl_kb import graph
from ssl_kb.kb import load
from ssl_kb.store import memory_engine

EDGES = {
    ("bert", "transformer"),
    ("vit", "transformer"),
    ("beit", "bert"),
    ("beit", "vit"),
    ("mae", "vit"),
    ("mae", "bert"),
    ("mae", "masked-prediction"),
}


@pytest.fixture(scope="module")
def g() -> nx.DiGraph:
    records = load(Path(__file__).resolve().parent / "data" / "kb").records
    return graph.build(memory_engine(records.values()))


def test_build_has_work_records_and_typed_edges(g: nx.DiGraph) -> None:
    assert sorted(g.nodes) == ["beit", "bert", "mae", "masked-prediction", "simclr", "transformer", "vit"]
    assert set(g.edges) == EDGES
    assert g.edges["mae", "bert"] == {
        "type": "inspired-by",
        "reason": "masked prediction carried from words to image patches",
    }
    assert g.nodes["mae"] == {
        "name": "MAE",
        "kind": "method",
        "year": 2021,
        "family": "masked-image-modeling",
    }
    assert g.nodes["masked-prediction"]["year"] is None


def test_ancestors_and_descendants(g: nx.DiGraph) -> None:
    assert graph.ancestors(g, "mae") == ["bert", "masked-prediction", "transformer", "vit"]
    assert graph.ancestors(g, "transformer") == []
    assert graph.descendants(g, "transformer") == ["beit", "bert", "mae", "vit"]
    assert graph.descendants(g, "mae") == []
    assert graph.parents(g, "beit") == ["bert", "vit"]
    assert graph.children(g, "vit") == ["beit", "mae"]
    with pytest.raises(KeyError):
        graph.ancestors(g, "nope")


def test_path_goes_from_earlier_to_later_work_in_either_order(g: nx.DiGraph) -> None:
    assert graph.path(g, "transformer", "mae") in (
        ["transformer", "vit", "mae"],
        ["transformer", "bert", "mae"],
    )
    assert graph.path(g, "mae", "transformer") == graph.path(g, "transformer", "mae")
    assert graph.path(g, "vit", "beit") == ["vit", "beit"]
    assert graph.path(g, "simclr", "mae") is None
    assert graph.path(g, "beit", "mae") is None  # siblings: no chain of lineage edges
    with pytest.raises(KeyError):
        graph.path(g, "mae", "nope")


def test_roots_and_years(g: nx.DiGraph) -> None:
    assert graph.roots(g) == ["masked-prediction", "simclr", "transformer"]
    assert graph.by_year(g) == {
        2017: ["transformer"],
        2018: ["bert"],
        2020: ["simclr", "vit"],
        2021: ["beit", "mae"],
    }


def test_ego_graph_in_both_directions(g: nx.DiGraph) -> None:
    assert sorted(graph.ego(g, "vit", 1)) == ["beit", "mae", "transformer", "vit"]
    assert sorted(graph.ego(g, "mae", 2)) == [
        "beit",
        "bert",
        "mae",
        "masked-prediction",
        "transformer",
        "vit",
    ]
    sub = graph.ego(g, "simclr", 3)
    assert list(sub) == ["simclr"] and sub.number_of_edges() == 0
    sub.add_node("extra")  # a copy: the KB graph is unchanged
    assert "extra" not in g


def test_transitive_reduction_keeps_attributes() -> None:
    h = nx.DiGraph()
    h.add_node("c", name="C", year=2022)
    h.add_edge("c", "b", type="extends", reason="r1")
    h.add_edge("b", "a", type="adapts", reason="r2")
    h.add_edge("c", "a", type="uses", reason="r3")  # implied by c -> b -> a
    reduced = graph.reduction(h)
    assert set(reduced.edges) == {("c", "b"), ("b", "a")}
    assert reduced.edges["c", "b"] == {"type": "extends", "reason": "r1"}
    assert reduced.nodes["c"] == {"name": "C", "year": 2022}


def test_reduction_of_fixture_is_unchanged(g: nx.DiGraph) -> None:
    assert set(graph.reduction(g).edges) == EDGES  # no edge of the fixture is implied by others


def test_graphml_parses_with_networkx(g: nx.DiGraph) -> None:
    text = graph.to_graphml(g)
    back = nx.parse_graphml(text)
    assert set(back.edges) == EDGES and set(back.nodes) == set(g.nodes)
    assert back.edges["beit", "vit"]["type"] == "uses"
    assert back.nodes["mae"]["year"] == 2021
    ET.fromstring(text)


def test_json_export_parses(g: nx.DiGraph) -> None:
    data = json.loads(graph.to_json(g))
    assert {(e["source"], e["target"]) for e in data["edges"]} == EDGES
    assert [n["id"] for n in data["nodes"]] == sorted(g.nodes)
    assert {
        "id": "mae",
        "name": "MAE",
        "kind": "method",
        "year": 2021,
        "family": "masked-image-modeling",
    } in data["nodes"]


def test_dot_and_mermaid_contain_the_edges(g: nx.DiGraph) -> None:
    dot = graph.to_dot(g)
    assert dot.startswith("digraph lineage {") and dot.rstrip().endswith("}")
    mermaid = graph.to_mermaid(g, highlight="mae")
    assert mermaid.startswith("flowchart BT\n") and "style mae stroke-width:3px" in mermaid
    for child, parent in EDGES:
        edge_type = g.edges[child, parent]["type"]
        assert f'"{child}" -> "{parent}" [label="{edge_type}"];' in dot
        assert f"{child} -->|{edge_type}| {parent}" in mermaid
    assert 'mae["MAE (2021)"]' in mermaid
    assert '"mae" [label="MAE\\n2021"];' in dot


def test_exports_are_deterministic(g: nx.DiGraph) -> None:
    shuffled = nx.DiGraph()
    shuffled.add_nodes_from(reversed(list(g.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(g.edges(data=True))))
    for name, export in graph.EXPORTS.items():
        assert export(shuffled) == export(g), name


def test_labels_are_escaped() -> None:
    h = nx.DiGraph()
    h.add_node("x", name='Quote " and [bracket] | pipe', year=None)
    assert 'x["Quote #34; and #91;bracket#93; #124; pipe"]' in graph.to_mermaid(h)
    assert '"x" [label="Quote \\" and [bracket] | pipe"];' in graph.to_dot(h)


def test_dot_label_without_year_keeps_the_whole_name() -> None:
    h = nx.DiGraph()
    h.add_node("inception", name="Inception", year=None)
    assert '"inception" [label="Inception"];' in graph.to_dot(h)
