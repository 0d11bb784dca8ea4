"""Quiz: the per-topic interactive quiz pages, fed by the quiz bank (``ssl_kb.quiz.bank``).

The bank is optional: while it is not importable, :func:`collect` returns None and the site has
no quiz pages. Questions are embedded in the page as JSON inside ``<script type="application/json">``
(``<``, ``>`` and ``&`` escaped as ``\\u003c`` etc., so record text cannot close the element), and the
page script (``assets/ssl-kb/quiz.js``) renders them with DOM text nodes only: nothing from a
record is ever parsed as HTML.
"""

from __future__ import annotations

import importlib
import inspect
import json
from types import ModuleType
from typing import Any

import networkx as nx
from sqlalchemy.engine import Engine

from .. import queries

BANK_MODULE = "ssl_kb.quiz.bank"


def bank() -> ModuleType | None:
    """The quiz bank module, or None while it does not exist in this checkout."""
    try:
        return importlib.import_module(BANK_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name in {"ssl_kb.quiz", BANK_MODULE}:
            return None
        raise


def collect(engine: Engine, graph: nx.DiGraph) -> dict[str, list[dict[str, Any]]] | None:
    """Topic id -> question dicts (``Question.to_dict()``), or None without a quiz bank."""
    module = bank()
    if module is None:
        return None
    extra: dict[str, Any] = {}
    if "facts" in inspect.signature(module.topic_bank).parameters:  # read the store once, not per topic
        from ssl_kb.quiz.facts import Facts

        extra["facts"] = Facts.from_store(engine, graph)
    out: dict[str, list[dict[str, Any]]] = {}
    for topic in queries.topics_in_order(engine):
        questions = [q.to_dict() for q in module.topic_bank(engine, graph, topic["id"], **extra)]
        if questions:
            out[topic["id"]] = questions
    return out


def bank_files(engine: Engine, graph: nx.DiGraph) -> dict[str, str] | None:
    """The committed ``quizzes/`` folder, or None without a quiz bank."""
    module = bank()
    return None if module is None else dict(module.bank_files(engine, graph))


def embed(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (and stable: sorted keys)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text


def payload(questions: list[dict[str, Any]], urls: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
    """What the quiz page embeds: the questions, and page URLs and names of the records they cite."""
    cited = sorted(
        {p["record"] for q in questions for p in q.get("provenance", []) if p.get("record") in urls}
    )
    keep = ("id", "kind", "prompt", "options", "answer", "explanation", "topics", "difficulty", "provenance")
    return {
        "questions": [{k: q.get(k) for k in keep} for q in questions],
        "records": {rid: {"url": urls[rid], "name": names.get(rid, rid)} for rid in cited},
    }
