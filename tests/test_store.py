"""Store: records -> SQL -> records without loss, atomic rebuilds, views, read-only SQL, queries.

Every test taking ``store_url`` runs on SQLite and, with SSL_KB_TEST_PG_URL set, on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text

from ssl_kb import queries, store
from ssl_kb.kb import load
from ssl_kb.sandbox import QueryRefused
from ssl_kb.store import (
    engine_for,
    memory_engine,
    read_only_query,
    records_from_store,
    resolve_url,
    write_store,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fixture_records(fixture_kb: Path) -> dict:
    kb = load(fixture_kb)
    assert kb.diagnostics == []
    return kb.records


@pytest.fixture
def engine(store_url: str, fixture_records: dict):
    write_store(fixture_records.values(), store_url)
    engine = engine_for(store_url)
    yield engine
    engine.dispose()


def dump(records: dict) -> dict:
    return {rid: r.model_dump(mode="python") for rid, r in records.items()}


def test_round_trip_fixture_kb(store_url: str, fixture_records: dict) -> None:
    assert write_store(fixture_records.values(), store_url, {"mae": "kb/methods/mae.yaml"}) == 21
    engine = engine_for(store_url)
    try:
        back = records_from_store(engine)
        assert dump(back) == dump(fixture_records)
        assert back == fixture_records
        assert records_from_store(engine, ["mae", "nope"]) == {"mae": fixture_records["mae"]}
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT path FROM record WHERE id = 'mae'")).scalar()
                == "kb/methods/mae.yaml"
            )
    finally:
        engine.dispose()


def test_round_trip_real_kb(store_url: str, real_kb: Path) -> None:
    records = load(real_kb).records
    assert records
    write_store(records.values(), store_url)
    engine = engine_for(store_url)
    try:
        assert dump(records_from_store(engine)) == dump(records)
    finally:
        engine.dispose()


def test_round_trip_keeps_value_types(store_url: str, fixture_records: dict) -> None:
    mae = fixture_records["mae"]
    hypers = [
        h.model_copy(update={"value": v})
        for h, v in zip([mae.hyperparameters[0]] * 4, [True, 3, 0.5, "cosine"], strict=True)
    ]
    hypers = [h.model_copy(update={"name": f"h{i}"}) for i, h in enumerate(hypers)]
    changed = mae.model_copy(update={"hyperparameters": hypers})
    write_store([changed, *(r for r in fixture_records.values() if r.id != "mae")], store_url)
    engine = engine_for(store_url)
    try:
        values = [h.value for h in records_from_store(engine, ["mae"])["mae"].hyperparameters]
        queried = [h.value for h in queries.hyperparameters(engine) if h.record_id == "mae"]
    finally:
        engine.dispose()
    assert values == [True, 3, 0.5, "cosine"] and [type(v) for v in values] == [bool, int, float, str]
    assert queried == values and [type(v) for v in queried] == [bool, int, float, str]  # not '"cosine"'


def test_memory_engine_round_trip(fixture_records: dict) -> None:
    assert records_from_store(memory_engine(fixture_records.values())) == fixture_records


def test_the_fixture_round_trip_covers_design_ablations_vocabularies_and_misreadings(
    fixture_records: dict,
) -> None:
    """What test_round_trip_fixture_kb compares is not vacuous: the fixture has each new part."""
    mae, transformer = fixture_records["mae"], fixture_records["transformer"]
    assert mae.design.corruption.ratio == 0.75 and mae.design.corruption.misconceptions
    assert mae.design.transfer.value == ["fine-tune", "linear-probe"]  # several values, in order
    assert transformer.design.transfer.value is None and transformer.design.transfer.note  # unknown
    assert [a.id for a in mae.ablations] == ["decoder-depth"]
    assert fixture_records["beit"].lecture_claims[0].misreadings
    assert sum(r.kind == "vocabulary" for r in fixture_records.values()) == 10


def test_design_rows(fixture_records: dict) -> None:
    rows = store.rows_from_records(fixture_records.values())
    methods = [r for r in fixture_records.values() if r.kind == "method"]
    assert len(rows["design_facet"]) == 10 * len(methods)
    unknown = [(f["record_id"], f["facet"]) for f in rows["design_facet"] if not f["known"]]
    assert unknown == [("transformer", "transfer")]
    transfer = [(v["position"], v["value"]) for v in rows["design_value"] if v["record_id"] == "mae"][-2:]
    assert transfer == [(0, "fine-tune"), (1, "linear-probe")]
    (ablation,) = rows["ablation"]
    assert (ablation["record_id"], ablation["ablation_id"], ablation["dataset_id"]) == (
        "mae",
        "decoder-depth",
        "imagenet-1k",
    )
    assert [(p["setting"], p["x"], p["value"]) for p in rows["ablation_point"]] == [
        ("1 block", 1, 84.8),
        ("8 blocks", 8, 84.9),
        ("12 blocks", 12, 84.4),
    ]
    values = sum(len(r.values) for r in fixture_records.values() if r.kind == "vocabulary")
    assert len(rows["vocabulary_value"]) == values
    beit = next(c for c in rows["lecture_claim"] if c["record_id"] == "beit")
    assert beit["misreadings"] == list(fixture_records["beit"].lecture_claims[0].misreadings)


def test_round_trip_keeps_every_shape_of_design_and_ablation(store_url: str, fixture_records: dict) -> None:
    """Orders (facets, values, ablations, points), nulls, defaults changed, x left out, notes."""
    from ssl_kb.design import Ablation

    mae = fixture_records["mae"]
    design = mae.design.model_copy(
        update={
            "objective": mae.design.objective.model_copy(
                update={"value": ["masked-reconstruction", "contrastive"], "note": "two objectives"}
            ),
            "frozen": mae.design.frozen.model_copy(update={"value": None, "source": None, "note": "unknown"}),
        }
    )
    second = Ablation.model_validate(
        {
            "id": "mask-sampling",
            "factor": "mask sampling",
            "facet": "corruption",
            "dataset": "imagenet-1k",
            "metric": "top-1-accuracy",
            "protocol": "linear",
            "variant": "ViT-L/16",
            "unit": "points",
            "higher_is_better": False,
            "points": [{"setting": "random", "value": 1.5}, {"setting": "block", "value": 0.5}],
            "chosen": "random",
            "source": "Table 1f",
            "note": "a made-up ablation with every optional field changed",
        }
    )
    changed = mae.model_copy(update={"design": design, "ablations": [second, *mae.ablations]})
    records = {**fixture_records, "mae": changed}
    write_store(records.values(), store_url)
    engine = engine_for(store_url)
    try:
        back = records_from_store(engine)
    finally:
        engine.dispose()
    assert back["mae"] == changed
    assert [a.id for a in back["mae"].ablations] == ["mask-sampling", "decoder-depth"]
    assert back["mae"].design.objective.value == ["masked-reconstruction", "contrastive"]
    assert back["mae"].ablations[0].points[0].x is None and back["mae"].ablations[0].higher_is_better is False
    assert dump(back) == dump(records)


def test_authors_are_shared_rows(fixture_records: dict) -> None:
    rows = store.rows_from_records(fixture_records.values())
    names = [a["name"] for a in rows["author"]]
    assert len(names) == len(set(names))
    assert "Jakob Uszkoreit" in names  # author of both the Transformer and ViT: one row
    assert {m["key"]: m["value"] for m in rows["store_meta"]} == {
        "schema_version": str(store.SCHEMA_VERSION),
        "records": "21",
    }


# ---------------------------------------------------------------------------- atomic rebuild


def fail_midway(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every engine the store creates fail while inserting lineage edges (after other tables)."""
    real = store.create_engine

    def failing(*args, **kwargs):
        engine = real(*args, **kwargs)

        @event.listens_for(engine, "before_cursor_execute")
        def boom(conn, cursor, statement, *rest):
            if statement.lstrip().upper().startswith("INSERT INTO LINEAGE_EDGE"):
                raise RuntimeError("disk full")

        return engine

    monkeypatch.setattr(store, "create_engine", failing)


