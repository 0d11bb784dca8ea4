r"""Loss docstrings as Markdown, with the formulas typeset as MathML (no JavaScript, no network).

The reference losses are documented in the Sphinx/Google style (``:math:`...```, ``.. math::``,
``Args:`` / ``Returns:`` / ``Raises:`` sections, doctests). :func:`to_markdown` turns one docstring
into Markdown for the record pages: prose with inline formulas, display formulas, the sections as
lists and the doctests as a console block. Formulas are converted with ``latex2mathml`` into MathML,
which browsers render natively; a formula it cannot convert stays visible as code. Everything that is
not a formula or a recognised construct goes through :func:`ssl_kb.site.markdown.text`, so a
docstring cannot inject markup.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

from latex2mathml.converter import convert

from .markdown import Raw, code, code_block, text

__all__ = ["math", "to_markdown"]

_SECTIONS = {
    "Args": "Arguments",
    "Arguments": "Arguments",
    "Parameters": "Arguments",
    "Returns": "Returns",
    "Raises": "Raises",
    "Yields": "Yields",
    "Note": "Note",
    "Notes": "Note",
    "Example": "Example",
    "Examples": "Example",
}
_SECTION = re.compile(r"^([A-Z][a-z]+):\s*$")
# ``code``, :role:`target`, *emphasis* (one line, no nested markup)
_INLINE = re.compile(r"``(?P<code>.+?)``|:(?P<role>[a-z]+):`(?P<target>[^`]+)`|\*(?P<em>[^*\s][^*]*?)\*")
_ENTRY = re.compile(
    r"^(?P<name>\*{0,2}[A-Za-z_][\w.]*(?:, [A-Za-z_][\w.]*)*)(?:\s*\((?P<type>[^)]*)\))?:\s*(?P<text>.*)$"
)


def math(latex: str, *, display: bool = False) -> Raw:
    """MathML for one LaTeX formula; inline code if it cannot be converted.

    >>> str(math("x_i")).startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    True
    >>> "msub" in math("x_i")
    True
    """
    source = " ".join(latex.split())
    try:
        out = convert(source.replace(r"\_", "_"), display="block" if display else "inline")
    except Exception:  # a formula the converter does not know: show its source instead
        return code(source)
    if "<merror" in out:
        return code(source)
    # one line, and no character that Markdown would act on inside the inline HTML
    return Raw(out.replace("\n", "").replace("*", "&#42;").replace("_", "&#95;"))


def inline(value: str) -> Raw:
    """One paragraph of docstring prose: code, roles, emphasis and ``:math:`` converted, the rest escaped.

    >>> str(inline("the ``mean`` over :math:`B` rows, *not* the sum"))[:40]
    'the <code>mean</code> over <math xmlns="'
    >>> "<em>not</em>" in inline("*not* <b>")
    True
    """
    flat = " ".join(value.split())
    out: list[str] = []
    pos = 0
    for match in _INLINE.finditer(flat):
        out.append(_plain(flat[pos : match.start()]))
        if match["code"] is not None:
            out.append(code(match["code"]))
        elif match["role"] == "math":
            out.append(math(match["target"]))
        elif match["role"] is not None:  # :func:`~a.b.c` shows c, :mod:`a.b` shows a.b
            target = match["target"]
            out.append(code(target.rsplit(".", 1)[-1] if target.startswith("~") else target))
        else:
            out.append(f"<em>{text(match['em'])}</em>")
        pos = match.end()
    out.append(_plain(flat[pos:]))
    return Raw("".join(out))


def _plain(value: str) -> str:
    """Escaped prose that keeps the single spaces at its ends (text() trims them)."""
    if not value.strip():
        return value
    return f"{' ' if value[0] == ' ' else ''}{text(value)}{' ' if value[-1] == ' ' else ''}"


def _blocks(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(kind, lines) for the top-level blocks: ``math``, ``doctest``, ``section:<Title>``, ``list``,
    ``para``. A block ends at a blank line, except a section or a math directive, which run on
    while their lines stay indented."""
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        header = _SECTION.match(line)
        if line.strip() == ".. math::" or (header and header[1] in _SECTIONS):
            body: list[str] = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                body.append(lines[i])
                i += 1
            kind = "math" if header is None else f"section:{_SECTIONS[header[1]]}"
            yield kind, _dedent(body)
            continue
        kind = "doctest" if line.startswith(">>>") else "list" if line.startswith("- ") else "para"
        body = []
        while i < len(lines) and lines[i].strip():
            if body and kind != "doctest" and (_SECTION.match(lines[i]) or lines[i].startswith(">>>")):
                break
            body.append(lines[i])
            i += 1
        yield kind, body


