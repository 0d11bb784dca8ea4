"""Downloads: the whole KB as JSON, CSV and one BibTeX file (the SQLite store is added by the build).

CSV cells are neutralised against spreadsheet formula injection (OWASP "CSV injection"): a text
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a single quote gets
one single quote in front, which spreadsheets show as text and which the downloads page documents.
To read the original value, drop one leading ``'`` from a text cell. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..citation import bibtex
from ..queries import ClaimView, RecordView, ResultView
from ..readmodel import ReadModel

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula: text starting with a trigger gets a ``'``.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-0.5"), neutralise(-0.5), neutralise("'x"), neutralise("a")
    ("'=HYPERLINK(1)", "'-0.5", -0.5, "''x", 'a')
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv(columns: list[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return out.getvalue()


RECORD_COLUMNS = [
    "id",
    "kind",
    "name",
    "full_name",
    "year",
    "family",
    "pretext_task",
    "architecture",
    "backbone",
    "modalities",
    "summary",
    "source",
]
RESULT_COLUMNS = [
    "record_id",
    "dataset_id",
    "split",
    "task",
    "metric_id",
    "value",
    "unit",
    "protocol",
    "shots",
    "variant",
    "setting",
    "source",
    "note",
]
EDGE_COLUMNS = ["child_id", "parent_id", "type", "reason"]
CLAIM_COLUMNS = ["record_id", "slide", "claim", "verdict", "correction", "field", "source", "note"]


def _record_cells(model: ReadModel, r: RecordView) -> list[object]:
    return [
        r.id,
        r.kind,
        r.name,
        r.full_name,
        r.year,
        r.family,
        r.pretext_task,
        r.architecture,
        r.backbone,
        ";".join(r.modalities),
        r.summary,
        model.sources[r.id],
    ]


def _result_cells(r: ResultView) -> list[object]:
    return [
        r.record_id,
        r.dataset_id,
        r.split,
        r.task,
        r.metric_id,
        r.value,
        r.unit,
        r.protocol,
        r.shots,
        r.variant,
        r.setting,
        r.source,
        r.note,
    ]


def _claim_cells(c: ClaimView) -> list[object]:
    return [c.record_id, c.slide, c.claim, c.verdict, c.correction, c.field, c.source, c.note]


def files(model: ReadModel) -> dict[str, str]:
    """``downloads/...`` files, deterministic (sorted, no timestamps)."""
    records = [
        model.records[rid].model_dump(mode="json", exclude_defaults=False) for rid in sorted(model.records)
    ]
    results = sorted(model.results, key=lambda r: (r.record_id, r.position))
    bib = "\n".join(bibtex(rid, paper, model.cite_keys[rid]) for rid, paper in sorted(model.papers.items()))
    return {
        "downloads/ssl-kb.json": json.dumps(
            {"records": records}, indent=1, sort_keys=True, ensure_ascii=False
        )
        + "\n",
        "downloads/records.csv": _csv(RECORD_COLUMNS, (_record_cells(model, r) for r in model.rows.values())),
        "downloads/results.csv": _csv(RESULT_COLUMNS, (_result_cells(r) for r in results)),
        "downloads/lineage.csv": _csv(
            EDGE_COLUMNS, ([e.child_id, e.parent_id, e.type, e.reason] for e in model.edges)
        ),
        "downloads/lecture-claims.csv": _csv(CLAIM_COLUMNS, (_claim_cells(c) for c in model.claims)),
        "downloads/ssl-kb.bib": bib,
    }
