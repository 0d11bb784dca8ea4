"""ReadModel: the indexes over one read of the store, checked against the records and the graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssl_kb.graph import build as build_graph
from ssl_kb.kb import load
from ssl_kb.readmodel import BAD_VERDICTS, ReadModel
from ssl_kb.schema import FOLDERS, record_year
from ssl_kb.store import memory_engine

FIXTURE = Path(__file__).resolve().parent / "data" / "kb"


@pytest.fixture(scope="module")
def records() -> dict:
    kb = load(FIXTURE)
    assert kb.ok()
    return kb.records


@pytest.fixture(scope="module")
def model(records: dict) -> ReadModel:
    engine = memory_engine(records.values(), {rid: f"kb/x/{rid}.yaml" for rid in records})
    return ReadModel.read(engine)


def test_records_rows_and_kinds(model: ReadModel, records: dict) -> None:
    assert model.records == records and sorted(model.rows) == sorted(records)
    for kind in ("method", "concept", "topic", "dataset", "metric"):
        assert model.ids(kind) == sorted(rid for rid, r in records.items() if r.kind == kind)
    assert model.ids("no-such-kind") == []
    assert model.sources["mae"] == "kb/x/mae.yaml"
    assert [m.id for m in model.methods()] == model.ids("method")
    assert [d.id for d in model.datasets()] == model.ids("dataset")
    assert model.metric("top-1-accuracy") == records["top-1-accuracy"]
    assert model.metric("mae") is None and model.metric("nothing") is None


def test_sources_fall_back_to_the_kinds_folder(records: dict) -> None:
    model = ReadModel.read(memory_engine(records.values()))
    assert model.sources["mae"] == "kb/methods/mae.yaml"
    assert model.sources["imagenet-1k"] == "kb/datasets/imagenet-1k.yaml"


def test_names_years_and_pages(model: ReadModel, records: dict) -> None:
    for rid, record in records.items():
        assert model.name(rid) == record.name and model.year(rid) == record_year(record)
        assert model.page(rid) == f"{FOLDERS[record.kind]}/{rid}.md"
    assert model.name("unknown") == "unknown" and model.year("unknown") is None
    assert model.chrono_key("unknown") == (9999, "unknown")


def test_topics_in_lecture_order_and_their_members_oldest_first(model: ReadModel, records: dict) -> None:
    topics = [r for r in records.values() if r.kind == "topic"]
    assert [t.id for t in model.topics()] == [t.id for t in sorted(topics, key=lambda t: (t.order, t.id))]
    for topic in model.topic_order:
        members = model.topic_members.get(topic, [])
        assert set(members) == {rid for rid, r in records.items() if topic in r.topics}
        assert members == sorted(members, key=model.chrono_key)
    assert model.topics_of("mae") == list(records["mae"].topics) and model.topics_of("unknown") == []


def test_works_by_year_are_dated_methods_and_concepts_oldest_first(model: ReadModel, records: dict) -> None:
    works = model.works_by_year()
    assert set(works) == {
        rid for rid, r in records.items() if r.kind in ("method", "concept") and record_year(r) is not None
    }
    assert works == sorted(works, key=model.chrono_key)


def test_a_name_shared_by_two_works_is_no_quiz_option(records: dict) -> None:
    twin = records["vit"].model_copy(update={"id": "vit-twin"})
    model = ReadModel.read(memory_engine([*records.values(), twin]))
    assert "ViT" not in model.by_name and "MAE" in model.by_name
    assert "vit" not in model.work_ids() and "vit-twin" not in model.work_ids() and "mae" in model.work_ids()


def test_neighbourhood_is_the_topics_next_to_a_records_topics(model: ReadModel) -> None:
    order = model.topic_order
    for rid in ("mae", "simclr"):
        expected: set[str] = set()
        for topic in model.topics_of(rid):
            i = order.index(topic)
            expected |= set(order[max(0, i - 1) : i + 2])
        assert model.neighbourhood(rid) == expected
    assert model.neighbourhood("imagenet-1k") == set()


def test_claims_and_errata(model: ReadModel, records: dict) -> None:
    assert model.claims_of("mae") == [c for c in model.claims if c.record_id == "mae"]
    assert model.claims_of("imagenet-1k") == []
    assert model.errata() == [c for c in model.claims if c.verdict in BAD_VERDICTS]
    assert {c.verdict for c in model.errata()} <= set(BAD_VERDICTS) and model.errata()


def test_lineage_parents_and_families(model: ReadModel, records: dict) -> None:
    for rid, record in records.items():
        expected = {e.target for e in getattr(record, "lineage", [])}
        assert model.parents(rid) == expected
    assert model.parents("unknown") == set()
    families = model.families()
    assert set(families) == {model.family(n) for n in model.graph.nodes}
    firsts = [min(model.chrono_key(n) for n in model.graph if model.family(n) == f) for f in families]
    assert firsts == sorted(firsts)
    assert model.family("mae") == records["mae"].family and model.family("unknown") == "other"


def test_a_given_graph_is_used_as_is(records: dict) -> None:
    engine = memory_engine(records.values())
    graph = build_graph(engine)
    assert ReadModel.read(engine, graph).graph is graph


def test_with_questions_attaches_quiz_pages_and_keeps_the_rest(model: ReadModel) -> None:
    assert model.quiz_page("contrastive") is None and model.question_count() == 0
    attached = model.with_questions({"contrastive": [{"id": "q1"}, {"id": "q2"}], "masked-predictions": []})
    assert attached.quiz_page("contrastive") == "quiz/contrastive.md"
    assert attached.quiz_page("masked-predictions") is None and attached.question_count() == 2
    assert attached.records is model.records and attached.cache is model.cache
    assert model.questions == {} and model.with_questions(None).questions == {}


def test_index_is_built_once_per_name(records: dict) -> None:
    model = ReadModel.read(memory_engine(records.values()))
    by_dataset = model.index("by-dataset", model.results, lambda r: r.dataset_id)
    assert {k: len(v) for k, v in by_dataset.items()} == {k: len(v) for k, v in model.results_on.items()}
    assert model.index("by-dataset", [], lambda r: r) is by_dataset  # cached: rows not read again