def test_failed_sqlite_rebuild_leaves_previous_file_byte_identical(
    tmp_path: Path, fixture_records: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "build" / "ssl-kb.sqlite"
    url = f"sqlite:///{path}"
    write_store(fixture_records.values(), url)
    before = path.read_bytes()
    fewer = [r for r in fixture_records.values() if r.id != "mae"]
    fail_midway(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        write_store(fewer, url)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["ssl-kb.sqlite"]  # no temporary file left
    monkeypatch.undo()
    write_store(fewer, url)  # and a later rebuild works
    engine = engine_for(url)
    try:
        assert "mae" not in records_from_store(engine)
    finally:
        engine.dispose()


def test_failed_sqlite_first_build_leaves_nothing(
    tmp_path: Path, fixture_records: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_midway(monkeypatch)
    with pytest.raises(RuntimeError):
        write_store(fixture_records.values(), f"sqlite:///{tmp_path / 'new.sqlite'}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_failed_postgres_rebuild_keeps_previous_data(
    pg_url: str, fixture_records: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_store(fixture_records.values(), pg_url)
    fail_midway(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        write_store([r for r in fixture_records.values() if r.id != "mae"], pg_url)
    monkeypatch.undo()
    engine = engine_for(pg_url)
    try:
        assert records_from_store(engine) == fixture_records
        assert read_only_query(engine, "SELECT name FROM method WHERE id = 'mae'")[1] == [("MAE",)]
    finally:
        engine.dispose()


def test_rebuild_replaces_old_data(store_url: str, fixture_records: dict) -> None:
    write_store(fixture_records.values(), store_url)
    write_store([fixture_records["vit"], fixture_records["transformer"]], store_url)
    engine = engine_for(store_url)
    try:
        assert sorted(records_from_store(engine)) == ["transformer", "vit"]
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- views and read-only SQL


def test_views_per_kind(engine) -> None:
    columns, rows = read_only_query(engine, "SELECT name, year FROM method ORDER BY year, name")
    assert columns == ["name", "year"]
    assert rows == [
        ("Transformer", 2017),
        ("BERT", 2018),
        ("SimCLR", 2020),
        ("ViT", 2020),
        ("BEiT", 2021),
        ("MAE", 2021),
    ]
    for kind, n in (("concept", 1), ("topic", 2), ("dataset", 1), ("metric", 1), ("vocabulary", 10)):
        assert read_only_query(engine, f"SELECT COUNT(*) FROM {kind}")[1] == [(n,)]


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM record",
        "UPDATE record SET name = 'x'",
        "INSERT INTO store_meta (key, value) VALUES ('a', 'b')",
        "DROP TABLE lineage_edge",
        "CREATE TABLE evil (a INTEGER)",
    ],
)
def test_writes_are_refused_on_a_read_only_connection(
    store_url: str, fixture_records: dict, statement: str
) -> None:
    write_store(fixture_records.values(), store_url)
    ro = engine_for(store_url, read_only=True)
    try:
        with pytest.raises(QueryRefused):
            read_only_query(ro, statement)
        assert read_only_query(ro, "SELECT COUNT(*) FROM record")[1] == [(21,)]
    finally:
        ro.dispose()
    rw = engine_for(store_url)
    try:
        assert records_from_store(rw) == fixture_records
    finally:
        rw.dispose()


def test_read_only_sqlite_needs_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ssl-kb db"):
        engine_for(f"sqlite:///{tmp_path / 'none.sqlite'}", read_only=True)
    assert not (tmp_path / "none.sqlite").exists()


def test_read_only_query_limits_rows(engine) -> None:
    assert len(read_only_query(engine, "SELECT id FROM record", limit=3)[1]) == 3


def test_resolve_url() -> None:
    assert resolve_url(None, "sqlite:///default.sqlite") == "sqlite:///default.sqlite"
    assert resolve_url("sqlite:///flag.sqlite", "sqlite:///default.sqlite") == "sqlite:///flag.sqlite"


# ---------------------------------------------------------------------------- queries


def test_topic_queries(engine) -> None:
    assert [t.id for t in queries.topics_in_order(engine)] == ["masked-predictions", "contrastive"]
    assert [r.id for r in queries.records_by_topic(engine, "masked-predictions")] == [
        "transformer",
        "bert",
        "vit",
        "beit",
        "mae",
        "masked-prediction",
    ]
    assert [r.id for r in queries.records_by_topic(engine, "masked-predictions", ("concept",))] == [
        "masked-prediction"
    ]
    assert queries.records_by_topic(engine, "no-such-topic") == []
    assert queries.topics_of(engine)["simclr"] == ["contrastive"]


def test_records_by_year_and_rows(engine) -> None:
    years = queries.records_by_year(engine)
    assert list(years) == [2017, 2018, 2020, 2021]
    assert [r.id for r in years[2020]] == ["simclr", "vit"]
    assert [r.id for r in queries.record_rows(engine, ("metric", "dataset"))] == [
        "imagenet-1k",
        "top-1-accuracy",
    ]
    rows = queries.record_rows(engine)
    assert [r.id for r in rows] == sorted(r.id for r in rows) and len(rows) == 21


def test_papers_and_authors(engine) -> None:
    papers = queries.papers(engine)
    assert sorted(papers) == ["beit", "bert", "mae", "simclr", "transformer", "vit"]
    assert papers["mae"].authors[:2] == ("Kaiming He", "Xinlei Chen") and papers["mae"].arxiv == "2111.06377"
    assert papers["transformer"].authors[-1] == "Illia Polosukhin"


def test_results_queries(engine) -> None:
    rows = queries.results(engine, dataset_id="imagenet-1k")
    assert [(r.record_id, r.protocol, r.value) for r in rows] == [
        ("vit", "fine-tune", 88.55),
        ("mae", "fine-tune", 87.8),
        ("beit", "fine-tune", 86.3),
        ("simclr", "linear", 76.5),
    ]
    assert rows[0].record_name == "ViT" and rows[0].record_year == 2020
    assert [r.record_id for r in queries.results(engine, record_id="mae")] == ["mae"]
    by_protocol = queries.results_by_protocol(engine, "imagenet-1k")
    assert list(by_protocol) == ["fine-tune", "linear"] and len(by_protocol["fine-tune"]) == 3


def test_edges_claims_hyperparameters(engine) -> None:
    edges = queries.lineage_edges(engine)
    assert ("mae", "bert", "inspired-by") in {(e.child_id, e.parent_id, e.type) for e in edges}
    assert len(edges) == 7
    claims = queries.lecture_claims(engine)
    assert [c.record_id for c in claims] == ["beit", "contrastive", "mae", "vit"]
    assert [c.record_id for c in queries.lecture_claims(engine, ("imprecise",))] == ["beit", "contrastive"]
    assert [(h.record_id, h.name, h.value) for h in queries.hyperparameters(engine)] == [
        ("beit", "mask_ratio", 0.4),
        ("bert", "mask_ratio", 0.15),
        ("mae", "mask_ratio", 0.75),
        ("simclr", "temperature", 0.5),
    ]
    assert queries.losses(engine) == {"simclr": ["ssl_kb.losses.info_nce"]}


def test_counts(engine) -> None:
    assert queries.counts(engine) == {
        "method": 6,
        "concept": 1,
        "topic": 2,
        "dataset": 1,
        "metric": 1,
        "vocabulary": 10,
        "results": 4,
        "edges": 7,
        "claims": 4,
    }


def test_rebuild_removes_temporary_files_abandoned_by_a_killed_run(tmp_path: Path) -> None:
    import os
    import time

    from ssl_kb.kb import load
    from ssl_kb.store import ABANDONED_AFTER_S, write_store

    target = tmp_path / "ssl-kb.sqlite"
    old = tmp_path / ".ssl-kb.sqlite.abc123.tmp"
    recent = tmp_path / ".ssl-kb.sqlite.def456.tmp"
    for leftover in (old, recent):
        leftover.write_bytes(b"partial")
    stamp = time.time() - ABANDONED_AFTER_S - 60
    os.utime(old, (stamp, stamp))
    records = load(Path(__file__).resolve().parent / "data" / "kb").records.values()
    write_store(records, f"sqlite:///{target}")
    assert target.exists() and not old.exists()
    assert recent.exists()  # may belong to a rebuild that is still running
