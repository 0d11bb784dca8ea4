"""Loss docstrings as Markdown with MathML formulas (ssl_kb.site.docstrings)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ssl_kb.site import docstrings, implementations

LOSSES = Path(__file__).resolve().parents[2] / "src" / "ssl_kb" / "losses"
MATHML = "{http://www.w3.org/1998/Math/MathML}"


def _parse(fragment: str) -> ET.Element:
    return ET.fromstring(fragment.replace("&#42;", "*").replace("&#95;", "_"))


def test_inline_and_display_formulas_are_mathml() -> None:
    inline = _parse(docstrings.math(r"\frac{1}{2B} \sum_i \ell_i"))
    assert inline.tag == f"{MATHML}math" and inline.get("display") == "inline"
    assert inline.find(f".//{MATHML}mfrac") is not None
    assert _parse(docstrings.math("x^2", display=True)).get("display") == "block"


def test_a_formula_that_cannot_be_converted_is_shown_as_code() -> None:
    assert docstrings.math(r"\frac{1}{") == "<code>&#92;frac&#123;1&#125;&#123;</code>"


def test_prose_is_escaped_and_keeps_its_spaces() -> None:
    out = docstrings.inline("a <script>x</script> [link](http://e.org) *b* ``c_d`` :func:`~p.q.r` end")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "](" not in out.replace("&#93;(", "")  # no Markdown link survives
    assert " <em>b</em> <code>c&#95;d</code> <code>r</code> end" in out


def test_sections_lists_and_doctests() -> None:
    doc = (
        "Summary line.\n\n"
        "- first item\n  continued\n- second\n\n"
        "Args:\n"
        "    x: the input, :math:`[B, D]`.\n"
        "    a, b: two at once.\n"
        "        More about them.\n\n"
        "Returns:\n"
        "    A scalar.\n\n"
        ">>> f(1)\n"
        "2\n"
    )
    md = docstrings.to_markdown("def f(x)", doc)
    assert md.startswith("```python\ndef f(x)\n```\n\nSummary line.\n\n- first item continued\n- second\n")
    assert "**Arguments**\n\n- <code>x</code>: the input, <math" in md
    assert "- <code>a, b</code>: two at once. More about them." in md
    assert "**Returns**\n\nA scalar." in md
    assert md.endswith("```pycon\n>>> f(1)\n2\n```")


def _formulas(doc: str) -> int:
    return len(re.findall(r":math:`", doc)) + len(re.findall(r"^\s*\.\. math::\s*$", doc, re.M))


@pytest.mark.parametrize("path", sorted(LOSSES.glob("*.py")), ids=lambda p: p.stem)
def test_every_formula_of_the_real_losses_becomes_mathml(path: Path) -> None:
    names = re.findall(r"^(?:def|class) ([A-Za-z]\w*)", path.read_text(encoding="utf-8"), re.M)
    for name in names:
        impl = implementations.find(f"ssl_kb.losses.{name}")
        assert impl is not None
        md = docstrings.to_markdown(impl.signature, impl.docstring)
        assert md.count("<math ") == _formulas(impl.docstring), name
        for fragment in re.findall(r"<math .*?</math>", md):
            _parse(fragment)  # well-formed XML
