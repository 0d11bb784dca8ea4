"""Property-based fuzzing of the front half (loader -> schema -> lint): any input gives diagnostics.

Random YAML documents, random text and bytes, and random mutations of the real records in kb/
and of the fixture records (byte flips, line deletions, key renames, value type swaps, tabs,
truncation, anchors and tags) are fed to :func:`ssl_kb.kb.load`. It must never raise: every
problem comes back as a diagnostic with a known code and a position inside the file.
Example counts are bounded so the whole module runs in well under a minute.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssl_kb.diagnostics import CODES, Diagnostic, format_diagnostics
from ssl_kb.kb import KnowledgeBase, load
from ssl_kb.loader import parse_text

from .conftest import FIXTURE_KB, REPO

RECORDS = sorted(p for p in (REPO / "kb").rglob("*.yaml")) + sorted(FIXTURE_KB.rglob("*.yaml"))
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FIELDS = [
    "id",
    "kind",
    "name",
    "summary",
    "topics",
    "paper",
    "year",
    "arxiv",
    "results",
    "lineage",
    "target",
    "value",
    "notes",
    "authors",
    "modalities",
    "family",
    "order",
    "points",
    "metrics",
    "unit",
]
SWAPS = [
    "[]",
    "{}",
    "null",
    "~",
    "0",
    "-1",
    "1e309",
    "-.inf",
    ".nan",
    "3.5",
    "99999999999999999999999",
    "yes",
    "no",
    "true",
    '"text"',
    "'x'",
    "2021-01-01",
    "0x1F",
    "0o17",
    "1_000",
    "12:30:00",
    "&a anchored",
    "*a",
    "*missing",
    "!!python/object:os.system {}",
    "!!binary aGk=",
    "!custom x",
    "[*a, *a]",
    "{a: [b, {c: d}]}",
    "|\n  block",
    ">-\n  folded",
    '"\\x00\\a\\u202e"',
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "? [a]\n: b",
    "<<: {a: b}",
    "= x",
    "- item",
    "@reserved",
    "`backtick",
    "%TAG ! tag:x,2000:",
]


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """A private copy of the fixture KB that the examples overwrite one file at a time."""
    with tempfile.TemporaryDirectory(prefix="ssl-kb-fuzz-") as tmp:
        kb = Path(tmp) / "kb"
        shutil.copytree(FIXTURE_KB, kb)
        yield kb


def check_diagnostics(result: KnowledgeBase, lines_of: dict[str, int] | None = None) -> None:
    for d in result.diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.code in CODES, d
        assert d.line >= 1 and d.col >= 1, d
        assert isinstance(d.message, str) and d.message, d
    for fmt in ("text", "json", "github"):
        format_diagnostics(result.diagnostics, fmt)


def load_with(kb: Path, rel: str, content: bytes) -> KnowledgeBase:
    """``load(kb)`` with ``rel`` replaced by ``content`` (restored afterwards)."""
    path = kb / rel
    original = path.read_bytes() if path.is_file() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    try:
        return load(kb)
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)


# ---------------------------------------------------------------------------- strategies

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
keys = st.sampled_from(FIELDS) | st.text(max_size=12)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def _record_like(draw: st.DrawFn) -> object:
    """A mapping shaped like a record: real field names with random values."""
    data = draw(st.dictionaries(st.sampled_from(FIELDS), documents, max_size=10))
    if draw(st.booleans()):
        data["kind"] = draw(st.sampled_from(["method", "concept", "topic", "dataset", "metric", "other"]))
    if draw(st.booleans()):
        data["id"] = draw(st.sampled_from(["probe", "mae", "../x", "a/b", ""]) | st.text(max_size=10))
    return data


record_like = st.composite(_record_like)()


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real record with one to four random mutations; returns its path inside kb/ and the bytes."""
    source = draw(st.sampled_from(RECORDS))
    root = FIXTURE_KB if FIXTURE_KB in source.parents else REPO / "kb"
    rel = source.relative_to(root).as_posix()
    data = source.read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return rel, data


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def flip_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if not buf:
            break
        buf[draw(st.integers(0, len(buf) - 1))] = draw(st.integers(0, 255))
    return bytes(buf)


