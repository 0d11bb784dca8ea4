"""Markdown: escaping record text for generated Markdown pages and inline HTML/SVG.

Record text is data, never markup. :func:`text` turns any value into Markdown that renders as the
same characters: HTML, Markdown emphasis, links, code spans, tables and Jinja-like braces become
character references, whitespace is collapsed, and a value's first character, if it is punctuation,
is a character reference too, so that no value can start a new block where it begins a line or a
paragraph (a list, a heading, a code block, an admonition ``!!!``/``???``, a ``---`` rule,
a ``--8<--`` snippet, an attribute list, a reference definition). Values that the generator itself builds (links, tables, SVG) are marked
:class:`Raw` and pass through templates unchanged; everything else is escaped by the template
environment's ``finalize`` hook, so forgetting a filter is safe.
"""

from __future__ import annotations

import html
import posixpath
import re
from typing import Any
from urllib.parse import quote

# Characters that start Markdown, HTML, template or extension syntax, as character references.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"} | {ch: f"&#{ord(ch)};" for ch in "*_`[]{}|\\~^#$"}
_TABLE = str.maketrans(_ENTITIES)
# Characters that open a block where a value starts a line or a paragraph, beyond those in
# _ENTITIES: admonitions (!!!, ???), lists and rules (- + ---), snippets (--8<--), setext
# underlines (===), definition lists and fenced divs (: :::), blocks (///), template lines (%).
_BLOCK_START = set("!?-+=:/%")
_LINE_START = re.compile(r"^(\d+)([.)])(?=\s|$)")


class Raw(str):
    """Text that is already Markdown/HTML built by the generator (not from a record)."""

    __slots__ = ()


def text(value: Any) -> Raw:
    """Escape one value for an inline position in Markdown (also valid inside HTML elements).

    >>> str(text("<b>**x**</b> {{ 7*7 }}"))
    '&lt;b&gt;&#42;&#42;x&#42;&#42;&lt;/b&gt; &#123;&#123; 7&#42;7 &#125;&#125;'
    >>> str(text("1. not a list"))
    '1&#46; not a list'
    >>> str(text('!!! danger "x"'))
    '&#33;!! danger "x"'
    """
    if isinstance(value, Raw):
        return value
    if value is None:
        return Raw("")
    if isinstance(value, bool):
        value = "true" if value else "false"
    flat = " ".join(str(value).split())
    out = flat.translate(_TABLE)
    match = _LINE_START.match(out)
    if match:
        out = f"{match[1]}&#{ord(match[2])};{out[match.end() :]}"
    elif out[:1] in _BLOCK_START:
        out = f"&#{ord(out[0])};{out[1:]}"
    return Raw(out)


def table(columns: list[Any], rows: list[list[Any]]) -> Raw:
    """A Markdown table; every cell is escaped unless it is :class:`Raw`."""
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return Raw("\n".join(lines))


def paragraphs(value: Any) -> Raw:
    """Escape multi-paragraph text: blank lines separate paragraphs, other newlines are spaces."""
    parts = [text(p) for p in re.split(r"\n\s*\n", str(value or "")) if p.strip()]
    return Raw("\n\n".join(parts))


def cell(value: Any) -> Raw:
    """A table cell: escaped text, or an em dash when empty."""
    out = text(value)
    return out if out else Raw("—")


def attr(value: Any) -> str:
    """Escape a value for an HTML or SVG attribute or element (quotes included)."""
    return html.escape(" ".join(str(value).split()), quote=True)


def code_block(body: str, lang: str = "text") -> Raw:
    """A fenced code block that shows ``body`` literally (the fence outgrows any backtick run)."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return Raw(f"{fence}{lang}\n{body.rstrip()}\n{fence}")


def indent(value: str, width: int = 4) -> Raw:
    """Indent every non-empty line (for content inside admonitions)."""
    pad = " " * width
    return Raw("\n".join(pad + line if line.strip() else "" for line in str(value).split("\n")))


def href(url: str) -> str:
    """A URL that is safe in a Markdown link or an HTML attribute: https only, reserved characters encoded."""
    if not url.startswith("https://"):
        raise ValueError(f"url: expected an https:// URL, got {url!r}")
    return quote(url, safe=":/?#=&%~+,;@!$'*-._")


def external(label: Any, url: str) -> Raw:
    """A Markdown link to an external https URL."""
    return Raw(f"[{text(label)}]({href(url).replace('(', '%28').replace(')', '%29')})")


def relative(from_page: str, to_page: str) -> str:
    """Relative link between two docs pages (Markdown source paths, for mkdocs to check and rewrite)."""
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def html_url(from_page: str, to_page: str) -> str:
    """Relative URL between the built HTML of two docs pages (for raw HTML and SVG, which mkdocs leaves alone).

    The site uses ``use_directory_urls: false``: ``methods/mae.md`` is served as ``methods/mae.html``.
    """
    target = re.sub(r"\.md$", ".html", to_page)
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def link(from_page: str, to_page: str, label: Any) -> Raw:
    return Raw(f"[{text(label)}]({relative(from_page, to_page)})")


def comment(value: str) -> str:
    """Text safe inside an HTML comment."""
    return value.replace("--", "- -").replace(">", "&gt;")


def code(value: Any) -> Raw:
    """Inline code from record text (``<code>`` with escaped content, unlike a backtick span)."""
    return Raw(f"<code>{text(value)}</code>")


def quoted(value: Any) -> Raw:
    """Escaped text for a double-quoted admonition title."""
    return Raw(text(value).replace('"', "&quot;"))
