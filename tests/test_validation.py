"""Validation: pydantic errors -> diagnostics with a stable code, the YAML field path and its line."""

from __future__ import annotations

import pytest

from ssl_kb.loader import parse_text
from ssl_kb.validation import validate_document

CONCEPT = (
    "id: pseudo-labels\nkind: concept\nname: Pseudo-labels\nsummary: Label unlabelled data with a model.\n"
)
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
"""
RESULT = """\
results:
  - dataset: imagenet-1k
    split: val
    task: classification
    metric: top-1-accuracy
    value: 87.8
    protocol: fine-tune
    variant: ViT-H/14
    source: Table 3
"""


def check(text: str):
    doc = parse_text("r.yaml", text)
    assert doc.diagnostics == [] and doc.data is not None
    return validate_document(doc)


def problems(text: str) -> list[tuple[str, int, int, str]]:
    record, diagnostics = check(text)
    assert record is None or not diagnostics
    return [(d.code, d.line, d.col, d.field) for d in diagnostics]


def test_valid_records_validate() -> None:
    record, diagnostics = check(METHOD + RESULT)
    assert diagnostics == [] and record is not None
    assert record.kind == "method" and record.results[0].value == 87.8
    assert check(CONCEPT)[0].kind == "concept"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CONCEPT + "colour: blue\n", ("KB100", 5, 1, "colour")),
        (
            METHOD.replace("  source: arXiv abstract page\n", "  source: x\n  pages: 3\n"),
            ("KB100", 13, 3, "paper.pages"),
        ),
        (CONCEPT.replace("summary: Label unlabelled data with a model.\n", ""), ("KB101", 1, 1, "summary")),
        (METHOD.replace("  authors: [Kaiming He]\n", "  authors: []\n"), ("KB101", 9, 12, "paper.authors")),
        (METHOD.replace("  year: 2021\n", "  year: '2021'\n"), ("KB102", 10, 9, "paper.year")),
        (METHOD.replace("  year: 2021\n", "  year: true\n"), ("KB102", 10, 9, "paper.year")),
        (
            METHOD.replace("  authors: [Kaiming He]\n", "  authors: Kaiming He\n"),
            ("KB102", 9, 12, "paper.authors"),
        ),
        (METHOD + "backbone: [ViT]\n", ("KB102", 13, 11, "backbone")),
        (
            METHOD.replace("  source: arXiv", "  url: http://example.org\n  source: arXiv"),
            ("KB102", 12, 8, "paper.url"),
        ),
        (METHOD + RESULT.replace("value: 87.8", 'value: "87.8"'), ("KB102", 18, 12, "results[0].value")),
        (METHOD + RESULT.replace("value: 87.8", "value: true"), ("KB102", 18, 12, "results[0].value")),
        (METHOD + RESULT.replace("value: 87.8", "value: -1"), ("KB103", 18, 12, "results[0].value")),
        (METHOD + RESULT.replace("value: 87.8", "value: 101"), ("KB103", 14, 5, "results[0]")),
        (METHOD + RESULT.replace("value: 87.8", "value: .nan"), ("KB103", 18, 12, "results[0].value")),
        (METHOD.replace("  year: 2021\n", "  year: 1900\n"), ("KB103", 10, 9, "paper.year")),
        (METHOD.replace("  year: 2021\n", "  year: 2999\n"), ("KB103", 10, 9, "paper.year")),
        (CONCEPT.replace("id: pseudo-labels", "id: Pseudo_Labels"), ("KB104", 1, 5, "id")),
        (CONCEPT + "topics: [a/b]\n", ("KB104", 5, 10, "topics[0]")),
        (CONCEPT.replace("name: Pseudo-labels", "name: " + "x" * 301), ("KB105", 3, 7, "name")),
        (
            METHOD.replace("modalities: [image]", "modalities: [image, smell]"),
            ("KB106", 6, 21, "modalities[1]"),
        ),
        (
            METHOD
            + RESULT.replace("unit", "unit").replace(
                "    source: Table 3\n", "    source: Table 3\n    unit: dB\n"
            ),
            ("KB106", 22, 11, "results[0].unit"),
        ),
        (CONCEPT.replace("kind: concept", "kind: paper"), ("KB107", 2, 7, "kind")),
        (CONCEPT.replace("kind: concept", "kind: [concept]"), ("KB107", 2, 7, "kind")),
        (CONCEPT.replace("kind: concept\n", ""), ("KB101", 1, 1, "kind")),
        (
            METHOD.replace("  source: arXiv", "  venue_year: 2020\n  venue: CVPR\n  source: arXiv"),
            ("KB108", 8, 3, "paper"),
        ),
        (CONCEPT + "sources: {paper_year: the paper}\n", ("KB108", 1, 1, "")),
        (CONCEPT + "aliases: [PL, PL]\n", ("KB108", 5, 10, "aliases")),
        (METHOD.replace('"2111.06377"', '"2111.6377"'), ("KB109", 11, 10, "paper.arxiv")),
        (METHOD.replace('"2111.06377"', '"2113.06377"'), ("KB109", 11, 10, "paper.arxiv")),
        (METHOD.replace('"2111.06377"', "arXiv:2111.06377"), ("KB109", 11, 10, "paper.arxiv")),
        (METHOD + "losses: [torch.nn.MSELoss]\n", ("KB209", 13, 10, "losses[0]")),
    ],
)
def test_each_schema_problem_has_its_code_line_and_field(
    text: str, expected: tuple[str, int, int, str]
) -> None:
    assert problems(text) == [expected]


def test_all_problems_of_one_record_are_reported() -> None:
    text = METHOD.replace("name: MAE\n", "") + "colour: blue\n" + RESULT.replace("value: 87.8", "value: -1")
    assert [(c, f) for c, _, _, f in problems(text)] == [
        ("KB101", "name"),
        ("KB103", "results[0].value"),
        ("KB100", "colour"),
    ]


def test_union_members_give_one_problem_per_node() -> None:
    text = (
        METHOD
        + "hyperparameters:\n  - name: mask_ratio\n    value: [0.75]\n    description: d\n    source: s\n"
    )
    assert problems(text) == [("KB102", 15, 12, "hyperparameters[0].value")]


def test_an_int_result_is_a_float_and_a_quoted_hyperparameter_is_text() -> None:
    record, found = check(METHOD + RESULT.replace("value: 87.8", "value: 88"))
    assert not found and record is not None and record.results[0].value == 88.0
    text = (
        METHOD
        + 'hyperparameters:\n  - name: mask_ratio\n    value: "0.75"\n    description: d\n    source: s\n'
    )
    record, found = check(text)
    assert not found and record is not None and record.hyperparameters[0].value == "0.75"


def test_message_shows_the_offending_value_and_hint() -> None:
    _, (diagnostic,) = check(METHOD + RESULT.replace("value: 87.8", "value: -0.1"))
    assert diagnostic.message.endswith("(got -0.1)")
    assert "Value error" not in diagnostic.message
    assert diagnostic.hint
    assert diagnostic.to_text().startswith("r.yaml:18:12: KB103 results[0].value: ")


def test_codes_come_from_error_types_not_from_words_in_the_message() -> None:
    # "arXiv" and "future" in a value once steered the code; a duplicate is KB108 whatever it says
    text = CONCEPT + 'aliases: ["arXiv {id} in the future", "arXiv {id} in the future"]\n'
    _, (diagnostic,) = check(text)
    assert (diagnostic.code, diagnostic.field) == ("KB108", "aliases")
    assert diagnostic.message == "duplicate entry 'arXiv {id} in the future'"


def test_unknown_field_message_is_plain() -> None:
    _, (diagnostic,) = check(CONCEPT + "colour: blue\n")
    assert diagnostic.message == "unknown field"


def test_hyperparameter_values_keep_their_type() -> None:
    text = (
        METHOD
        + "hyperparameters:\n"
        + "".join(
            f"  - name: h{i}\n    value: {v}\n    description: d\n    source: s\n"
            for i, v in enumerate(["true", "3", "0.5", "cosine"])
        )
    )
    record, diagnostics = check(text)
    assert diagnostics == []
    values = [h.value for h in record.hyperparameters]
    assert values == [True, 3, 0.5, "cosine"]
    assert [type(v) for v in values] == [bool, int, float, str]
