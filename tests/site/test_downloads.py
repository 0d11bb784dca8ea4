"""Downloads: JSON, CSV and BibTeX of the whole KB, matching the read model; CSV cells never formulas."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ssl_kb.readmodel import ReadModel
from ssl_kb.site.downloads import FORMULA_TRIGGERS, RECORD_COLUMNS, files, neutralise
from ssl_kb.store import memory_engine


@pytest.fixture(scope="module")
def model(fixture_store) -> ReadModel:
    engine, graph = fixture_store
    return ReadModel.read(engine, graph)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_trigger_is_neutralised(trigger: str) -> None:
    assert neutralise(trigger + "x") == "'" + trigger + "x"


def test_other_cells_are_kept() -> None:
    assert (
        neutralise("a=b") == "a=b"
        and neutralise("") == ""
        and neutralise(-1) == -1
        and neutralise(None) is None
    )


def test_the_files_and_their_rows(model: ReadModel) -> None:
    out = files(model)
    assert sorted(out) == [
        "downloads/lecture-claims.csv",
        "downloads/lineage.csv",
        "downloads/records.csv",
        "downloads/results.csv",
        "downloads/ssl-kb.bib",
        "downloads/ssl-kb.json",
    ]
    records = rows(out["downloads/records.csv"])
    assert list(records[0]) == RECORD_COLUMNS
    assert [r["id"] for r in records] == sorted(model.records)
    assert {r["id"]: r["source"] for r in records} == model.sources
    results = rows(out["downloads/results.csv"])
    assert [(r["record_id"], float(r["value"])) for r in results] == [
        (r.record_id, r.value) for r in sorted(model.results, key=lambda r: (r.record_id, r.position))
    ]
    edges = rows(out["downloads/lineage.csv"])
    assert [(e["child_id"], e["parent_id"]) for e in edges] == [
        (e.child_id, e.parent_id) for e in model.edges
    ]
    claims = rows(out["downloads/lecture-claims.csv"])
    assert [(c["record_id"], c["verdict"]) for c in claims] == [
        (c.record_id, c.verdict) for c in model.claims
    ]


def test_json_holds_every_record_as_dumped(model: ReadModel) -> None:
    data = json.loads(files(model)["downloads/ssl-kb.json"])
    assert data["records"] == [model.records[rid].model_dump(mode="json") for rid in sorted(model.records)]


def test_bibtex_has_one_entry_per_paper_with_its_unique_key(model: ReadModel) -> None:
    bib = files(model)["downloads/ssl-kb.bib"]
    keys = [line.split("{", 1)[1].rstrip(",") for line in bib.splitlines() if line.startswith("@")]
    assert keys == [model.cite_keys[rid] for rid in sorted(model.papers)]


def test_record_text_that_looks_like_a_formula_is_text_in_the_csv(model: ReadModel) -> None:
    mae = model.records["mae"].model_copy(update={"summary": '=HYPERLINK("http://x")', "name": "+MAE"})
    others = [r for rid, r in model.records.items() if rid != "mae"]
    hostile = ReadModel.read(memory_engine([*others, mae]))
    (row,) = [r for r in rows(files(hostile)["downloads/records.csv"]) if r["id"] == "mae"]
    assert row["summary"] == '\'=HYPERLINK("http://x")' and row["name"] == "'+MAE"
    # the JSON keeps the original text
    data = json.loads(files(hostile)["downloads/ssl-kb.json"])
    assert [r["summary"] for r in data["records"] if r["id"] == "mae"] == ['=HYPERLINK("http://x")']


def test_files_are_deterministic(model: ReadModel, fixture_store) -> None:
    engine, graph = fixture_store
    assert files(ReadModel.read(engine, graph)) == files(model)
