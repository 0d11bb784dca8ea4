"""Citation: BibTeX entries for the papers of records."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_LATEX = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}"}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _escape(text: str) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in text)


def cite_key(record_id: str, paper: dict[str, Any]) -> str:
    """``lastnameYEARfirstword``, e.g. ``he2021masked``; stable for the same facts."""
    last = _ascii(paper["authors"][0].split()[-1]).lower() if paper.get("authors") else record_id
    words = [
        w
        for w in re.findall(r"[a-z0-9]+", _ascii(paper["title"]).lower())
        if w not in {"a", "an", "the", "on", "of"}
    ]
    key = f"{re.sub(r'[^a-z]', '', last)}{paper['year']}{words[0] if words else record_id}"
    return key


def bibtex(record_id: str, paper: dict[str, Any]) -> str:
    """One BibTeX entry: ``@inproceedings`` for venue papers, ``@misc`` (arXiv) otherwise."""
    fields: list[tuple[str, str]] = [
        ("title", "{" + _escape(paper["title"]) + "}"),
        ("author", " and ".join(_escape(a) for a in paper["authors"])),
    ]
    if paper.get("venue"):
        kind = "inproceedings"
        fields.append(("booktitle", _escape(paper["venue"])))
        fields.append(("year", str(paper.get("venue_year") or paper["year"])))
    else:
        kind = "misc"
        fields.append(("year", str(paper["year"])))
    if paper.get("arxiv"):
        fields += [("eprint", paper["arxiv"]), ("archivePrefix", "arXiv")]
    if paper.get("doi"):
        fields.append(("doi", paper["doi"]))
    url = paper.get("url") or (f"https://arxiv.org/abs/{paper['arxiv']}" if paper.get("arxiv") else None)
    if url:
        fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{cite_key(record_id, paper)},\n{body}\n}}\n"
