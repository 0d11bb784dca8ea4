"""Overviews: the pages about many records list every record they should, in their documented order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ssl_kb.readmodel import ReadModel
from ssl_kb.site import overviews
from ssl_kb.store import memory_engine


@pytest.fixture(scope="module")
def model(fixture_store) -> ReadModel:
    engine, graph = fixture_store
    return ReadModel.read(engine, graph)


def linked(page: str) -> list[str]:
    """The link targets of a Markdown page, in order."""
    return re.findall(r"\]\(([^)\s]+)\)", page)


def test_home_counts_every_kind_and_links_topics_in_order(model: ReadModel) -> None:
    page = overviews.home(model)
    for kind in ("topic", "method", "concept", "dataset", "metric"):
        n = len(model.ids(kind))
        assert f"{n} {kind}{'' if n == 1 else 's'}" in page
    assert f"{len(model.results)} results and {len(model.claims)} checked lecture claims" in page
    topic_links = [t for t in linked(page) if t.startswith("topics/")]
    assert topic_links[: len(model.topic_order)] == [f"topics/{t}.md" for t in model.topic_order]
    assert "quiz/" not in page  # no questions attached


@pytest.mark.parametrize("kind", ["method", "concept", "dataset", "metric", "topic"])
def test_each_index_links_every_record_of_its_kind(model: ReadModel, kind: str) -> None:
    page = overviews.index(model, kind)
    targets = [t for t in linked(page) if not t.startswith(("http", "../"))]
    assert sorted(targets) == sorted(t.split("/", 1)[1] for t in map(model.page, model.ids(kind)))
    if kind == "topic":
        assert targets == [f"{t}.md" for t in model.topic_order]


def test_compare_lists_methods_oldest_first(model: ReadModel) -> None:
    targets = [t for t in linked(overviews.compare(model)) if t.startswith("methods/")]
    expected = sorted(model.methods(), key=lambda m: (m.paper.year, m.id))
    assert targets == [f"methods/{m.id}.md" for m in expected]


def test_timeline_years_ascending(model: ReadModel) -> None:
    page = overviews.timeline(model)
    years = [int(y) for y in re.findall(r"^### (\d{4})$", page, re.MULTILINE)]
    assert years == sorted({model.year(r) for r in model.works_by_year()})


def test_errata_counts_the_claims_that_need_a_correction(model: ReadModel) -> None:
    page = overviews.errata(model)
    assert f"{len(model.errata())} of the {len(model.claims)} lecture claims checked" in page
    for claim in model.errata():
        assert f"../{model.page(claim.record_id)}" in page or f"]({model.page(claim.record_id)})" in page


def test_benchmark_ranks_within_protocol_by_the_metrics_direction(model: ReadModel) -> None:
    page = overviews.benchmark(model, "imagenet-1k")
    fine = [r for r in model.results_on["imagenet-1k"] if r.protocol == "fine-tune"]
    ranked = [r.record_id for r in sorted(fine, key=lambda r: -r.value)]
    positions = [
        page.index(f"]({r}.md)") if f"]({r}.md)" in page else page.index(f"/{r}.md)") for r in ranked
    ]
    assert positions == sorted(positions)


def test_results_index_links_only_datasets_with_results(model: ReadModel) -> None:
    page = overviews.results_index(model)
    assert "results/imagenet-1k.md" not in page  # linked relative to results/
    assert "(imagenet-1k.md)" in page


def test_downloads_page_with_and_without_the_store(model: ReadModel) -> None:
    assert "downloads/ssl-kb.sqlite" in linked(overviews.downloads(model))
    without = linked(overviews.downloads(model, sqlite=False))
    assert "downloads/ssl-kb.sqlite" not in without and "downloads/ssl-kb.bib" in without


def test_quiz_pages_follow_the_attached_questions(model: ReadModel) -> None:
    assert "Nothing here yet." in overviews.quiz_index(model)
    attached = model.with_questions({"contrastive": [], "masked-predictions": []})
    assert "Nothing here yet." in overviews.quiz_index(attached)


def test_contributing_lists_every_error_code() -> None:
    from ssl_kb.diagnostics import CODES

    page = overviews.contributing()
    assert all(code in page for code in CODES)


def test_contributing_explains_the_design_block_from_the_models() -> None:
    from ssl_kb.design import FACETS, Ablation, AblationPoint, Facet

    page = overviews.contributing()
    section = page[page.index("## The design block") : page.index("## Error codes")]
    for facet in FACETS:
        assert f"<code>kb/vocabularies/{facet.vocabulary}.yaml</code> | {facet.noun} |" in section
    for name in [*Facet.model_fields, *Ablation.model_fields]:
        assert f"| <code>{name.replace('_', '&#95;')}</code> |" in section, name
    for name in AblationPoint.model_fields:
        assert f"<code>points&#91;&#93;.{name}</code>" in section, name
    assert "`misreadings`" in section and "value: null" in section and "KB214" in section


def test_lineage_draws_a_picture_for_a_small_graph(model: ReadModel) -> None:
    assert "<svg" in overviews.lineage(model)


def test_an_empty_kb_still_has_a_home_page() -> None:
    empty = ReadModel.read(memory_engine([]))
    page = overviews.home(empty)
    assert "0 topics" in page and "the first topic" in page


def test_the_design_space_index_lists_each_vocabulary_with_its_values_count(design_store) -> None:
    from ssl_kb.design import FACETS

    design = ReadModel.read(*design_store)
    page = overviews.index(design, "vocabulary")
    assert "\n# Design space\n" in page
    lines = [line for line in page.split("\n") if line.startswith("| [")]
    assert [re.search(r"\]\(([a-z-]+)\.md\)", line)[1] for line in lines] == [f.vocabulary for f in FACETS]
    corruption = next(line for line in lines if line.startswith("| [Input corruption]"))
    giving = sum(1 for m in design.ids("method") if design.facet_values(m, "corruption"))
    assert giving >= 2
    assert (
        f"| {len(design.vocabulary('corruption'))} | {giving} |" in corruption
    )  # values, methods giving one


def test_the_design_space_index_of_a_kb_without_vocabularies_is_empty(tmp_path) -> None:
    import shutil

    from ssl_kb.kb import load
    from ssl_kb.store import memory_engine

    kb_dir = tmp_path / "kb"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "kb", kb_dir)
    shutil.rmtree(kb_dir / "vocabularies")
    for method in (kb_dir / "methods").glob("*.yaml"):  # without vocabularies, no design either
        text = method.read_text()
        if "\ndesign:\n" in text:
            start = text.index("\ndesign:\n")
            rest = text[start + 1 :].split("\n")
            end = next(
                (i for i, line in enumerate(rest[1:], 1) if line and not line.startswith(" ")), len(rest)
            )
            method.write_text(text[: start + 1] + "\n".join(rest[end:]))
    kb = load(kb_dir)
    assert not [d for d in kb.diagnostics if d.severity == "error"], [d.to_text() for d in kb.diagnostics][:3]
    model = ReadModel.read(memory_engine(kb.records.values()))
    assert "Nothing here yet." in overviews.index(model, "vocabulary")
