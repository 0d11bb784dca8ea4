"""Downloads: the whole KB as JSON, CSV and one BibTeX file (the SQLite store is added by the build)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy.engine import Engine

from .. import queries
from ..citation import bibtex
from .catalog import Catalog


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
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
    bib = "\n".join(bibtex(rid, paper) for rid, paper in sorted(queries.papers(engine).items()))
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
