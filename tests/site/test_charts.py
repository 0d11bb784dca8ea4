"""The charts: results over time, and ablations readable at their displayed size."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from ssl_kb.design import Ablation
from ssl_kb.queries import ResultView
from ssl_kb.site import charts

NS = "{http://www.w3.org/2000/svg}"


def _href(node: str) -> str:
    return f"{node}.html"


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
        charts.results_chart("chart-x", rows, higher_is_better=True, unit="%", href=_href, title="t")
    )
    assert len(list(root.iter(f"{NS}circle"))) == 2
    assert root.find(f"{NS}polyline") is not None


def test_results_chart_tolerates_ties() -> None:
    rows = [result(r, r, 2020, 70.0, "x") for r in ("b", "a")]
    out = charts.results_chart("chart-t", rows, higher_is_better=True, unit="%", href=_href, title="t")
    assert out.index('href="a.html"') < out.index('href="b.html"')


# ---------------------------------------------------------------------------- ablations


def study(*, numeric: bool = True, **changes: object) -> Ablation:
    settings = (
        ["1 block", "2 blocks", "8 blocks", "12 blocks"] if numeric else ["pixel", "PCA", "dVAE <token>"]
    )
    values = [84.8, 84.9, 84.9, 84.4] if numeric else [84.9, 84.6, 85.3]
    points = [
        {"setting": s, "value": v} | ({"x": float(s.split()[0])} if numeric else {})
        for s, v in zip(settings, values, strict=True)
    ]
    data = {
        "id": "decoder-depth" if numeric else "target",
        "factor": "decoder depth" if numeric else "reconstruction target",
        "dataset": "imagenet-1k",
        "metric": "top-1-accuracy",
        "protocol": "fine-tune",
        "variant": "ViT-L/16",
        "points": points,
        "chosen": "8 blocks" if numeric else "dVAE <token>",
        "source": "Table 1",
    }
    return Ablation.model_validate(data | changes)


def draw(ablation: Ablation) -> ET.Element:
    return ET.fromstring(charts.ablation("ablation-x", ablation, metric="Top-1 accuracy", title="t"))


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


@pytest.mark.parametrize("numeric", [True, False])
def test_an_ablation_chart_is_drawn_at_its_own_size_within_the_column(numeric: bool) -> None:
    root = draw(study(numeric=numeric))
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert 0 < width <= charts.MAX_WIDTH and height > 0
    assert root.get("viewBox") == f"0 0 {width:g} {height:g}"  # 1 user unit = 1 CSS px
    assert "max-width:none" in root.get("style", "")  # Material's max-width: 100% does not shrink it


@pytest.mark.parametrize("numeric", [True, False])
def test_every_label_of_an_ablation_chart_is_at_least_11_px(numeric: bool) -> None:
    labels = list(draw(study(numeric=numeric)).iter(f"{NS}text"))
    assert labels
    for label in labels:
        assert float(label.get("font-size", "0")) >= 11, ET.tostring(label)


@pytest.mark.parametrize("numeric", [True, False])
def test_the_legend_names_the_chosen_setting(numeric: bool) -> None:
    ablation = study(numeric=numeric)
    root = draw(ablation)
    legend = [g for g in root.iter(f"{NS}g") if g.get("class") == "sslkb-legend"]
    words = ["".join(g.itertext()) for g in legend]
    assert words == ["measured", f"chosen by the paper: {ablation.chosen}"]
    assert legend[1].find(f"{NS}path[@class='sslkb-chosen']") is not None  # the same diamond as the point
    chosen = [
        g for g in root.iter(f"{NS}g") if g.get("class") == "sslkb-point" and g.find(f"{NS}path") is not None
    ]
    assert len(chosen) == 1 and "(chosen)" in "".join(chosen[0].itertext())


def test_the_axes_are_titled_with_the_metric_its_unit_and_the_factor() -> None:
    labels = texts(draw(study(unit="points", higher_is_better=False)))
    assert "Top-1 accuracy (points), lower is better" in labels
    assert "Decoder depth" in labels


def test_numeric_settings_make_a_line_chart_on_a_linear_axis() -> None:
    root = draw(study(numeric=True))
    assert len(list(root.iter(f"{NS}circle"))) == 4 + 1  # the points and the legend's
    (line,) = root.iter(f"{NS}polyline")
    xs = [float(pair.split(",")[0]) for pair in line.get("points", "").split()]
    assert xs == sorted(xs)
    step = (xs[1] - xs[0]) / 1  # 1 -> 2 blocks
    assert xs[2] - xs[1] == pytest.approx(6 * step, abs=0.2)  # 2 -> 8 blocks: six times as far
    assert {"1", "2", "8", "12"} <= set(texts(root))


def test_named_settings_make_a_dot_chart_in_the_papers_order() -> None:
    root = draw(study(numeric=False))
    assert root.find(f"{NS}polyline") is None
    labels = texts(root)
    order = [labels.index(s) for s in ("pixel", "PCA", "dVAE <token>")]  # escaped, then read back
    assert order == sorted(order)
    cx = [
        float(c.get("cx", "0"))
        for g in root.iter(f"{NS}g")
        if g.get("class") == "sslkb-point"
        for c in g.iter(f"{NS}circle")
    ]
    assert cx == sorted(cx) and len(cx) == 3


def test_a_long_setting_is_wrapped_and_cut_but_kept_whole_in_its_tooltip() -> None:
    long = "a reconstruction target with a name far too long for one column of the chart"
    ablation = study(
        numeric=False, points=[{"setting": long, "value": 1.0}, {"setting": "b", "value": 2.0}], chosen="b"
    )
    root = draw(ablation)
    tips = ["".join(t.itertext()) for t in root.iter(f"{NS}title")]
    assert any(long in tip for tip in tips)
    assert not any(long in label for label in texts(root))


def test_an_ablation_chart_is_deterministic_and_escapes_labels() -> None:
    out = charts.ablation("ablation-x", study(numeric=False), metric="M & <m>", title="a <b>")
    assert out == charts.ablation("ablation-x", study(numeric=False), metric="M & <m>", title="a <b>")
    assert "<token>" not in out and "<m>" not in out and "<b>" not in out
    assert re.search(r'id="sslkb-ablation-x-title"', out)