def delete_lines(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    start = draw(st.integers(0, max(0, len(lines) - 1)))
    return b"\n".join(lines[:start] + lines[start + draw(st.integers(1, 5)) :])


def duplicate_line(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    return b"\n".join(lines[: i + 1] + lines[i : i + 1] + lines[i + 1 :])


_KEY = re.compile(rb"^(\s*(?:-\s+)?)([A-Za-z_]+):", re.MULTILINE)


def rename_key(draw: st.DrawFn, data: bytes) -> bytes:
    found = list(_KEY.finditer(data))
    if not found:
        return data
    match = draw(st.sampled_from(found))
    new = draw(st.sampled_from(FIELDS) | st.text(min_size=1, max_size=12)).encode("utf-8", "surrogatepass")
    return data[: match.start(2)] + new + data[match.end(2) :]


_VALUE = re.compile(rb"^(\s*(?:-\s+)?[A-Za-z_]+:[ \t]*)(.*)$", re.MULTILINE)


def swap_value(draw: st.DrawFn, data: bytes) -> bytes:
    found = list(_VALUE.finditer(data))
    if not found:
        return data
    match = draw(st.sampled_from(found))
    new = draw(st.sampled_from(SWAPS)).encode()
    return data[: match.start(2)] + new + data[match.end(2) :]


def reindent(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    prefix = draw(st.sampled_from([b"", b" ", b"  ", b"\t", b"    ", b"- "]))
    lines[i] = prefix + lines[i].lstrip(b" ")
    return b"\n".join(lines)


def truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def insert_text(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    piece = draw(
        st.sampled_from([s.encode() for s in SWAPS])
        | st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
    return data[:at] + piece + data[at:]


MUTATIONS = [
    flip_bytes,
    delete_lines,
    duplicate_line,
    rename_key,
    swap_value,
    reindent,
    truncate,
    insert_text,
]


# ---------------------------------------------------------------------------- properties


def test_there_are_real_records_to_mutate() -> None:
    assert len(RECORDS) >= 11


@SETTINGS
@given(rel_and_data=mutated())
def test_mutated_real_records_give_diagnostics(workspace: Path, rel_and_data: tuple[str, bytes]) -> None:
    rel, data = rel_and_data
    check_diagnostics(load_with(workspace, rel, data))


@SETTINGS
@given(doc=documents | record_like)
def test_random_yaml_documents_give_diagnostics(workspace: Path, doc: object) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    result = load_with(workspace, "methods/fuzz.yaml", text.encode("utf-8", "surrogatepass"))
    check_diagnostics(result)
    if not isinstance(doc, dict):
        assert any(d.path.endswith("fuzz.yaml") for d in result.diagnostics), "a non-mapping must be reported"


@settings(SETTINGS, max_examples=400)
@given(text=st.text(max_size=300))
def test_random_text_gives_diagnostics(text: str) -> None:
    doc = parse_text("fuzz.yaml", text)
    for d in doc.diagnostics:
        assert d.code in CODES and d.line >= 1 and d.col >= 1, d


@settings(SETTINGS, max_examples=60)
@given(data=st.binary(max_size=400))
def test_random_bytes_give_diagnostics(workspace: Path, data: bytes) -> None:
    check_diagnostics(load_with(workspace, "concepts/fuzz.yaml", data))


@settings(SETTINGS, max_examples=60)
@given(
    body=st.lists(
        st.sampled_from([*SWAPS, "&a [1, 2]", "*a", "- *a", "  - x", "k: v", "---", "..."]), max_size=12
    )
)
def test_yaml_features_give_diagnostics(workspace: Path, body: list[str]) -> None:
    text = "id: fuzz\nkind: method\n" + "\n".join(
        f"f{i}: {piece}" if i % 2 else piece for i, piece in enumerate(body)
    )
    check_diagnostics(load_with(workspace, "methods/fuzz.yaml", text.encode()))
