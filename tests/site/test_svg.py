"""The SVG pictures: well-formed, escaped, complete."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx

from ssl_kb.graph import reduction
from ssl_kb.site import svg

NS = "{http://www.w3.org/2000/svg}"


def _graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_node("a", name='A <&> "q"', year=2017, family="f1", kind="method")
    g.add_node("b", name="B", year=2018, family="f1", kind="method")
    g.add_node("c", name="C", year=2020, family="f2", kind="method")
    g.add_node("d", name="D", year=None, family="concept", kind="concept")
    g.add_edge("b", "a", type="extends", reason="r <b>")
    g.add_edge("c", "b", type="uses", reason="r2")
    g.add_edge("c", "a", type="uses", reason="r3")
    return g


def _href(node: str) -> str:
    return f"{node}.html"


def test_timeline_is_well_formed_and_escaped() -> None:
    out = svg.timeline(_graph(), ["f1", "f2", "concept"], _href)
    root = ET.fromstring(out)
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert 'A <&> "q"' in labels  # shown as text after unescaping
    assert "<&>" not in out
    assert {"2017", "2018", "2020"} <= set(labels)
    assert len(list(root.iter(f"{NS}circle"))) == 3  # undated works are not on the timeline
    assert float(root.get("width")) > 0 and float(root.get("height")) > 0


def test_a_crowded_timeline_cell_is_capped_with_a_link_to_the_year() -> None:
    g = nx.DiGraph()
    for i in range(500):  # 500 works of one family in one year
        g.add_node(f"w{i:03}", name=f"W{i}", year=2020, family="f1", kind="method")
    g.add_node("old", name="Old", year=2019, family="f1", kind="method")
    g.add_edge("w499", "old", type="uses", reason="r")  # w499 is not drawn: no arrow
    g.add_edge("w000", "old", type="uses", reason="r")
    root = ET.fromstring(svg.timeline(g, ["f1"], _href, cell_limit=8))
    assert len(list(root.iter(f"{NS}circle"))) == 8  # old + 7 of 2020
    more = [a for a in root.iter(f"{NS}a") if a.get("class") == "sslkb-node sslkb-more"]
    assert len(more) == 1 and more[0].get("href") == "#2020"
    assert "".join(more[0].itertext()).endswith("+493 more")
    assert len([p for p in root.iter(f"{NS}path") if p.get("class") == "sslkb-edge"]) == 1
    assert float(root.get("height")) < 8 * 26 + 100  # bounded by the cap, not by 500 rows


def test_lineage_draws_the_reduction() -> None:
    g = reduction(_graph())
    root = ET.fromstring(svg.lineage(g, ["f1", "f2", "concept"], _href))
    assert len([p for p in root.iter(f"{NS}path") if p.get("class") == "sslkb-edge"]) == 2  # c->a is implied
    assert {a.get("href") for a in root.iter(f"{NS}a")} == {"a.html", "b.html", "c.html", "d.html"}


def test_generations_follow_the_longest_chain() -> None:
    assert svg.generations(_graph()) == {"a": 0, "b": 1, "c": 2, "d": 0}


def test_ego_links_neighbours_but_not_itself() -> None:
    root = ET.fromstring(svg.ego(_graph(), "b", _href, ["f1", "f2"]))
    assert {a.get("href") for a in root.iter(f"{NS}a")} == {"a.html", "c.html"}


def test_a_fixed_frame_keeps_its_size_and_may_leave_out_the_arrow_marker() -> None:
    plain = ET.fromstring(svg.frame("p", 100.2, 50, "t", []))
    fixed = ET.fromstring(svg.frame("f", 100, 50, "t", [], arrows=False, fixed=True))
    assert plain.get("style") is None and plain.find(f"{NS}defs/{NS}marker") is not None
    assert fixed.get("style") == "max-width:none" and fixed.find(f"{NS}defs") is None
    assert (plain.get("width"), plain.get("viewBox")) == ("101", "0 0 101 50")
