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
from typing import Any

from sqlalchemy.engine import Engine

from .. import queries
from ..citation import bibtex, cite_keys
from .catalog import Catalog

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula: text starting with a trigger gets a ``'``.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-0.5"), neutralise(-0.5), neutralise("'x"), neutralise("a")
    ("'=HYPERLINK(1)", "'-0.5", -0.5, "''x", 'a')
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralise(row[c]) for c in columns])
    return out.getvalue()


def files(engine: Engine, cat: Catalog) -> dict[str, str]:
    """``downloads/...`` files, deterministic (sorted, no timestamps)."""
    records = [
        cat.records[rid].model_dump(mode="json", exclude_defaults=False) for rid in sorted(cat.records)
    ]
    rows = queries.record_rows(engine)
    for row in rows:
        row["modalities"] = ";".join(row.get("modalities") or [])
        row["source"] = cat.sources[row["id"]]
    record_columns = [
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
    result_columns = [
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
    results = sorted(queries.results(engine), key=lambda r: (r["record_id"], r["position"]))
    claim_columns = ["record_id", "slide", "claim", "verdict", "correction", "field", "source", "note"]
    papers = queries.papers(engine)
    keys = cite_keys(papers)
    bib = "\n".join(bibtex(rid, paper, keys[rid]) for rid, paper in sorted(papers.items()))
    return {
        "downloads/ssl-kb.json": json.dumps(
            {"records": records}, indent=1, sort_keys=True, ensure_ascii=False
        )
        + "\n",
        "downloads/records.csv": _csv(record_columns, rows),
        "downloads/results.csv": _csv(result_columns, results),
        "downloads/lineage.csv": _csv(
            ["child_id", "parent_id", "type", "reason"], queries.lineage_edges(engine)
        ),
        "downloads/lecture-claims.csv": _csv(claim_columns, queries.lecture_claims(engine)),
        "downloads/ssl-kb.bib": bib,
    }
