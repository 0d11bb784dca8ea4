"""Citation: BibTeX entries for the papers of records.

Every value is written so that it cannot end its field or its entry, whatever the record holds:

- text fields (title, author, booktitle) are LaTeX-escaped with replacements whose braces balance
  (``{`` becomes ``\\textbraceleft{}``): BibTeX counts braces even after a backslash, so ``\\}`` would
  still close the field;
- identifier fields (doi, url, eprint) are kept verbatim except ``{``, ``}`` and ``\\``, which are
  percent-encoded (``%7B``, ``%7D``, ``%5C``), as they would be in the resolver's URL;
- whitespace (newlines included) is collapsed to single spaces, and a whole-word ``and`` inside one
  author's name is braced so that it does not split the name into two authors.

Cite keys (``he2021masked``) are unique across the KB: papers whose keys clash all get their record
id appended (``brown2020language:gpt-3``), so a key depends only on the records, never on file order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol

_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
}
_VERBATIM = {"{": "%7B", "}": "%7D", "\\": "%5C"}
_AND = re.compile(r"\band\b", re.IGNORECASE)


class Citable(Protocol):
    """What a BibTeX entry is made of: a record's paper (:class:`ssl_kb.schema.Paper` or
    :class:`ssl_kb.queries.PaperView`)."""

    @property
    def title(self) -> str: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def year(self) -> int: ...
    @property
    def venue(self) -> str | None: ...
    @property
    def venue_year(self) -> int | None: ...
    @property
    def arxiv(self) -> str | None: ...
    @property
    def doi(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def _escape(text: str) -> str:
    """LaTeX-escape a text field; braces in the result always balance."""
    return "".join(_LATEX.get(ch, ch) for ch in _flat(text))


def _verbatim(text: str) -> str:
    """An identifier (doi, url, arXiv id) with the characters that BibTeX's grammar uses percent-encoded."""
    return "".join(_VERBATIM.get(ch, ch) for ch in _flat(text))


def _author(name: str) -> str:
    return _AND.sub(lambda m: "{" + m[0] + "}", _escape(name))


def cite_key(record_id: str, paper: Citable) -> str:
    """The base key ``lastnameYEARfirstword``, e.g. ``he2021masked``; may clash (see :func:`cite_keys`)."""
    last = _ascii(paper.authors[0].split()[-1]).lower() if paper.authors else record_id
    words = [
        w
        for w in re.findall(r"[a-z0-9]+", _ascii(paper.title).lower())
        if w not in {"a", "an", "the", "on", "of"}
    ]
    return f"{re.sub(r'[^a-z]', '', last)}{paper.year}{words[0] if words else record_id}"


def cite_keys(papers: Mapping[str, Citable]) -> dict[str, str]:
    """Record id -> its unique cite key. Base keys (``[a-z0-9-]``) that clash get ``:record-id``
    appended for every paper in the clash; record ids are unique, so the results are too.

    >>> from ssl_kb.schema import Paper
    >>> p = Paper(authors=["Tom Brown"], title="Language models", year=2020, arxiv="2005.14165", source="v1")
    >>> cite_keys({"gpt-3": p, "gpt-x": p, "bert": p.model_copy(update={"year": 2018})})
    {'gpt-3': 'brown2020language:gpt-3', 'gpt-x': 'brown2020language:gpt-x', 'bert': 'brown2018language'}
    """
    base = {rid: cite_key(rid, paper) for rid, paper in papers.items()}
    counts = Counter(base.values())
    return {rid: key if counts[key] == 1 else f"{key}:{rid}" for rid, key in base.items()}


def bibtex(record_id: str, paper: Citable, key: str | None = None) -> str:
    """One BibTeX entry: ``@inproceedings`` for venue papers, ``@misc`` (arXiv) otherwise.

    ``key`` is the entry's cite key from :func:`cite_keys` (default: the base key, unique only
    when the paper is cited alone).
    """
    fields: list[tuple[str, str]] = [
        ("title", "{" + _escape(paper.title) + "}"),
        ("author", " and ".join(_author(a) for a in paper.authors)),
    ]
    if paper.venue:
        kind = "inproceedings"
        fields.append(("booktitle", _escape(paper.venue)))
        fields.append(("year", str(int(paper.venue_year or paper.year))))
    else:
        kind = "misc"
        fields.append(("year", str(int(paper.year))))
    if paper.arxiv:
        fields += [("eprint", _verbatim(paper.arxiv)), ("archivePrefix", "arXiv")]
    if paper.doi:
        fields.append(("doi", _verbatim(paper.doi)))
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else None)
    if url:
        fields.append(("url", _verbatim(url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key or cite_key(record_id, paper)},\n{body}\n}}\n"
