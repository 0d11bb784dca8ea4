"""Charts: measured numbers on axes (results over time, ablations), drawn as inline SVG at build time.

Like the pictures of :mod:`ssl_kb.site.svg` (whose frame, palette and escaping they share), each chart
is a self-contained ``<svg>`` with a ``<title>``, deterministic for the same input. An ablation chart
is drawn at its own size, with every label at least :data:`SMALL` px, and never wider than
:data:`MAX_WIDTH` px, so that it fits the content column of the site on a 1280 px screen unscaled.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

from ..design import Ablation
from ..queries import ResultView
from .markdown import attr
from .svg import Href, colour, frame, short

MAX_WIDTH = 640  # px: the content column of Material on a 1280 px screen is about 690 px wide
FONT = 12  # px: axis titles, tick labels, legend
SMALL = 11  # px: the smallest label (the values written beside the points)
CHOSEN = "#d9822b"  # the chosen setting: the palette's second colour, as a diamond
VALUE_LABELS = 12  # write each point's value beside it while there are at most this many points


# ---------------------------------------------------------------------------- axes


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) between ``low`` and ``high``."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 6) for i in range(int((high - first) / step + 1e-9) + 1)]


# ---------------------------------------------------------------------------- results over time


def results_chart(
    name: str, rows: Sequence[ResultView], *, higher_is_better: bool, unit: str, href: Href, title: str
) -> str:
    """Results over time (x: year of the method, y: value) with the best-so-far line."""
    points = sorted(
        ((r.record_year, float(r.value), r) for r in rows if r.record_year is not None),
        key=lambda p: (p[0], p[1], p[2].record_id, p[2].position),
    )
    width, height, left, right, top, bottom = 640.0, 300.0, 56.0, 150.0, 20.0, 36.0
    if not points:
        return frame(
            name, width, 40, title, ['<text x="8" y="24" class="sslkb-label">no dated results</text>']
        )
    years = [p[0] for p in points]
    values = [p[1] for p in points]
    y0, y1 = min(years) - 1, max(years) + 1
    pad = max((max(values) - min(values)) * 0.1, 0.5)
    v0, v1 = max(min(values) - pad, 0.0), max(values) + pad

    def sx(year: float) -> float:
        return left + (year - y0) / (y1 - y0) * (width - left - right)

    def sy(value: float) -> float:
        return top + (v1 - value) / (v1 - v0) * (height - top - bottom)

    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" class="sslkb-axis-line"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" class="sslkb-axis-line"/>',
    ]
    for tick in _ticks(v0, v1):
        body.append(
            f'<line x1="{left - 4}" y1="{sy(tick):.1f}" x2="{width - right}" y2="{sy(tick):.1f}" class="sslkb-grid"/>'
        )
        body.append(
            f'<text x="{left - 8}" y="{sy(tick) + 4:.1f}" text-anchor="end" class="sslkb-axis">{tick:g}</text>'
        )
    for year in range(y0 + 1, y1):
        if (y1 - y0) <= 12 or year % 2 == 0:
            body.append(
                f'<text x="{sx(year):.1f}" y="{height - bottom + 16:.1f}" text-anchor="middle" class="sslkb-axis">{year}</text>'
            )
    body.append(f'<text x="{left - 44}" y="{top - 6}" class="sslkb-axis">{attr(unit)}</text>')
    frontier: list[tuple[float, float]] = []
    current: float | None = None
    for year, value, _ in points:
        if current is None or (value > current if higher_is_better else value < current):
            current = value
            frontier.append((sx(year), sy(value)))
    if len(frontier) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in frontier)
        body.append(f'<polyline points="{path}" class="sslkb-frontier"><title>best so far</title></polyline>')
    for k, (year, value, row) in enumerate(points):
        label = row.record_name
        tip = f"{label} ({year}): {value:g} {unit}; {row.variant}"
        node = (
            f'<circle cx="{sx(year):.1f}" cy="{sy(value):.1f}" r="5" fill="{colour(0)}"/>'
            f'<text x="{sx(year) + 8:.1f}" y="{sy(value) + 4 + (k % 2) * 10:.1f}" class="sslkb-label">{attr(short(label, 16))}</text>'
        )
        url = href(row.record_id)
        inner = f"<title>{attr(tip)}</title>{node}"
        body.append(f'<a href="{attr(url)}">{inner}</a>' if url else f"<g>{inner}</g>")
    return frame(name, width, height, title, body)


# ---------------------------------------------------------------------------- ablations


def _text(
    x: float, y: float, label: str, *, cls: str = "sslkb-axis", size: int = FONT, anchor: str = "start"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" class="{cls}">'
        f"{attr(label)}</text>"
    )


def _diamond(x: float, y: float, r: float = 7.0) -> str:
    return (
        f'<path d="M{x:.1f},{y - r:.1f} L{x + r:.1f},{y:.1f} L{x:.1f},{y + r:.1f} L{x - r:.1f},{y:.1f} z" '
        f'fill="{CHOSEN}" class="sslkb-chosen"/>'
    )


def _dot(x: float, y: float) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour(0)}"/>'


def _width(label: str, size: int = FONT) -> float:
    """A generous estimate of a label's width in px (0.6 em a character)."""
    return len(label) * size * 0.6


