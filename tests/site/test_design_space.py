"""Design space on the site: a method's "How it works" table, its ablations, and vocabulary values."""

from __future__ import annotations

import re

import pytest

from ssl_kb.design import FACETS
from ssl_kb.readmodel import ReadModel
from ssl_kb.site import design_space


@pytest.fixture(scope="module")
def real(real_store) -> ReadModel:
    return ReadModel.read(*real_store)


@pytest.fixture(scope="module")
def model(design_store) -> ReadModel:
    return ReadModel.read(*design_store)


def rows(table: str) -> list[list[str]]:
    """The body rows of a Markdown table, as cells."""
    lines = table.strip().split("\n")[2:]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]


def test_the_real_mae_design_links_every_value_to_its_anchor(real: ReadModel) -> None:
    page = real.page("mae")
    design = design_space.how_it_works(real, page, "mae")
    assert design is not None
    table = rows(design["table"])
    assert len(table) == len(FACETS)
    for (facet, value, source), info in zip(table, FACETS, strict=True):
        assert facet == f"[{info.title}](../vocabularies/{info.vocabulary}.md)"
        ids = real.facet_values("mae", info.key)
        assert ids, info.key  # MAE's design is filled in
        links = re.findall(r"\]\(\.\./vocabularies/([a-z-]+)\.md#([a-z0-9-]+)\)", value)
        assert links == [(info.vocabulary, v) for v in ids]
        assert all(v in real.vocabulary(info.key) for v in ids)
        assert source != "—"
    corruption = table[[f.key for f in FACETS].index("corruption")]
    assert "ratio 0.75 (75% removed)" in corruption[1]
    assert any(r["facet"] == "Input corruption" for r in design["rationales"])


def test_an_unknown_facet_says_so_with_its_note(model: ReadModel) -> None:
    design = design_space.how_it_works(model, model.page("beit"), "beit")
    assert design is not None
    transfer = rows(design["table"])[[f.key for f in FACETS].index("transfer")]
    assert transfer[1].startswith("*unknown*: left unknown in this fixture")
    assert transfer[2] == "—"  # no source for what is not known
    assert design["rationales"] == []


def test_a_record_without_design_has_no_section(model: ReadModel) -> None:
    page = model.page("masked-prediction")  # a concept: concepts have no design block
    assert design_space.how_it_works(model, page, "masked-prediction") is None
    assert design_space.ablations(model, page, "masked-prediction") == []


def test_an_ablations_table_has_exactly_its_points(model: ReadModel) -> None:
    page = model.page("mae")
    studies = model.ablations("mae")
    out = design_space.ablations(model, page, "mae")
    assert len(out) == len(studies) == 2
    for shown, study in zip(out, studies, strict=True):
        assert shown["table"].split("\n")[0] == f"| {study.factor.capitalize()} | Top-1 accuracy (%) |"
        body = rows(shown["table"])
        assert [value for _, value in body] == [f"{p.value:g}" for p in study.points]
        assert [s.replace("**", "").removesuffix(" (chosen)") for s, _ in body] == [
            p.setting for p in study.points
        ]
        assert [s for s, _ in body if s.endswith("(chosen)")] == [f"**{study.chosen}** (chosen)"]
        caption = shown["caption"]
        assert study.variant in caption and study.protocol in caption and study.source in caption
        assert "[ImageNet-1K](../datasets/imagenet-1k.md)" in caption
        assert shown["heading"].endswith(f"{{#ablation-{study.id}}}")
    assert "Design facet: [Prediction target](../vocabularies/target.md)" in out[1]["caption"]


def test_vocabulary_values_list_their_users_oldest_first(model: ReadModel) -> None:
    out = design_space.vocabulary_values(model, "encoder")
    by_id = {v["id"]: v for v in out["values"]}
    assert list(by_id) == list(model.vocabulary("encoder"))  # the vocabulary's order
    assert (
        by_id["vit"]["users"]
        == "[ViT](../methods/vit.md), [BEiT](../methods/beit.md), [MAE](../methods/mae.md)"
    )
    assert by_id["convnet"]["users"] == "[SimCLR](../methods/simclr.md)"
    assert by_id["vit"]["heading"] == "Vision Transformer {#vit}"
    assert out["used"] == "6 methods"


def test_vocabulary_values_give_ratios_and_the_methods_where_unknown(model: ReadModel) -> None:
    corruption = {v["id"]: v for v in design_space.vocabulary_values(model, "corruption")["values"]}
    assert corruption["random-patch-masking"]["users"] == "[MAE](../methods/mae.md) (ratio 0.75)"
    transfer = design_space.vocabulary_values(model, "transfer")
    assert transfer["unknown"] == "[Transformer](../methods/transformer.md), [BEiT](../methods/beit.md)"
    assert transfer["used"] == "4 methods"
