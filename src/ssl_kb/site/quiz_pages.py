"""Quiz pages: one interactive quiz page per topic, fed by the quiz bank (``ssl_kb.quiz.bank``).

Questions are embedded in the page as JSON inside ``<script type="application/json">``
(``<``, ``>`` and ``&`` escaped as ``\\u003c`` etc., so record text cannot close the element), and the
page script (``assets/ssl-kb/quiz.js``) renders them with DOM text nodes only: nothing from a
record is ever parsed as HTML.
"""

from __future__ import annotations

import json
from typing import Any

from ..quiz.bank import deck, generate
from ..readmodel import Questions, ReadModel


def collect(model: ReadModel) -> Questions:
    """Topic id -> question dicts (``Question.to_dict()``) of the default (understanding) deck,
    topics in lecture order, empty ones left out."""
    questions = generate(model)
    out: Questions = {}
    for topic in model.topic_order:
        items = [q.to_dict() for q in deck(questions, topic=topic)]
        if items:
            out[topic] = items
    return out


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
    keep = (
        "id",
        "kind",
        "level",
        "prompt",
        "options",
        "answer",
        "explanation",
        "topics",
        "difficulty",
        "provenance",
    )
    return {
        "questions": [{k: q.get(k) for k in keep} for q in questions],
        "records": {rid: {"url": urls[rid], "name": names.get(rid, rid)} for rid in cited},
    }
