"""SVG: the site's pictures of the lineage (timeline, lineage, one work's neighbours), drawn in Python at build time.

Every picture is a self-contained inline ``<svg>`` with a ``<title>``; no JavaScript or network is
needed to show it. Labels are escaped with :func:`ssl_kb.site.markdown.attr`; links point at the
built HTML pages. Colours come from a fixed palette indexed by family order, so output is
deterministic; text colour follows the theme through CSS (``.sslkb-svg``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

import networkx as nx

from .markdown import attr

PALETTE = (
    "#3f7fbf",
    "#d9822b",
    "#3a9a5b",
    "#c0504d",
    "#8064a2",
    "#4bacc6",
    "#9b7b3a",
    "#d36ba6",
    "#6b8e23",
    "#7f7f7f",
)

Href = Callable[[str], str | None]  # node id -> URL of its page (or None for no link)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def short(label: str, limit: int = 18) -> str:
    """``label`` cut to ``limit`` characters, with an ellipsis where it was cut."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def frame(
    name: str,
    width: float,
    height: float,
    title: str,
    body: list[str],
    *,
    arrows: bool = True,
    fixed: bool = False,
) -> str:
    """The outer ``<svg>``, with an arrow marker whose id is unique to this picture (unless ``arrows``
    is false). ``fixed`` keeps it at its own size (``max-width: none``): Material's
    ``.md-typeset svg {max-width: 100%}`` would otherwise shrink it, and its labels, in a narrow column."""
    w, h = math.ceil(width), math.ceil(height)
    style = ' style="max-width:none"' if fixed else ""
    marker = (
        f'<defs><marker id="sslkb-{name}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="sslkb-arrowhead"/></marker></defs>'
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="sslkb-svg sslkb-{name}" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}"{style} role="img" aria-labelledby="sslkb-{name}-title">',
            f'<title id="sslkb-{name}-title">{attr(title)}</title>',
            *([marker] if arrows else []),
            *body,
            "</svg>",
        ]
    )


def _node(
    x: float, y: float, label: str, url: str | None, fill: str, tip: str, *, anchor: str = "start"
) -> str:
    dx = 10 if anchor == "start" else 0
    dy = 4 if anchor == "start" else -10
    parts = [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}"/>',
        f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" class="sslkb-label">{attr(short(label))}</text>',
    ]
    inner = f"<title>{attr(tip)}</title>" + "".join(parts)
    if url:
        return f'<a href="{attr(url)}" class="sslkb-node">{inner}</a>'
    return f'<g class="sslkb-node">{inner}</g>'


def _box(
    x: float,
    y: float,
    w: float,
    h: float,
    label: str,
    sub: str,
    url: str | None,
    fill: str,
    tip: str,
    *,
    focus: bool = False,
) -> str:
    cls = "sslkb-box sslkb-focus" if focus else "sslkb-box"
    inner = (
        f"<title>{attr(tip)}</title>"
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" class="{cls}" style="stroke:{fill}"/>'
        f'<text x="{x + w / 2:.1f}" y="{y + h / 2 - 2:.1f}" text-anchor="middle" class="sslkb-label">{attr(short(label))}</text>'
        f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + 11:.1f}" text-anchor="middle" class="sslkb-sub">{attr(sub)}</text>'
    )
    if url:
        return f'<a href="{attr(url)}" class="sslkb-node">{inner}</a>'
    return f'<g class="sslkb-node">{inner}</g>'


def _arrow(name: str, x1: float, y1: float, x2: float, y2: float, tip: str, *, bend: float = 0.25) -> str:
    """A curved arrow from (x1, y1) to (x2, y2)."""
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    cx, cy = mx - (y2 - y1) * bend, my + (x2 - x1) * bend
    return (
        f'<path d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}" class="sslkb-edge" '
        f'marker-end="url(#sslkb-{name}-arrow)"><title>{attr(tip)}</title></path>'
    )


def _edge_tip(graph: nx.DiGraph, child: str, parent: str) -> str:
    data = graph.edges[child, parent]
    return f"{graph.nodes[child].get('name', child)} {data.get('type', '')} {graph.nodes[parent].get('name', parent)}: {data.get('reason', '')}"