def _dedent(lines: list[str]) -> list[str]:
    """The block's lines without their common indentation and without blank lines at either end."""
    return textwrap.dedent("\n".join(lines)).strip("\n").splitlines()


def _entries(lines: list[str]) -> list[tuple[str, str]] | None:
    """``name: text`` entries with indented continuations, or None if the lines are not such a list."""
    entries: list[tuple[str, str]] = []
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            match = _ENTRY.match(line)
            if match is None:
                return None
            entries.append((match["name"], match["text"]))
        elif entries:
            entries[-1] = (entries[-1][0], f"{entries[-1][1]} {line.strip()}")
        else:
            return None
    return entries


def _list(lines: list[str]) -> str:
    items: list[str] = []
    for line in lines:
        if line.startswith("- "):
            items.append(line[2:])
        elif items:
            items[-1] += " " + line.strip()
    return "\n".join(f"- {inline(item)}" for item in items)


def _section(title: str, lines: list[str]) -> str:
    head = f"**{title}**"
    if title == "Example" or (lines and lines[0].startswith(">>>")):
        return f"{head}\n\n{code_block(chr(10).join(lines), 'pycon')}"
    entries = _entries(lines) if title in ("Arguments", "Raises") else None
    if entries:
        return head + "\n\n" + "\n".join(f"- {code(name)}: {inline(body)}" for name, body in entries)
    return head + "\n\n" + "\n\n".join(_render(lines))


def _render(lines: list[str]) -> Iterator[str]:
    for kind, body in _blocks(lines):
        if kind == "math":
            yield math(" ".join(body), display=True)
        elif kind == "doctest":
            yield code_block("\n".join(body), "pycon")
        elif kind == "list":
            yield _list(body)
        elif kind.startswith("section:"):
            yield _section(kind.split(":", 1)[1], body)
        else:
            yield inline(" ".join(body))


def wrap_signature(signature: str, width: int = 88) -> str:
    """One parameter per line when the signature is wider than ``width`` (as a formatter would).

    >>> print(wrap_signature("def f(a: int, b: dict[str, int] = {}, *, c=(1, 2)) -> int", width=20))
    def f(
        a: int,
        b: dict[str, int] = {},
        *,
        c=(1, 2),
    ) -> int
    """
    open_at = signature.find("(")
    close_at = signature.rfind(")")
    if len(signature) <= width or open_at < 0 or close_at < open_at:
        return signature
    params, depth, start = [], 0, open_at + 1
    for i in range(open_at + 1, close_at):
        ch = signature[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            params.append(signature[start:i].strip())
            start = i + 1
    params.append(signature[start:close_at].strip())
    body = "".join(f"    {p},\n" for p in params if p)
    return f"{signature[: open_at + 1]}\n{body}{signature[close_at:]}"


def to_markdown(signature: str, docstring: str) -> Raw:
    """The signature as a Python block, then the docstring as Markdown with MathML formulas.

    >>> md = to_markdown("def f(x)", "Square.\\n\\n.. math::\\n\\n    y = x^2\\n\\nArgs:\\n    x: input.")
    >>> md.splitlines()[:4]
    ['```python', 'def f(x)', '```', '']
    >>> '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in md
    True
    >>> "- <code>x</code>: input." in md
    True
    """
    parts = [code_block(wrap_signature(signature), "python"), *_render(docstring.expandtabs().splitlines())]
    return Raw("\n\n".join(p for p in parts if p.strip()))
