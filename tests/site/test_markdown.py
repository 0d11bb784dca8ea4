"""Escaping of record text for Markdown and HTML."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssl_kb.site import markdown
from ssl_kb.site.markdown import Raw

SPECIAL = set("<>*_`[]{}|\\~^#$")


@given(st.text())
def test_text_shows_the_same_characters(value: str) -> None:
    out = markdown.text(value)
    assert html.unescape(out) == " ".join(value.split())
    assert not SPECIAL & set(
        out.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").replace("&#", "")
    )
    assert "\n" not in out


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "{{ 7*7 }}",
        "[x](javascript:alert(1))",
        "**bold**",
        "`code`",
        "| a | b |",
        "{% raw %}",
    ],
)
def test_text_neutralises_markup(hostile: str) -> None:
    out = markdown.text(hostile)
    for token in ("<script", "{{", "[x]", "**", "`", "|", "{%"):
        assert token not in out


@pytest.mark.parametrize(
    "start", ["- item", "+ item", "1. item", "2) item", "= heading", "# heading", ": def"]
)
def test_text_cannot_start_a_block(start: str) -> None:
    out = markdown.text(start)
    assert "&#" in out[:3], out


def test_numbers_are_left_readable() -> None:
    assert markdown.text("0.75") == "0.75"
    assert markdown.text(2021) == "2021"


def test_raw_passes_and_cells_are_never_empty() -> None:
    assert markdown.text(Raw("**x**")) == "**x**"
    assert markdown.cell(None) == "—"
    assert markdown.cell("") == "—"


def test_code_block_fence_outgrows_backticks() -> None:
    block = markdown.code_block("a ```` b", "text")
    assert block.startswith("`````text\n") and block.endswith("\n`````")


def test_href_accepts_only_https() -> None:
    assert markdown.href("https://arxiv.org/abs/2111.06377") == "https://arxiv.org/abs/2111.06377"
    with pytest.raises(ValueError, match="https"):
        markdown.href("javascript:alert(1)")
    assert "(" not in markdown.external("x", "https://e.org/a_(b)").split("](")[1][:-1]


def test_links_between_pages() -> None:
    assert (
        markdown.relative("methods/mae.md", "topics/masked-predictions.md")
        == "../topics/masked-predictions.md"
    )
    assert markdown.html_url("timeline.md", "methods/mae.md") == "methods/mae.html"
    assert markdown.comment("a --> b") == "a - -&gt; b"