def _tip(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    year = f" ({data['year']})" if data.get("year") is not None else ""
    return f"{data.get('name', node)}{year}"


# ---------------------------------------------------------------------------- timeline


#: Works shown per (family, year) cell of the timeline; the rest are one "+k more" link to the year's list.
TIMELINE_CELL_LIMIT = 8


def timeline(
    graph: nx.DiGraph, families: Sequence[str], href: Href, *, cell_limit: int = TIMELINE_CELL_LIMIT
) -> str:
    """All dated works by year (columns) in lanes by family, with arrows from parent to child.

    A cell with more than ``cell_limit`` works shows ``cell_limit - 1`` of them and a "+k more" link to
    ``#<year>`` (the year's heading in the list below the picture), so that the picture's height stays
    bounded however large the KB grows; arrows to works not drawn are left out.
    """
    nodes = sorted(
        (n for n, d in graph.nodes(data=True) if d.get("year") is not None),
        key=lambda n: (graph.nodes[n]["year"], n),
    )
    years = sorted({int(graph.nodes[n]["year"]) for n in nodes})
    lane_of = {f: i for i, f in enumerate(families)}
    cells: dict[tuple[str, int], list[str]] = defaultdict(list)
    for n in nodes:
        cells[(str(graph.nodes[n].get("family")), int(graph.nodes[n]["year"]))].append(n)
    families = [f for f in families if any(fam == f for fam, _ in cells)]
    shown = {key: v if len(v) <= cell_limit else v[: cell_limit - 1] for key, v in cells.items()}
    depth = {f: min(max(len(v) for (fam, _), v in cells.items() if fam == f), cell_limit) for f in families}
    left, col, row, top = 170.0, 120.0, 26.0, 40.0
    lane_top: dict[str, float] = {}
    y = top
    for f in families:
        lane_top[f] = y
        y += depth[f] * row + 14
    height = y + 10
    width = left + max(len(years), 1) * col + 40
    xs = {year: left + i * col + 20 for i, year in enumerate(years)}
    pos: dict[str, tuple[float, float]] = {}
    more: list[tuple[float, float, int, int]] = []  # x, y, year, hidden count
    for (f, year), members in sorted(cells.items()):
        for k, n in enumerate(shown[(f, year)]):
            pos[n] = (xs[year], lane_top.get(f, top) + k * row + row / 2 + 4)
        if len(members) > len(shown[(f, year)]):
            y_more = lane_top.get(f, top) + (cell_limit - 1) * row + row / 2 + 4
            more.append((xs[year], y_more, year, len(members) - len(shown[(f, year)])))
    body: list[str] = []
    for i, f in enumerate(families):
        lane_h = depth[f] * row + 8
        body.append(
            f'<rect x="0" y="{lane_top[f]:.1f}" width="{width:.1f}" height="{lane_h:.1f}" class="sslkb-lane sslkb-lane-{i % 2}"/>'
        )
        body.append(
            f'<text x="8" y="{lane_top[f] + row / 2 + 8:.1f}" class="sslkb-lane-label">{attr(short(f, 24))}</text>'
        )
    for year, x in xs.items():
        body.append(f'<text x="{x:.1f}" y="24" text-anchor="middle" class="sslkb-axis">{year}</text>')
        body.append(f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="{height - 6:.1f}" class="sslkb-grid"/>')
    for child, parent in sorted(graph.edges):
        if child in pos and parent in pos:
            (x1, y1), (x2, y2) = pos[parent], pos[child]
            body.append(
                _arrow("timeline", x1 + 6, y1, x2 - 7, y2, _edge_tip(graph, child, parent), bend=0.15)
            )
    for n in nodes:
        if n not in pos:
            continue
        x, y0 = pos[n]
        fill = colour(lane_of.get(str(graph.nodes[n].get("family")), 0))
        body.append(_node(x, y0, str(graph.nodes[n].get("name", n)), href(n), fill, _tip(graph, n)))
    for x, y0, year, count in more:
        body.append(
            f'<a href="#{year}" class="sslkb-node sslkb-more"><title>{count} more works of {year}: see the list'
            f' below</title><text x="{x - 6:.1f}" y="{y0 + 4:.1f}" class="sslkb-label">+{count} more</text></a>'
        )
    return frame(
        "timeline",
        width,
        height,
        "Timeline of methods by year, in lanes by family, with lineage arrows",
        body,
    )


# ---------------------------------------------------------------------------- lineage


def generations(graph: nx.DiGraph) -> dict[str, int]:
    """Longest chain of parents below each node (roots are 0); edges go child -> parent."""
    out: dict[str, int] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        out[node] = 1 + max((out[p] for p in graph.successors(node)), default=-1)
    return out


def lineage(graph: nx.DiGraph, families: Sequence[str], href: Href) -> str:
    """The whole lineage (pass the transitive reduction): rows grouped by family, columns by generation."""
    gen = generations(graph)
    lane_of = {f: i for i, f in enumerate(families)}
    cells: dict[tuple[str, int], list[str]] = defaultdict(list)
    for n in sorted(graph, key=lambda n: (graph.nodes[n].get("year") or 9999, n)):
        cells[(str(graph.nodes[n].get("family")), gen[n])].append(n)
    used = [f for f in families if any(fam == f for fam, _ in cells)]
    depth = {f: max(len(v) for (fam, _), v in cells.items() if fam == f) for f in used}
    bw, bh, col, gap, left, top = 124.0, 34.0, 170.0, 10.0, 150.0, 12.0
    lane_top: dict[str, float] = {}
    y = top
    for f in used:
        lane_top[f] = y
        y += depth[f] * (bh + gap) + 18
    width = left + (max(gen.values(), default=0) + 1) * col + 10
    pos: dict[str, tuple[float, float]] = {}
    for (f, g), members in sorted(cells.items()):
        for k, n in enumerate(members):
            pos[n] = (left + g * col, lane_top[f] + 9 + k * (bh + gap))
    body: list[str] = []
    for i, f in enumerate(used):
        lane_h = depth[f] * (bh + gap) + 8
        body.append(
            f'<rect x="2" y="{lane_top[f]:.1f}" width="{width - 4:.1f}" height="{lane_h:.1f}" rx="8" class="sslkb-lane sslkb-lane-{i % 2}"/>'
        )
        body.append(
            f'<text x="10" y="{lane_top[f] + 26:.1f}" class="sslkb-lane-label">{attr(short(f, 22))}</text>'
        )
    for child, parent in sorted(graph.edges):
        (px, py), (cx, cy) = pos[parent], pos[child]
        body.append(
            _arrow(
                "lineage", px + bw, py + bh / 2, cx, cy + bh / 2, _edge_tip(graph, child, parent), bend=0.1
            )
        )
    for n, (x, y0) in sorted(pos.items()):
        data = graph.nodes[n]
        fill = colour(lane_of.get(str(data.get("family")), 0))
        body.append(
            _box(
                x,
                y0,
                bw,
                bh,
                str(data.get("name", n)),
                str(data.get("year") or ""),
                href(n),
                fill,
                _tip(graph, n),
            )
        )
    return frame(
        "lineage",
        width,
        y + 4,
        "Lineage of all methods and concepts, grouped by family (transitive reduction)",
        body,
    )


def ego(graph: nx.DiGraph, node: str, href: Href, families: Sequence[str]) -> str:
    """One record with its parents (above) and children (below)."""
    lane_of = {f: i for i, f in enumerate(families)}
    parents = sorted(graph.successors(node), key=lambda n: (graph.nodes[n].get("year") or 9999, n))
    kids = sorted(graph.predecessors(node), key=lambda n: (graph.nodes[n].get("year") or 9999, n))
    bw, bh, step = 130.0, 34.0, 150.0
    width = max(len(parents), len(kids), 1) * step + 20
    rows = [(parents, 10.0), ([node], 90.0 if parents else 10.0)]
    if kids:
        rows.append((kids, rows[-1][1] + 80))
    pos: dict[str, tuple[float, float]] = {}
    for members, y in rows:
        start = (width - len(members) * step) / 2 + (step - bw) / 2
        for k, n in enumerate(members):
            pos[n] = (start + k * step, y)
    body: list[str] = []
    for p in parents:
        (px, py), (nx_, ny) = pos[p], pos[node]
        body.append(
            _arrow("ego", px + bw / 2, py + bh, nx_ + bw / 2, ny, _edge_tip(graph, node, p), bend=0.0)
        )
    for c in kids:
        (nx_, ny), (cx, cy) = pos[node], pos[c]
        body.append(
            _arrow("ego", nx_ + bw / 2, ny + bh, cx + bw / 2, cy, _edge_tip(graph, c, node), bend=0.0)
        )
    for n, (x, y) in sorted(pos.items()):
        data = graph.nodes[n]
        fill = colour(lane_of.get(str(data.get("family")), 0))
        url = None if n == node else href(n)
        body.append(
            _box(
                x,
                y,
                bw,
                bh,
                str(data.get("name", n)),
                str(data.get("year") or ""),
                url,
                fill,
                _tip(graph, n),
                focus=n == node,
            )
        )
    height = rows[-1][1] + bh + 10
    return frame(
        "ego",
        width,
        height,
        f"{graph.nodes[node].get('name', node)}: what it builds on and what builds on it",
        body,
    )
