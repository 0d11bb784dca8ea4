"""Templates: the Jinja2 environment that renders the site's Markdown pages.

Every ``{{ value }}`` is escaped by :func:`ssl_kb.site.markdown.text` unless the generator marked it
:class:`~ssl_kb.site.markdown.Raw`; record text therefore can never become markup, even when a
template forgets a filter. Record text is only ever a value, never template source.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from . import markdown


def _finalize(value: Any) -> Any:
    return value if isinstance(value, markdown.Raw) else markdown.text(value)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ssl_kb", "templates/site"),
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        cell=markdown.cell,
        paragraphs=markdown.paragraphs,
        code=markdown.code,
        quoted=markdown.quoted,
        text=markdown.text,
    )
    env.globals["table"] = markdown.table
    return env


def render(name: str, **context: Any) -> str:
    """Render one template; collapses runs of blank lines so pages read cleanly."""
    out = environment().get_template(name).render(**context)
    lines: list[str] = []
    for line in out.split("\n"):
        line = line.rstrip()
        if line == "" and lines and lines[-1] == "":
            continue
        lines.append(line)
    return "\n".join(lines).strip("\n") + "\n"
