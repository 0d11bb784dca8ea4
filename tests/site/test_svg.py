"""The SVG pictures: well-formed, escaped, complete."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx

from ssl_kb.graph import reduction
from ssl_kb.queries import ResultView
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


def result(record_id: str, name: str, year: int, value: float, variant: str) -> ResultView:
    return ResultView(
        record_id=record_id,
        position=0,
        dataset_id="d",
        split="val",
        task="t",
        metric_id="m",
        value=value,
        unit="%",
        protocol="linear",
        shots=None,
        variant=variant,
        setting=None,
        source="s",
        note=None,
        record_name=name,
        record_year=year,
    )


def test_results_chart_has_a_point_per_result() -> None:
    rows = [result("a", "A", 2019, 70.0, "x"), result("b", "B", 2021, 80.5, "y")]
    root = ET.fromstring(
        svg.results_chart("chart-x", rows, higher_is_better=True, unit="%", href=_href, title="t")
    )
    assert len(list(root.iter(f"{NS}circle"))) == 2
    assert root.find(f"{NS}polyline") is not None


def test_results_chart_tolerates_ties() -> None:
    rows = [result(r, r, 2020, 70.0, "x") for r in ("b", "a")]
    out = svg.results_chart("chart-t", rows, higher_is_better=True, unit="%", href=_href, title="t")
    assert out.index('href="a.html"') < out.index('href="b.html"')
