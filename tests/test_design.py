"""Design space: the facets, and every rule of Facet, Design, Ablation, AblationPoint and VocabularyValue.

Each rule is checked through the loader and validation, as a contributor meets it: the code, the
line and column, and the field path of the one problem a small change to a valid record makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
import yaml

from ssl_kb.design import (
    FACET_BY_KEY,
    FACET_BY_VOCABULARY,
    FACETS,
    Ablation,
    Design,
    Facet,
    FacetKey,
    VocabularyValue,
)
from ssl_kb.loader import parse_text
from ssl_kb.schema import ID_RE, Method
from ssl_kb.validation import validate_document

REPO = Path(__file__).resolve().parents[1]

# A valid method; the line numbers in the tests below are those of this text.
METHOD = """\
id: mae
kind: method
name: MAE
summary: Masked autoencoder.
family: masked-image-modeling
modalities: [image]
paper:
  title: Masked Autoencoders Are Scalable Vision Learners
  authors: [Kaiming He]
  year: 2021
  arxiv: "2111.06377"
  source: arXiv abstract page
design:
  objective:
    value: [masked-reconstruction]
    source: Section 3
  target:
    value: [normalized-pixels]
    source: Section 3
  negatives:
    value: [none]
    source: Section 3
  collapse_prevention:
    value: [fixed-target]
    source: Section 3
  corruption:
    value: [random-patch-masking]
    ratio: 0.75
    source: Section 3 and Figure 5
    rationale: images are spatially redundant
    misconceptions:
      - more mask tokens regularise the encoder
  encoder:
    value: [vit]
    source: Section 3
  fusion:
    value: [single-modality]
    source: Section 3
  frozen:
    value: [nothing]
    source: Section 3
  supervision:
    value: [none]
    source: Section 4
  transfer:
    value: [fine-tune, linear-probe]
    source: Section 4
ablations:
  - id: mask-ratio
    factor: mask ratio
    facet: corruption
    dataset: imagenet-1k
    metric: top-1-accuracy
    protocol: fine-tune
    variant: ViT-L/16, 800 epochs
    points:
      - {setting: "50%", x: 0.5, value: 84.6}
      - {setting: "75%", x: 0.75, value: 84.9}
    chosen: "75%"
    rationale: a high ratio removes the redundancy
    source: Table 1