def _lines(label: str, width: float, size: int = SMALL, most: int = 2) -> list[str]:
    """``label`` wrapped to ``width`` px in at most ``most`` lines, the last cut with an ellipsis."""
    chars = max(3, int(width / (size * 0.6)))
    lines = textwrap.wrap(label, chars) or [label]
    if len(lines) > most:
        lines = [*lines[: most - 1], short(" ".join(lines[most - 1 :]), chars)]
    return [short(line, chars) for line in lines]


def _value_domain(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    span = high - low
    pad = span * 0.15 if span > 0 else max(abs(high) * 0.05, 0.5)
    low_end = low - pad
    if low >= 0 > low_end:  # a positive quantity keeps a non-negative axis
        low_end = 0.0
    return low_end, high + pad


def _x_domain(points: Sequence[float]) -> tuple[float, float]:
    low, high = min(points), max(points)
    pad = (high - low) * 0.05 if high > low else 1.0
    return low - pad, high + pad


def _numeric_axis(xs: Sequence[float], raw: Sequence[float], base: float) -> list[str]:
    """Ticks at the settings tried, leaving out a label that would touch the one before it."""
    out: list[str] = []
    drawn = -math.inf
    for x, value in sorted(zip(xs, raw, strict=True)):
        out.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" class="sslkb-axis-line"/>')
        if x - drawn >= _width(f"{value:g}") + 8:
            out.append(_text(x, base + 18, f"{value:g}", anchor="middle"))
            drawn = x
    return out


def _legend(y: float, left: float, chosen: str, *, line: bool) -> list[str]:
    """The first row: the measured points (with their line, if drawn), then the chosen setting."""
    stroke = (
        f'<line x1="{left}" y1="{y - 4}" x2="{left + 20}" y2="{y - 4}" stroke="{colour(0)}" stroke-width="2"/>'
        if line
        else ""
    )
    at = left + 28 + _width("measured") + 24
    return [
        f'<g class="sslkb-legend">{stroke}{_dot(left + 10, y - 4)}{_text(left + 28, y, "measured")}</g>',
        f'<g class="sslkb-legend">{_diamond(at + 7, y - 4, 6)}'
        f"{_text(at + 20, y, f'chosen by the paper: {short(chosen, 40)}')}</g>",
    ]


def ablation(name: str, study: Ablation, *, metric: str, title: str) -> str:
    """One ablation: the measured value (y) against the setting tried (x), the chosen setting marked.

    A line chart on a linear x axis when every point has a numeric ``x``; otherwise a dot chart with
    one column per setting, in the paper's order, named under the axis. The legend names the chosen
    setting; the y axis is titled with ``metric``, the unit and which way is better, the x axis with
    the factor. ``name`` makes the SVG's ids unique in a page.
    """
    width, left, right, top, plot_h = 560.0, 62.0, 24.0, 64.0, 170.0
    plot_w = width - left - right
    points = study.points
    values = [p.value for p in points]
    v0, v1 = _value_domain(values)
    raw = [float(p.x) for p in points if p.x is not None]
    numeric = len(raw) == len(points)
    slot = plot_w / len(points)
    if numeric:
        x0, x1 = _x_domain(raw)
        xs = [left + (x - x0) / (x1 - x0) * plot_w for x in raw]
    else:
        xs = [left + (i + 0.5) * slot for i in range(len(points))]

    def sy(value: float) -> float:
        return top + (v1 - value) / (v1 - v0) * plot_h

    base = top + plot_h
    body = [
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" class="sslkb-axis-line"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" class="sslkb-axis-line"/>',
    ]
    for tick in _ticks(v0, v1, 4):
        y = sy(tick)
        body.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="sslkb-grid"/>'
        )
        body.append(_text(left - 8, y + 4, f"{tick:g}", anchor="end"))
    if numeric:
        body += _numeric_axis(xs, raw, base)
        below = base + 40.0
        path = " ".join(f"{x:.1f},{sy(v):.1f}" for x, v in sorted(zip(xs, values, strict=True)))
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour(0)}" stroke-width="2"/>')
    else:
        labels = [_lines(p.setting, slot - 6) for p in points]
        for x, parts in zip(xs, labels, strict=True):
            body += [
                _text(x, base + 17 + k * 14, part, size=SMALL, anchor="middle")
                for k, part in enumerate(parts)
            ]
        below = base + 26.0 + 14 * max(len(parts) for parts in labels)
    for x, point in zip(xs, points, strict=True):
        y = sy(point.value)
        chosen = point.setting == study.chosen
        tip = f"{point.setting}: {point.value:g} {study.unit}" + (" (chosen)" if chosen else "")
        marks = _dot(x, y) + (_diamond(x, y) if chosen else "")
        if len(points) <= VALUE_LABELS:
            marks += _text(x, y - 12, f"{point.value:g}", cls="sslkb-label", size=SMALL, anchor="middle")
        body.append(f'<g class="sslkb-point"><title>{attr(tip)}</title>{marks}</g>')
    better = "higher" if study.higher_is_better else "lower"
    body.append(_text(8, top - 14, f"{metric} ({study.unit}), {better} is better", cls="sslkb-label"))
    factor = study.factor[:1].upper() + study.factor[1:]
    body.append(_text(left + plot_w / 2, below, factor, cls="sslkb-label", anchor="middle"))
    body += _legend(18.0, left, study.chosen, line=numeric)
    return frame(name, width, below + 10, title, body, arrows=False, fixed=True)
