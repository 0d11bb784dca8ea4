"""Templates: the Jinja2 environment escapes every value unless marked Raw, and pages read cleanly."""

from __future__ import annotations

import jinja2
import pytest

from ssl_kb.site import markdown
from ssl_kb.site.templates import environment, render


def test_values_are_escaped_unless_raw() -> None:
    template = environment().from_string("{{ a }}|{{ b }}")
    out = template.render(a="*bold* <b>", b=markdown.Raw("*bold*"))
    escaped, raw = out.split("|")
    assert escaped == markdown.text("*bold* <b>") and escaped != "*bold* <b>"
    assert raw == "*bold*"


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ missing }}").render()


def test_record_text_is_never_template_source() -> None:
    value = "{{ 7*7 }} {% if 1 %}x{% endif %}"
    out = environment().from_string("{{ a }}").render(a=value)
    assert out == markdown.text(value) and "49" not in out


def test_the_filters_and_the_table_global_are_markdowns() -> None:
    env = environment()
    assert env.filters["cell"] is markdown.cell and env.filters["text"] is markdown.text
    assert env.globals["table"] is markdown.table
    assert environment() is env  # built once


def test_render_collapses_blank_lines_and_ends_with_one_newline() -> None:
    out = render(
        "index.md.j2",
        header=markdown.Raw("<!-- header -->\n\n\n"),
        title="Title",
        intro="Intro",
        columns=["A"],
        rows=[["x"]],
    )
    assert out.endswith("\n") and not out.endswith("\n\n") and not out.startswith("\n")
    assert "\n\n\n" not in out and all(line == line.rstrip() for line in out.split("\n"))
    assert "Title" in out and "Intro" in out


def test_an_unknown_template_is_an_error() -> None:
    with pytest.raises(jinja2.TemplateNotFound):
        render("no-such-page.md.j2")
