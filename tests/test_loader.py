"""Loader: safe YAML into plain data with a mark per node; file-level problems (KB0xx)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.loader import MAX_BYTES, discover, parse_text, read_file

RECORD = """\
id: mae
kind: method
paper:
  title: Masked Autoencoders
  authors: [Kaiming He, Xinlei Chen]
results:
  - dataset: imagenet-1k
    value: 87.8
"""


def codes(doc) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.line, d.col, d.field) for d in doc.diagnostics]


def test_data_and_a_mark_for_every_node() -> None:
    doc = parse_text("x.yaml", RECORD)
    assert doc.diagnostics == []
    assert doc.data["paper"]["authors"] == ["Kaiming He", "Xinlei Chen"]
    assert doc.data["results"][0]["value"] == 87.8
    assert doc.marks[("id",)] == (1, 5)
    assert doc.marks[("paper",)] == (4, 3)
    assert doc.marks[("paper", "authors", 1)] == (5, 25)
    assert doc.marks[("results", 0)] == (7, 5)
    assert doc.marks[("results", 0, "value")] == (8, 12)
    assert doc.key_mark(("results", 0, "value")) == (8, 5)
    assert doc.mark(("results", 0, "missing", 3)) == (7, 5)  # closest ancestor with a mark
    assert doc.mark(()) == (1, 1)


def test_yaml_1_1_surprises_are_handled() -> None:
    doc = parse_text("x.yaml", "a: 1e-3\nb: 1.0e-3\nc: 2021-11-11\nd: '0.5'\ne: !!str 5\nf: null\ng: ~\n")
    assert doc.diagnostics == []
    assert doc.data == {
        "a": "1e-3",
        "b": 0.001,
        "c": "2021-11-11",
        "d": "0.5",
        "e": "5",
        "f": None,
        "g": None,
    }


def test_ambiguous_boolean_is_flagged_but_explicit_ones_are_not() -> None:
    doc = parse_text("x.yaml", "a: true\nb: false\nc: no\nlist: [on, 'yes']\n")
    assert codes(doc) == [("KB012", 3, 4, "c"), ("KB012", 4, 8, "list[0]")]
    assert doc.data == {"a": True, "b": False, "c": False, "list": [True, "yes"]}


def test_duplicate_key_in_a_nested_mapping() -> None:
    doc = parse_text("x.yaml", "results:\n  - value: 1\n    split: val\n    value: 2\n")
    assert codes(doc) == [("KB005", 4, 5, "results[0].value")]
    assert "first at line 2" in doc.diagnostics[0].message
    assert doc.data is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!python/object/apply:os.system [ls]\n", ("KB006", 1, 4, "a")),
        ("a: !!python/name:os.system ''\n", ("KB006", 1, 4, "a")),
        ("a: !custom {b: 1}\n", ("KB006", 1, 4, "a")),
        ("a: !!binary aGVsbG8=\n", ("KB006", 1, 4, "a")),
        ("a: 1\n---\nb: 2\n", ("KB009", 2, 1, "")),
        ("- 1\n- 2\n", ("KB009", 1, 1, "")),
        ("just text\n", ("KB009", 1, 1, "")),
        ("", ("KB009", 1, 1, "")),
        ("# only a comment\n\n", ("KB009", 1, 1, "")),
        ("\ufeffa: 1\n", ("KB010", 1, 1, "")),
        ("a:\n  b: 1\n \tc: 2\n", ("KB004", 3, 2, "")),
        ("a: [1, 2\nb: 3\n", ("KB003", 2, 2, "")),
        ("a: *nowhere\n", ("KB003", 1, 4, "")),
        ("1: a\n", ("KB013", 1, 1, "")),
        ("? [a, b]\n: c\n", ("KB013", 1, 3, "")),
        ("x: {null: 1}\n", ("KB013", 1, 5, "x")),
    ],
)
def test_file_level_problems(text: str, expected: tuple[str, int, int, str]) -> None:
    doc = parse_text("x.yaml", text)
    assert codes(doc) == [expected]
    assert doc.data is None


def test_alias_expansion_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    doc = parse_text("x.yaml", "\n".join(lines) + "\n")
    assert [d.code for d in doc.diagnostics] == ["KB007"]


def test_small_aliases_are_fine() -> None:
    doc = parse_text("x.yaml", "a: &v [1, 2]\nb: *v\n")
    assert doc.diagnostics == [] and doc.data == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("depth", [25, 999, 1001, 5000])
def test_nesting_is_bounded_without_recursion(depth: int) -> None:
    doc = parse_text("x.yaml", "a: " + "[" * depth + "]" * depth + "\n")
    assert [d.code for d in doc.diagnostics] == ["KB008"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_data_or_diagnostics_never_an_exception(text: str) -> None:
    doc = parse_text("x.yaml", text)
    blocking = [d for d in doc.diagnostics if d.code not in ("KB012", "KB014")]
    assert (doc.data is None) == bool(blocking)
    assert doc.data is None or isinstance(doc.data, dict)
    for d in doc.diagnostics:
        assert d.line >= 1 and d.col >= 1


# ---------------------------------------------------------------------------- files


def test_read_file_locates_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nname: caf\xe9\n")
    doc = read_file(path, tmp_path, "x.yaml")
    assert codes(doc) == [("KB001", 2, 10, "")]
    assert "0xe9" in doc.diagnostics[0].message


def test_size_limit_is_exact(tmp_path: Path) -> None:
    at_limit = tmp_path / "ok.yaml"
    body = "a: " + "x" * (MAX_BYTES - 4) + "\n"
    at_limit.write_text(body, encoding="utf-8")
    assert at_limit.stat().st_size == MAX_BYTES
    assert read_file(at_limit, tmp_path, "ok.yaml").diagnostics == []
    over = tmp_path / "big.yaml"
    over.write_text(body + "\n", encoding="utf-8")
    assert codes(read_file(over, tmp_path, "big.yaml")) == [("KB002", 1, 1, "")]


def test_symlinks_and_non_files_are_refused(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (tmp_path / "outside.yaml").write_text("a: 1\n", encoding="utf-8")
    (kb / "in.yaml").symlink_to(tmp_path / "outside.yaml")
    (kb / "dir.yaml").mkdir()
    doc = read_file(kb / "in.yaml", kb, "in.yaml")
    assert codes(doc) == [("KB011", 1, 1, "")] and "outside kb/" in doc.diagnostics[0].message
    assert codes(read_file(kb / "dir.yaml", kb, "dir.yaml")) == [("KB011", 1, 1, "")]


def test_unreadable_file_is_a_diagnostic(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    path.chmod(0)
    try:
        assert [d.code for d in read_file(path, tmp_path, "x.yaml").diagnostics] == ["KB001"]
    finally:
        path.chmod(0o644)


def test_discover_is_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for rel in (
        "b/z.yaml",
        "a/y.yml",
        "a/x.yaml",
        ".git/h.yaml",
        "a/.hidden.yaml",
        "a/notes.txt",
        "c/.d/e.yaml",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("a: 1\n", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == [
        "a/x.yaml",
        "a/y.yml",
        "b/z.yaml",
    ]