"""


def check(text: str) -> tuple[Method | None, list[tuple[str, int, int, str]]]:
    doc = parse_text("r.yaml", text)
    assert doc.diagnostics == [] and doc.data is not None
    record, diagnostics = validate_document(doc)
    assert record is None or not diagnostics
    return record, [(d.code, d.line, d.col, d.field) for d in diagnostics]  # type: ignore[return-value]


def changed(old: str, new: str) -> str:
    assert METHOD.count(old) == 1, old
    return METHOD.replace(old, new)


# ---------------------------------------------------------------------------- the facets


def test_the_facets_are_the_design_models_fields_in_order() -> None:
    keys = [f.key for f in FACETS]
    assert keys == list(Design.model_fields) == list(get_args(FacetKey))
    assert {f.key: f for f in FACETS} == FACET_BY_KEY and list(FACET_BY_KEY) == keys
    assert list(FACET_BY_VOCABULARY.values()) == list(FACETS)
    for facet in FACETS:
        assert ID_RE.fullmatch(facet.vocabulary), facet
        assert facet.vocabulary == facet.key.replace("_", "-")
        assert facet.title[0].isupper() and facet.noun == facet.noun.lower(), facet


@pytest.mark.parametrize("kb", ["kb", "tests/data/kb"])
def test_every_facet_has_its_vocabulary_file(kb: str) -> None:
    folder = REPO / kb / "vocabularies"
    assert sorted(p.stem for p in folder.glob("*.yaml")) == sorted(FACET_BY_VOCABULARY)


# ---------------------------------------------------------------------------- a valid record


def test_the_valid_record_validates() -> None:
    record, problems = check(METHOD)
    assert problems == [] and record is not None and record.design is not None
    corruption = record.design.corruption
    assert corruption.value == ["random-patch-masking"] and corruption.ratio == 0.75
    assert corruption.misconceptions == ["more mask tokens regularise the encoder"]
    assert [info.key for info, _ in record.design.facets()] == [f.key for f in FACETS]
    assert record.design.facets()[4] == (FACET_BY_KEY["corruption"], corruption)
    (ablation,) = record.ablations
    assert ablation.chosen == "75%" and [p.x for p in ablation.points] == [0.5, 0.75]
    assert ablation.unit == "%" and ablation.higher_is_better is True


def test_design_and_ablations_are_optional() -> None:
    start, end = METHOD.index("design:\n"), len(METHOD)
    record, problems = check(METHOD[:start] + METHOD[end:])
    assert problems == [] and record is not None
    assert record.design is None and record.ablations == []


def test_an_unknown_facet_with_a_note_needs_no_source() -> None:
    text = changed("    value: [vit]\n    source: Section 3\n", "    value: null\n    note: not stated\n")
    record, problems = check(text)
    assert problems == [] and record is not None and record.design is not None
    assert record.design.encoder == Facet(value=None, note="not stated")


def test_x_may_be_left_out_of_every_point() -> None:
    text = changed('"50%", x: 0.5, value', '"50%", value').replace('"75%", x: 0.75, value', '"75%", value')
    record, problems = check(text)
    assert problems == [] and record is not None
    assert [p.x for p in record.ablations[0].points] == [None, None]


# ---------------------------------------------------------------------------- Facet


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # value null without a note: located at the facet
        ("    value: [vit]\n", "    value: null\n", ("KB108", 34, 5, "design.encoder")),
        # a value without its source
        (
            "    value: [vit]\n    source: Section 3\n",
            "    value: [vit]\n",
            ("KB108", 34, 5, "design.encoder"),
        ),
        # misconceptions, but no rationale they are wrong about
        ("    rationale: images are spatially redundant\n", "", ("KB108", 27, 5, "design.corruption")),
        # a ratio with no value it is the ratio of
        (
            "    value: [random-patch-masking]\n",
            "    value: null\n    note: not stated\n",
            ("KB108", 27, 5, "design.corruption"),
        ),
        # a value listed twice
        ("    value: [vit]\n", "    value: [vit, vit]\n", ("KB108", 34, 12, "design.encoder.value")),
        # an empty list is not "unknown": that is null with a note
        ("    value: [vit]\n", "    value: []\n", ("KB101", 34, 12, "design.encoder.value")),
        # values are ids of the vocabulary, not prose
        (
            "    value: [vit]\n",
            "    value: [Vision Transformer]\n",
            ("KB104", 34, 13, "design.encoder.value[0]"),
        ),
        # ratio: a fraction in (0, 1], as a number
        ("    ratio: 0.75\n", "    ratio: 75\n", ("KB103", 28, 12, "design.corruption.ratio")),
        ("    ratio: 0.75\n", "    ratio: 0\n", ("KB103", 28, 12, "design.corruption.ratio")),
        ("    ratio: 0.75\n", "    ratio: '0.75'\n", ("KB102", 28, 12, "design.corruption.ratio")),
        # a facet has no other keys
        (
            "    source: Section 3 and Figure 5\n",
            "    sources: Figure 5\n",
            ("KB100", 29, 5, "design.corruption.sources"),
        ),
    ],
)
def test_facet_rules(old: str, new: str, expected: tuple[str, int, int, str]) -> None:
    record, problems = check(changed(old, new))
    assert record is None and problems == [expected]


def test_facet_messages_say_what_to_add() -> None:
    def message(**data: object) -> str:
        with pytest.raises(ValueError) as caught:
            Facet.model_validate(data)
        return str(caught.value)

    assert "needs a note saying why it is unknown" in message(value=None)
    assert "needs a source" in message(value=["vit"])
    assert "give the rationale first" in message(value=["vit"], source="s", misconceptions=["m"])
    assert "a ratio belongs to a corruption value" in message(value=None, note="n", ratio=0.5)
    assert "listed twice" in message(value=["vit", "vit"], source="s")


# ---------------------------------------------------------------------------- Design


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # every facet is present (unknown is value null with a note, not a missing key)
        (
            "  fusion:\n    value: [single-modality]\n    source: Section 3\n",
            "",
            ("KB101", 14, 3, "design.fusion"),
        ),
        # a key that is not a facet (a typo): it is unknown, and the facet is missing
        ("  fusion:\n", "  fuson:\n", [("KB101", 14, 3, "design.fusion"), ("KB100", 36, 3, "design.fuson")]),
        # only corruption has a ratio: located at the design block
        (
            "    value: [vit]\n",
            "    value: [vit]\n    ratio: 0.5\n",
            ("KB108", 14, 3, "design"),
        ),
    ],
)
def test_design_rules(old: str, new: str, expected: tuple[str, int, int, str] | list) -> None:
    record, problems = check(changed(old, new))
    assert record is None and problems == (expected if isinstance(expected, list) else [expected])


def test_ratio_outside_corruption_names_the_facet() -> None:
    facets = {f.key: {"value": None, "note": "n"} for f in FACETS}
    facets["encoder"] = {"value": ["vit"], "source": "s", "ratio": 0.5}
    with pytest.raises(ValueError, match="ratio is given for encoder; only corruption has a ratio"):
        Design.model_validate(facets)


# ---------------------------------------------------------------------------- Ablation, AblationPoint

ABLATION_LINE = 49  # "  - id: mask-ratio"
POINTS_LINE = 57


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # chosen is one of the settings, exactly as written
        ('    chosen: "75%"\n', '    chosen: "0.75"\n', ("KB108", ABLATION_LINE, 5, "ablations[0]")),
        # two points with the same setting
        ('"50%", x: 0.5', '"75%", x: 0.5', ("KB108", ABLATION_LINE, 5, "ablations[0]")),
        # x on some points only
        ('"75%", x: 0.75, value', '"75%", value', ("KB108", ABLATION_LINE, 5, "ablations[0]")),
        # one point is not an ablation
        (
            '      - {setting: "50%", x: 0.5, value: 84.6}\n',
            "",
            ("KB101", POINTS_LINE, 7, "ablations[0].points"),
        ),
        # the facet is a facet key (snake_case, as under design:)
        ("    facet: corruption\n", "    facet: mask\n", ("KB106", 51, 12, "ablations[0].facet")),
        ("    protocol: fine-tune\n", "    protocol: probe\n", ("KB106", 54, 15, "ablations[0].protocol")),
        (
            "    facet: corruption\n",
            "    facet: corruption\n    unit: dB\n",
            ("KB106", 52, 11, "ablations[0].unit"),
        ),
        # the source and the default are required
        ("    source: Table 1\n", "", ("KB101", ABLATION_LINE, 5, "ablations[0].source")),
        ('    chosen: "75%"\n', "", ("KB101", ABLATION_LINE, 5, "ablations[0].chosen")),
        # point numbers are finite numbers, never quoted
        ("value: 84.6}", "value: .nan}", ("KB103", POINTS_LINE, 41, "ablations[0].points[0].value")),
        ("x: 0.5,", "x: .inf,", ("KB103", POINTS_LINE, 29, "ablations[0].points[0].x")),
        ("value: 84.6}", 'value: "84.6"}', ("KB102", POINTS_LINE, 41, "ablations[0].points[0].value")),
        (
            "    variant: ViT-L/16, 800 epochs\n",
            '    variant: ViT-L/16, 800 epochs\n    higher_is_better: "true"\n',
            ("KB102", 56, 23, "ablations[0].higher_is_better"),
        ),
    ],
)
def test_ablation_rules(old: str, new: str, expected: tuple[str, int, int, str]) -> None:
    record, problems = check(changed(old, new))
    assert record is None and problems == [expected]


def test_ablation_ids_are_unique_within_the_record() -> None:
    start = METHOD.index("  - id: mask-ratio\n")
    twice = METHOD + METHOD[start:]
    record, problems = check(twice)
    assert record is None and problems == [("KB108", 49, 3, "ablations")]


def test_ablation_messages_name_the_settings() -> None:
    data = yaml.safe_load(METHOD)["ablations"][0]
    with pytest.raises(ValueError, match=r"chosen '60%' is not one of the settings \['50%', '75%'\]"):
        Ablation.model_validate(data | {"chosen": "60%"})
    points = [{"setting": "a", "value": 1.0}, {"setting": "a", "value": 2.0}]
    with pytest.raises(ValueError, match="two points have the same setting"):
        Ablation.model_validate(data | {"points": points, "chosen": "a"})
    points = [{"setting": "a", "x": 1, "value": 1.0}, {"setting": "b", "value": 2.0}]
    with pytest.raises(ValueError, match="give x for every point or for none"):
        Ablation.model_validate(data | {"points": points, "chosen": "a"})


# ---------------------------------------------------------------------------- VocabularyValue


def test_vocabulary_values() -> None:
    value = VocabularyValue.model_validate({"id": "raw-pixels", "name": "raw pixels", "definition": "d"})
    assert value.source is None
    for bad in ({"id": "Raw Pixels", "name": "n", "definition": "d"}, {"id": "x", "name": "n"}):
        with pytest.raises(ValueError):
            VocabularyValue.model_validate(bad)
    with pytest.raises(ValueError, match="Extra inputs"):
        VocabularyValue.model_validate({"id": "x", "name": "n", "definition": "d", "facet": "target"})
