"""Schema primitives: the field types, the typed errors and the base model every record model uses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from ssl_kb import schema, schema_base
from ssl_kb.schema_base import (
    MAX_YEAR,
    ArxivId,
    Name,
    RecordId,
    ShortText,
    Strict,
    Text,
    Year,
    problem,
)


def error_types(tp: Any, value: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(tp).validate_python(value)
    return [e["type"] for e in caught.value.errors()]


def test_problem_is_typed_by_its_code_and_keeps_its_message_as_written() -> None:
    error = problem("KB108", "a {placeholder} stays as written")
    assert error.type == "KB108"
    assert error.message() == "a {placeholder} stays as written"


@pytest.mark.parametrize("good", ["mae", "vit-b-16", "a1", "x" * 64])
def test_record_ids(good: str) -> None:
    assert TypeAdapter(RecordId).validate_python(good) == good


@pytest.mark.parametrize(
    ("bad", "types"),
    [
        ("MAE", ["string_pattern_mismatch"]),
        ("a--b", ["string_pattern_mismatch"]),
        ("mae\n", ["string_pattern_mismatch"]),  # `$` of the pattern is the very end, not before a newline
        ("x" * 65, ["string_too_long"]),
        ("mae\u202e", ["KB113"]),  # a bidi control gets its own code before the pattern (KB104)
        ("ma\u200be", ["KB114"]),
        (3, ["string_type"]),
    ],
)
def test_malformed_record_ids(bad: object, types: list[str]) -> None:
    assert error_types(RecordId, bad) == types


def test_text_is_stripped_and_refuses_control_characters() -> None:
    assert TypeAdapter(Text).validate_python("  a sentence \n") == "a sentence"
    assert error_types(Text, "") == ["string_too_short"]
    assert error_types(Text, "a\x00b") == ["KB112"]
    assert error_types(ShortText, "x" * 301) == ["string_too_long"]


def test_names_refuse_what_prose_may_hold() -> None:
    prose = "a\u200db"  # a zero-width joiner: fine in prose (emoji sequences), hidden in a name
    assert TypeAdapter(Text).validate_python(prose) == prose
    assert error_types(Name, prose) == ["KB114"]
    assert error_types(Name, "MAE\u202e") == ["KB113"]


def test_years() -> None:
    assert TypeAdapter(Year).validate_python(2021) == 2021
    assert TypeAdapter(Year).validate_python(MAX_YEAR) == MAX_YEAR
    assert error_types(Year, MAX_YEAR + 1) == ["KB103"]
    assert error_types(Year, 1949) == ["greater_than_equal"]
    assert error_types(Year, "2021") == ["int_type"]  # strict: a quoted year is not a year


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("2111.06377\n", "KB109"),
        ("2111.6377", "KB109"),
        ("2113.06377", "KB109"),
        ("0612.0001", "KB109"),
        (f"{(MAX_YEAR + 1) % 100:02d}01.00001", "KB103"),
    ],
)
def test_arxiv_ids(bad: str, code: str) -> None:
    assert TypeAdapter(ArxivId).validate_python("2111.06377v2") == "2111.06377v2"
    assert error_types(ArxivId, bad) == [code]


def test_strict_models_forbid_unknown_keys_and_are_frozen() -> None:
    class Probe(Strict):
        x: int

    assert Probe.model_validate({"x": 1}).x == 1
    assert error_types(Probe, {"x": 1, "y": 2}) == ["extra_forbidden"]
    with pytest.raises(ValidationError):
        Probe(x=1).x = 2  # type: ignore[misc]
    assert issubclass(Strict, BaseModel) and Strict.model_config["regex_engine"] == "rust-regex"


def test_schema_re_exports_the_primitives_unchanged() -> None:
    """Code that imports these names from ssl_kb.schema (as before the split) gets the same objects."""
    names = [
        "ID_PATTERN",
        "ID_RE",
        "MAX_LIST",
        "MAX_TEXT",
        "MAX_YEAR",
        "ArxivId",
        "EdgeType",
        "Modality",
        "Name",
        "Protocol",
        "RecordId",
        "ShortText",
        "Strict",
        "Text",
        "Title",
        "Verdict",
        "Year",
        "arxiv_year",
        "problem",
    ]
    for name in names:
        assert getattr(schema, name) is getattr(schema_base, name), name
