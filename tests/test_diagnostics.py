"""Diagnostics: the code table and the text / json / github renderings."""

from __future__ import annotations

import json
import re

from ssl_kb.diagnostics import (
    CODES,
    Diagnostic,
    Severity,
    code_for_error,
    failed,
    field_path,
    format_diagnostics,
    make,
)

ERROR = make(
    "kb/methods/dino.yaml", (14, 5), "KB103", "results[0].value", "Input should be greater than 0 (got -0.1)"
)
WARNING = make("kb/methods/a.yaml", (1, 1), "KB302", "lineage", "a has no lineage")


def test_code_table_is_well_formed() -> None:
    assert list(CODES) == sorted(CODES)
    for code, entry in CODES.items():
        assert re.fullmatch(r"KB\d{3}", code) and entry.code == code
        assert entry.title and entry.hint and not entry.hint.endswith(".")
        assert entry.severity is (Severity.WARNING if code.startswith("KB3") else Severity.ERROR)


def test_error_types_are_classified_by_the_table() -> None:
    listed = [kind for entry in CODES.values() for kind in entry.error_types]
    assert len(listed) == len(set(listed)), "an error type is listed under two codes"
    for code, entry in CODES.items():
        assert code_for_error(code) == code  # the errors ssl_kb.schema raises carry their code
        assert all(code_for_error(kind) == code for kind in entry.error_types)
    assert code_for_error("missing") == "KB101"
    assert code_for_error("greater_than_equal") == "KB103"
    assert code_for_error("int_type") == "KB102"  # any type no code lists is a wrong type


def test_field_path_is_written_as_a_contributor_writes_it() -> None:
    assert field_path(()) == ""
    assert field_path(("paper", "year")) == "paper.year"
    assert field_path(("results", 0, "value")) == "results[0].value"
    assert field_path((0, "a", 1, 2)) == "[0].a[1][2]"


def test_text_format_matches_the_house_style() -> None:
    assert format_diagnostics([ERROR], "text") == (
        "kb/methods/dino.yaml:14:5: KB103 results[0].value: Input should be greater than 0 (got -0.1)\n"
        f"    hint: {CODES['KB103'].hint}"
    )
    assert format_diagnostics([WARNING], "text").startswith(
        "kb/methods/a.yaml:1:1: KB302 (warning) lineage: "
    )
    no_field = make("x.yaml", (2, 3), "KB003", "", "bad")
    assert format_diagnostics([no_field], "text").splitlines()[0] == "x.yaml:2:3: KB003 bad"


def test_json_format_parses_and_keeps_every_field() -> None:
    data = json.loads(format_diagnostics([WARNING, ERROR], "json"))
    assert [d["code"] for d in data] == ["KB302", "KB103"]  # sorted by path, line, col
    assert data[1] == {
        "path": "kb/methods/dino.yaml",
        "line": 14,
        "col": 5,
        "code": "KB103",
        "field": "results[0].value",
        "message": "Input should be greater than 0 (got -0.1)",
        "severity": "error",
        "hint": CODES["KB103"].hint,
    }
    assert json.loads(format_diagnostics([], "json")) == []


def test_github_format_is_one_workflow_command_per_problem() -> None:
    lines = format_diagnostics([ERROR, WARNING], "github").splitlines()
    assert lines[0].startswith("::warning file=kb/methods/a.yaml,line=1,col=1,title=KB302::lineage: ")
    assert lines[1].startswith(
        "::error file=kb/methods/dino.yaml,line=14,col=5,title=KB103::results[0].value: "
    )
    tricky = Diagnostic("a,b:c.yaml", 1, 1, "KB003", "", "line one\nline two 100%")
    (line,) = format_diagnostics([tricky], "github").splitlines()
    assert "file=a%2Cb%3Ac.yaml," in line and line.endswith("::line one%0Aline two 100%25")


def test_failed_counts_warnings_only_when_strict() -> None:
    assert failed([ERROR]) and not failed([WARNING]) and failed([WARNING], strict=True) and not failed([])
