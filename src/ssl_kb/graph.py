"""Graph: the citation/lineage graph (networkx), built from the store's relations.

Edges point from a record to the earlier work it builds on (child -> parent), as in the YAML.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import networkx as nx
from sqlalchemy.engine import Engine

from . import queries
from .errors import UnknownRecord
from .xmltext import legal


def build(engine: Engine) -> nx.DiGraph:
    """A DiGraph of methods and concepts; node attributes from the record table, typed edges."""
    graph = nx.DiGraph()
    for row in queries.record_rows(engine, queries.WORK_KINDS):
        graph.add_node(row.id, name=row.name, kind=row.kind, year=row.year, family=row.family or row.kind)
    for edge in queries.lineage_edges(engine):
        if edge.child_id in graph and edge.parent_id in graph:
            graph.add_edge(edge.child_id, edge.parent_id, type=edge.type, reason=edge.reason)
    return graph


def _require(graph: nx.DiGraph, *nodes: str) -> None:
    for node in nodes:
        if node not in graph:
            raise UnknownRecord(node)


def ancestors(graph: nx.DiGraph, node: str) -> list[str]:
    """Everything ``node`` builds on, directly or not (sorted)."""
    _require(graph, node)
    return sorted(nx.descendants(graph, node))


def descendants(graph: nx.DiGraph, node: str) -> list[str]:
    """Everything that builds on ``node`` (sorted)."""
    _require(graph, node)
    return sorted(nx.ancestors(graph, node))


def parents(graph: nx.DiGraph, node: str) -> list[str]:
    _require(graph, node)
    return sorted(graph.successors(node))


def children(graph: nx.DiGraph, node: str) -> list[str]:
    _require(graph, node)
    return sorted(graph.predecessors(node))


def roots(graph: nx.DiGraph) -> list[str]:
    """Records that build on nothing in the KB."""
    return sorted(n for n in graph if graph.out_degree(n) == 0)


def path(graph: nx.DiGraph, source: str, target: str) -> list[str] | None:
    """How ``source`` leads to ``target``: the shortest chain of lineage edges from the earlier
    work to the later one (either direction is tried), or None if unrelated."""
    _require(graph, source, target)
    for a, b in ((target, source), (source, target)):
        try:
            chain = nx.shortest_path(graph, a, b)
        except nx.NetworkXNoPath:
            continue
        return list(reversed(chain))  # earlier work first
    return None


def by_year(graph: nx.DiGraph) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for node, data in graph.nodes(data=True):
        if data.get("year") is not None:
            out.setdefault(int(data["year"]), []).append(node)
    return {y: sorted(v) for y, v in sorted(out.items())}


def ego(graph: nx.DiGraph, node: str, depth: int = 1) -> nx.DiGraph:
    """The neighbourhood of ``node`` up to ``depth`` edges away, in both directions."""
    _require(graph, node)
    return nx.ego_graph(graph, node, radius=depth, undirected=True).copy()


def reduction(graph: nx.DiGraph) -> nx.DiGraph:
    """Transitive reduction with node and edge attributes kept (for readable overviews)."""
    reduced = nx.transitive_reduction(graph)
    reduced.add_nodes_from(graph.nodes(data=True))
    reduced.add_edges_from((u, v, graph.edges[u, v]) for u, v in reduced.edges)
    return reduced


# ---------------------------------------------------------------------------- exports


_MERMAID_KEYWORDS = {
    "end",
    "graph",
    "flowchart",
    "subgraph",
    "style",
    "classdef",
    "class",
    "click",
    "linkstyle",
}


def _mermaid_label(text: str) -> str:
    """A label for a double-quoted Mermaid node: one line, and every character that Mermaid's grammar
    or its Markdown strings could read (quotes, brackets, pipes, backticks, ``#``) as an entity code
    (``#34;``), which Mermaid shows as that character."""
    flat = " ".join(str(text).split())
    return "".join(ch if ch.isalnum() or ch in " -+/.,()" else f"#{ord(ch)};" for ch in flat)


def _mermaid_id(node: str) -> str:
    """KB ids are kebab-case, which Mermaid accepts, except its keywords (``end`` ends a flowchart)."""
    return f"{node}_" if node.lower() in _MERMAID_KEYWORDS else node


def _nodes(graph: nx.DiGraph) -> Iterable[tuple[str, dict[str, Any]]]:
    return sorted(graph.nodes(data=True))


def _edges(graph: nx.DiGraph) -> Iterable[tuple[str, str, dict[str, Any]]]:
    return sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))


def to_mermaid(graph: nx.DiGraph, highlight: str | None = None) -> str:
    """Mermaid flowchart, earlier work above; node ids are KB ids (kebab-case is Mermaid-safe)."""
    lines = ["flowchart BT"]
    for node, data in _nodes(graph):
        year = f" ({data['year']})" if data.get("year") else ""
        lines.append(f'  {_mermaid_id(node)}["{_mermaid_label(data.get("name", node))}{year}"]')
    for child, parent, data in _edges(graph):
        edge = _mermaid_label(data.get("type", ""))
        lines.append(f"  {_mermaid_id(child)} -->|{edge}| {_mermaid_id(parent)}")
    if highlight and highlight in graph:
        lines.append(f"  style {_mermaid_id(highlight)} stroke-width:3px")
    return "\n".join(lines) + "\n"


def to_dot(graph: nx.DiGraph) -> str:
    """Graphviz DOT; earlier work at the top."""

    def esc(text: object) -> str:  # one line; DOT reads only \" in a string, labels read \\ too
        return " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"')

    def q(text: object) -> str:
        return f'"{esc(text)}"'

    lines = ["digraph lineage {", "  rankdir=BT;", "  node [shape=box];"]
    for node, data in _nodes(graph):
        year = data.get("year")
        label = esc(data.get("name", node)) + (f"\\n{year}" if year else "")  # DOT's \n: a line break
        lines.append(f'  {q(node)} [label="{label}"];')
    for child, parent, data in _edges(graph):
        lines.append(f"  {q(child)} -> {q(parent)} [label={q(data.get('type', ''))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_graphml(graph: nx.DiGraph) -> str:
    """GraphML (networkx's ElementTree writer), with every string made XML-legal first."""

    def clean_data(data: dict[str, Any]) -> dict[str, Any]:
        return {k: legal(v) if isinstance(v, str) else v for k, v in data.items() if v is not None}

    clean = nx.DiGraph()
    for node, data in _nodes(graph):
        clean.add_node(legal(node), **clean_data(data))
    for child, parent, data in _edges(graph):
        clean.add_edge(legal(child), legal(parent), **clean_data(data))
    return "\n".join(nx.generate_graphml(clean)) + "\n"


def to_json(graph: nx.DiGraph) -> str:
    data = {
        "nodes": [{"id": n, **d} for n, d in _nodes(graph)],
        "edges": [{"source": c, "target": p, **d} for c, p, d in _edges(graph)],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


EXPORTS = {"mermaid": to_mermaid, "dot": to_dot, "graphml": to_graphml, "json": to_json}
