"""Card: a record as a rich panel; every fact shown, record text never read as rich markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from ssl_kb.card import card
from ssl_kb.kb import load


@pytest.fixture(scope="module")
def records() -> dict:
    kb = load(Path(__file__).resolve().parent / "data" / "kb")
    assert kb.ok()
    return kb.records


def shown(record) -> str:
    console = Console(width=250, record=True, color_system=None)
    console.print(card(record))
    return console.export_text()


def test_a_method_card_shows_its_paper_results_lineage_and_claims(records: dict) -> None:
    mae = records["mae"]
    text = shown(mae)
    assert "MAE" in text and "(mae)" in text
    for fact in (
        mae.full_name,
        mae.summary,
        mae.paper.title,
        "Kaiming He, Xinlei Chen",
        "CVPR 2022",
        "https://arxiv.org/abs/2111.06377",
        mae.pretext_task,
        mae.backbone,
        "masked-predictions",
    ):
        assert fact in text, fact
    result = mae.results[0]
    assert f"{result.value:g} {result.unit}" in text and result.source in text
    for edge in mae.lineage:
        assert edge.target in text and edge.type.value in text
    assert "verdict: correct" in text and mae.lecture_claims[0].claim in text


def test_a_card_shows_a_correction_and_no_paper_where_there_is_none(records: dict) -> None:
    topic = records["contrastive"]
    text = shown(topic)
    assert "verdict: imprecise" in text and "correction:" in text
    assert topic.lecture_claims[0].correction in text
    keys = {line.strip("│ ").split("  ")[0] for line in text.splitlines()}
    assert {"kind", "heading"} <= keys
    assert not keys & {"paper", "authors", "arXiv", "year"}
    assert "builds on" not in text


def test_a_card_lists_the_kind_specific_fields(records: dict) -> None:
    text = shown(records["imagenet-1k"])
    assert "dataset" in text and "2009" in text and "image" in text
    assert "builds on" not in text


def test_record_text_is_not_rich_markup(records: dict) -> None:
    hostile = records["mae"].model_copy(
        update={"name": "[red]MAE[/red]", "full_name": "[bold]x[/]", "summary": "[link=http://x]y[/link]"}
    )
    text = shown(hostile)
    assert "[red]MAE[/red]" in text and "[bold]x[/]" in text and "[link=http://x]y[/link]" in text
