"""Record schema: single-record rules, the exported JSON Schema, and model hygiene."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from ssl_kb import schema
from ssl_kb.schema import (
    MAX_YEAR,
    MODELS,
    RECORD_ADAPTER,
    LectureClaim,
    Method,
    Paper,
    Result,
    Vocabulary,
    arxiv_year,
    json_schema,
    record_year,
)

REPO = Path(__file__).resolve().parents[1]
PAPER = {"title": "T", "authors": ["A B"], "year": 2021, "arxiv": "2111.06377", "source": "abs page"}
RESULT = {
    "dataset": "imagenet-1k",
    "split": "val",
    "task": "cls",
    "metric": "top-1-accuracy",
    "value": 80.0,
    "protocol": "linear",
    "variant": "ViT-B/16",
    "source": "Table 1",
}


def nested_models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        stack: list[Any] = [field.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                nested_models(tp, seen)
            stack.extend(get_args(tp))  # unions, list[...], Annotated[...] (first arg is the type)
    return seen


def test_committed_json_schema_is_current() -> None:
    committed = json.loads((REPO / "kb" / "schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(json_schema())), (
        "kb/schema.json is stale: run `ssl-kb schema --out kb/schema.json`"
    )


def test_json_schema_does_not_depend_on_the_calendar() -> None:
    assert str(MAX_YEAR) not in json.dumps(json_schema())


def test_every_model_forbids_unknown_keys_and_is_frozen() -> None:
    models: set[type[BaseModel]] = set()
    for model in MODELS.values():
        nested_models(model, models)
    assert {Paper, Result, LectureClaim} <= models
    for model in models:
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model


def test_discriminated_union_picks_the_model_by_kind() -> None:
    data = {"id": "x", "kind": "concept", "name": "X", "summary": "s"}
    assert type(RECORD_ADAPTER.validate_python(data)) is MODELS["concept"]
    with pytest.raises(ValidationError):
        RECORD_ADAPTER.validate_python(data | {"kind": "other"})


def test_record_kind_is_the_one_list_of_kinds() -> None:
    """Each model's ``kind`` literal (pydantic's discriminator), MODELS and FOLDERS follow RecordKind."""
    assert list(MODELS) == list(schema.RecordKind) == list(schema.FOLDERS)
    for kind, model in MODELS.items():
        assert get_args(model.model_fields["kind"].annotation) == (kind,), model
    assert set(schema.WORK_KINDS) < set(schema.RecordKind)


@pytest.mark.parametrize("arxiv", ["2111.06377", "0704.0001", "1412.6980", "1501.00001", "2111.06377v3"])
def test_valid_arxiv_ids(arxiv: str) -> None:
    assert Paper.model_validate(PAPER | {"arxiv": arxiv, "year": arxiv_year(arxiv)}).arxiv == arxiv


@pytest.mark.parametrize(
    "arxiv",
    [
        "2111.6377",
        "1501.1234",
        "1412.12345",
        "0703.1234",
        "2113.01234",
        "hep-th/9901001",
        "arXiv:2111.06377",
        "2111.06377v0",
        "9912.00001",
    ],
)
def test_malformed_arxiv_ids(arxiv: str) -> None:
    with pytest.raises(ValidationError, match="arxiv"):
        Paper.model_validate(PAPER | {"arxiv": arxiv})


def test_arxiv_year() -> None:
    assert arxiv_year("2111.06377") == 2021
    assert arxiv_year("0704.0001v2") == 2007
    with pytest.raises(ValueError, match="not an arXiv id"):
        arxiv_year("nope")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"venue_year": 2020, "venue": "CVPR"}, "before the paper's first year"),
        ({"venue_year": 2022}, "venue is null"),
        ({"arxiv": None}, "at least one of arxiv, doi or url"),
        ({"year": "2021"}, "valid integer"),
        ({"year": True}, "valid integer"),
        ({"year": MAX_YEAR + 1}, "in the future"),
        ({"authors": []}, "at least 1 item"),
        ({"title": "bad\x00title"}, "a control character"),
        ({"url": "http://example.org"}, "pattern"),
        ({"doi": "doi:10.1/x"}, "pattern"),
    ],
)
def test_paper_rules(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Paper.model_validate(PAPER | change)


@pytest.mark.parametrize(
    ("model", "change", "error_type"),
    [
        (Paper, {"venue_year": 2020, "venue": "CVPR"}, "KB108"),
        (Paper, {"venue_year": 2022}, "KB108"),
        (Paper, {"year": MAX_YEAR + 1}, "KB103"),
        (Paper, {"arxiv": "2113.06377"}, "KB109"),
        (Paper, {"arxiv": "9912.0001"}, "KB109"),
        (Paper, {"title": "bad\x00title"}, "KB112"),
        (Result, {"value": 100.1}, "KB103"),
        (Result, {"value": float("nan")}, "KB103"),
        (Result, {"value": -0.5}, "greater_than_equal"),
        (Result, {"protocol": "few-shot"}, "KB108"),
    ],
)
def test_rules_raise_errors_typed_by_their_code(
    model: type[Paper | Result], change: dict[str, Any], error_type: str
) -> None:
    base = PAPER if model is Paper else RESULT
    with pytest.raises(ValidationError) as info:
        model.model_validate(base | change)
    assert [e["type"] for e in info.value.errors()] == [error_type]


def test_paper_found_by_url_alone() -> None:
    paper = Paper.model_validate(PAPER | {"arxiv": None, "url": "https://example.org/p.pdf"})
    assert paper.arxiv is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": 100.1}, "above 100"),
        ({"value": 1.5, "unit": "ratio"}, "above 1 for a ratio"),
        ({"value": -0.5}, "greater than or equal to 0"),
        ({"value": float("inf")}, "finite"),
        ({"protocol": "few-shot"}, "needs shots"),
        ({"protocol": "zero-shot", "shots": 4}, "shots 0 or null"),
        ({"protocol": "probe"}, "linear"),
        ({"unit": "dB"}, "'%'"),
        ({"shots": 1.5, "protocol": "few-shot"}, "valid integer"),
    ],
)
def test_result_rules(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Result.model_validate(RESULT | change)


def test_result_accepts_edges_of_ranges() -> None:
    assert Result.model_validate(RESULT | {"value": 100}).value == 100
    assert Result.model_validate(RESULT | {"value": 0}).value == 0
    assert Result.model_validate(RESULT | {"value": 250.0, "unit": "points"}).value == 250
    assert Result.model_validate(RESULT | {"protocol": "few-shot", "shots": 4}).shots == 4


def test_lecture_claim_correction_matches_verdict() -> None:
    base = {"slide": "S", "claim": "C", "source": "paper"}
    assert LectureClaim.model_validate(base | {"verdict": "correct"}).correction is None
    assert LectureClaim.model_validate(base | {"verdict": "wrong", "correction": "X"}).correction == "X"
    with pytest.raises(ValidationError, match="judged correct has no correction"):
        LectureClaim.model_validate(base | {"verdict": "correct", "correction": "X"})
    with pytest.raises(ValidationError, match="judged typo needs a correction"):
        LectureClaim.model_validate(base | {"verdict": "typo"})


def test_misreadings_are_wrong_corrections_of_a_claim_that_needs_one() -> None:
    base = {"slide": "S", "claim": "He et al. 2022", "source": "arXiv abstract page", "verdict": "imprecise"}
    claim = LectureClaim.model_validate(
        base | {"correction": "first posted in 2021", "misreadings": ["first posted in 2020"]}
    )
    assert claim.misreadings == ["first posted in 2020"]
    assert LectureClaim.model_validate(base | {"correction": "2021"}).misreadings == []
    with pytest.raises(ValidationError, match="a claim judged correct has none") as caught:
        LectureClaim.model_validate(base | {"verdict": "correct", "misreadings": ["first posted in 2020"]})
    assert [e["type"] for e in caught.value.errors()] == ["KB108"]
    with pytest.raises(ValidationError, match="at most 6 items"):
        LectureClaim.model_validate(base | {"correction": "2021", "misreadings": [f"m{i}" for i in range(7)]})


VOCABULARY = {
    "id": "target",
    "kind": "vocabulary",
    "name": "Prediction target",
    "summary": "What the output is compared with.",
    "values": [
        {"id": "raw-pixels", "name": "raw pixels", "definition": "The pixels."},
        {"id": "text-tokens", "name": "text tokens", "definition": "The tokens.", "source": "BERT"},
    ],
}


def test_vocabulary_records() -> None:
    vocabulary = RECORD_ADAPTER.validate_python(VOCABULARY)
    assert isinstance(vocabulary, Vocabulary)
    assert [v.id for v in vocabulary.values] == ["raw-pixels", "text-tokens"]
    assert record_year(vocabulary) is None and schema.FOLDERS["vocabulary"] == "vocabularies"
    assert schema.record_page("vocabulary", "target") == "vocabularies/target.md"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"id": "pretext"},
            "'pretext' is not a design facet's vocabulary; expected one of collapse-prevention, ",
        ),
        ({"id": "collapse_prevention"}, "String should match pattern"),  # the vocabulary id is kebab-case
        (
            {"values": [*VOCABULARY["values"], {"id": "raw-pixels", "name": "pixels", "definition": "d"}]},
            "value\\(s\\) listed twice: raw-pixels",
        ),
        ({"values": []}, "at least 1 item"),
        ({"values": [{"id": "raw-pixels", "name": "raw pixels"}]}, "definition"),
    ],
)
def test_vocabulary_rules(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Vocabulary.model_validate(VOCABULARY | change)


def test_vocabulary_rules_are_kb108() -> None:
    for change in ({"id": "pretext"}, {"values": VOCABULARY["values"] * 2}):
        with pytest.raises(ValidationError) as caught:
            Vocabulary.model_validate(VOCABULARY | change)
        assert [e["type"] for e in caught.value.errors()] == ["KB108"]


def test_record_level_rules() -> None:
    method = {
        "id": "mae",
        "kind": "method",
        "name": "MAE",
        "summary": "s",
        "family": "mim",
        "modalities": ["image"],
        "paper": PAPER,
    }
    record = Method.model_validate(method)
    assert record.year == 2021 and record_year(record) == 2021
    with pytest.raises(ValidationError, match="duplicate entry 'x'"):
        Method.model_validate(method | {"topics": ["x", "x"]})
    with pytest.raises(ValidationError, match="sources names unknown field"):
        Method.model_validate(method | {"sources": {"colour": "s"}})
    assert Method.model_validate(method | {"sources": {"backbone": "Table 1"}}).sources == {
        "backbone": "Table 1"
    }
    with pytest.raises(ValidationError, match="at least 1 item"):
        Method.model_validate(method | {"modalities": []})
    with pytest.raises(ValidationError):
        record.name = "changed"  # type: ignore[misc]


def test_record_year_of_each_kind() -> None:
    concept = MODELS["concept"].model_validate(
        {"id": "em", "kind": "concept", "name": "EM", "summary": "s", "year": 1977}
    )
    assert record_year(concept) == 1977  # type: ignore[arg-type]
    undated = MODELS["metric"].model_validate(
        {"id": "acc", "kind": "metric", "name": "acc", "summary": "s", "higher_is_better": True, "unit": "%"}
    )
    assert record_year(undated) is None  # type: ignore[arg-type]


def test_ids_are_kebab_case() -> None:
    good, bad = ["mae", "vit-b-16", "a1"], ["MAE", "vit_b", "-x", "x-", "a--b", "a.b", "a/b", "", "x" * 65]
    for rid in good:
        MODELS["concept"].model_validate({"id": rid, "kind": "concept", "name": "n", "summary": "s"})
    for rid in bad:
        with pytest.raises(ValidationError):
            MODELS["concept"].model_validate({"id": rid, "kind": "concept", "name": "n", "summary": "s"})


def test_no_model_is_also_a_table() -> None:
    for model in MODELS.values():
        assert not hasattr(model, "__table__")
    assert not any(name.endswith("Row") for name in dir(schema))
