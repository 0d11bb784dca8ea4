"""The hostile battery: broken, wrong and malicious records against the whole command line.

Each case adds files to a copy of the built fixture project and asserts that:

- ``ssl-kb check`` reports exactly the expected errors (code and line:col) in those files,
  and exits 1;
- ``ssl-kb check``, ``ssl-kb db`` and ``ssl-kb build`` exit 1 without a traceback (in-process:
  no exception escapes the command);
- nothing already built (the SQLite store, build/docs, quizzes/, the site) changed.

A few of the nastiest cases also run through the real entry point in a subprocess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import Result

from ssl_kb.loader import MAX_BYTES, MAX_DEPTH, MAX_NODES

from .conftest import output_hashes, ssl_kb

PROBE = "kb/methods/probe.yaml"

# A valid method record that fits the fixture KB; every case below breaks one thing in it.
# Line numbers matter: the expectations name them.
BASE = """\
id: probe
kind: method
name: Probe
summary: A record for the hostile tests.
topics: [masked-predictions]
family: masked-image-modeling
paper:
  title: A Probe Paper
  authors: [Ada Lovelace]
  year: 2021
  arxiv: "2111.06377"
  source: arXiv abstract page
modalities: [image]
results:
  - dataset: imagenet-1k
    split: val
    task: image classification
    metric: top-1-accuracy
    value: 80.0
    protocol: fine-tune
    variant: ViT-B/16
    source: Table 1
lineage:
  - target: vit
    type: uses
    reason: a ViT encoder
"""


@dataclass(frozen=True)
class Link:
    """A symbolic link to ``target`` (``{outside}`` is a folder outside the project)."""

    target: str


@dataclass
class Case:
    name: str
    files: dict[str, bytes | str | Link]
    expect: list[tuple[str, str, int, int]]  # (path, code, line, col) of every error
    subprocess: bool = False  # also run through the real entry point
    notes: list[str] = field(default_factory=list)


def sub(old: str, new: str, text: str = BASE) -> str:
    """``text`` with ``old`` replaced once (``old`` must be there, or the case is wrong)."""
    assert text.count(old) == 1, f"{old!r} is not exactly once in the base record"
    return text.replace(old, new)


def drop_line(number: int, text: str = BASE) -> str:
    lines = text.splitlines(keepends=True)
    del lines[number - 1]
    return "".join(lines)


def insert_line(number: int, line: str, text: str = BASE) -> str:
    lines = text.splitlines(keepends=True)
    lines.insert(number - 1, line + "\n")
    return "".join(lines)


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def block_nesting(depth: int) -> str:
    body = "".join("  " * i + f"k{i}:\n" for i in range(depth))
    return (
        "id: probe\nkind: method\nnotes:\n" + "\n".join("  " + line for line in body.splitlines()) + " deep\n"
    )


CYCLE_TWO = sub("id: probe", "id: probe-two", sub("target: vit", "target: probe"))

CASES = [
    # --- reading the file ---
    Case(
        "yaml-syntax",
        {PROBE: sub("summary: A record for", "summary: A record: for")},
        [(PROBE, "KB003", 4, 18)],
    ),
    Case(
        "yaml-unclosed-flow",
        {PROBE: sub("topics: [masked-predictions]", "topics: [masked-predictions")},
        [(PROBE, "KB003", 6, 7)],
    ),
    Case("tab-indentation", {PROBE: sub("  authors:", "\tauthors:")}, [(PROBE, "KB004", 9, 1)]),
    Case("duplicate-key", {PROBE: insert_line(4, "name: Another")}, [(PROBE, "KB005", 4, 1)]),
    Case("duplicate-nested-key", {PROBE: insert_line(13, "  year: 2020")}, [(PROBE, "KB005", 13, 3)]),
    Case("empty-file", {PROBE: ""}, [(PROBE, "KB009", 1, 1)]),
    Case("comments-only", {PROBE: "# just a comment\n\n   \n"}, [(PROBE, "KB009", 1, 1)]),
    Case("top-level-list", {PROBE: "- id: probe\n- kind: method\n"}, [(PROBE, "KB009", 1, 1)]),
    Case("top-level-scalar", {PROBE: "just some text\n"}, [(PROBE, "KB009", 1, 1)]),
    Case("two-documents", {PROBE: BASE + "---\n" + BASE}, [(PROBE, "KB009", 27, 1)]),
    Case(
        "non-utf8-bytes",
        {PROBE: sub("name: Probe", "name: Pr\udcffbe").encode("utf-8", "surrogateescape")},
        [(PROBE, "KB001", 3, 9)],
        subprocess=True,
    ),
    Case(
        "latin-1-file",
        {PROBE: sub("name: Probe", "name: Probé").encode("latin-1")},
        [(PROBE, "KB001", 3, 11)],
    ),
    Case("byte-order-mark", {PROBE: "\ufeff" + BASE}, [(PROBE, "KB010", 1, 1)]),
    Case("nul-byte", {PROBE: sub("name: Probe", "name: Pro\0be")}, [(PROBE, "KB001", 3, 10)]),
    Case(
        "python-object-tag",
        {PROBE: sub("name: Probe", 'name: !!python/object/apply:os.system ["touch pwned"]')},
        [(PROBE, "KB006", 3, 7)],
        subprocess=True,
    ),
    Case(
        "python-object-mapping",
        {PROBE: sub("paper:\n", "paper: !!python/object:subprocess.Popen\n")},
        [(PROBE, "KB006", 7, 8)],
    ),
    Case(
        "python-name-tag",
        {PROBE: sub("name: Probe", "name: !!python/name:os.system")},
        [(PROBE, "KB006", 3, 7)],
    ),
    Case("local-tag", {PROBE: sub("name: Probe", "name: !include /etc/passwd")}, [(PROBE, "KB006", 3, 7)]),
    Case("binary-tag", {PROBE: sub("name: Probe", "name: !!binary aGVsbG8=")}, [(PROBE, "KB006", 3, 7)]),
    Case(
        "alias-bomb", {PROBE: billion_laughs()}, [(PROBE, "KB007", 5, 11)], subprocess=True
    ),  # at the alias that crosses the limit
    Case(
        "alias-fan-out",
        {
            PROBE: sub(
                "notes",
                "notes",
                BASE
                + "x: &x ["
                + ",".join(["1"] * 100)
                + "]\nnotes: ["
                + ",".join(["*x"] * (MAX_NODES // 100 + 1))
                + "]\n",
            )
        },
        [(PROBE, "KB007", 28, 9 + 3 * 196)],
    ),  # the 197th alias: 60 + 197 * 101 nodes > MAX_NODES
    Case(
        "deep-block-nesting",
        {PROBE: block_nesting(MAX_DEPTH + 5)},
        [(PROBE, "KB008", 3 + MAX_DEPTH, 2 * MAX_DEPTH + 1)],
    ),
    Case(
        "deep-flow-nesting",
        {PROBE: "notes: " + "[" * 100 + "]" * 100 + "\n"},
        [(PROBE, "KB008", 1, 8 + MAX_DEPTH - 1)],
    ),  # the root mapping is level 1
    # libyaml's own limit (1000 levels) stops the scanner first: reported where it stopped
    Case(
        "deep-flow-nesting-2000",
        {PROBE: "notes: " + "[" * 2000 + "]" * 2000 + "\n"},
        [(PROBE, "KB008", 1, 1007)],
    ),
    Case(
        "file-of-20-mb",
        {PROBE: BASE + "notes:\n" + ("  - " + "x" * 1000 + "\n") * 20_000},
        [(PROBE, "KB002", 1, 1)],
        subprocess=True,
    ),
    Case("collection-as-key", {PROBE: insert_line(4, "? [a, b]\n: c")}, [(PROBE, "KB013", 4, 3)]),
    Case("number-as-key", {PROBE: insert_line(4, "1: one")}, [(PROBE, "KB013", 4, 1)]),
    Case(
        "yaml-1.1-boolean",
        {PROBE: sub("name: Probe", "name: no")},
        [(PROBE, "KB012", 3, 7), (PROBE, "KB102", 3, 7)],
    ),
    Case("merge-key", {PROBE: insert_line(4, "<<: {full_name: Merged}")}, [(PROBE, "KB003", 4, 1)]),
    Case(
        "symlink-outside-kb",
        {PROBE: Link("{outside}/secret.yaml")},
        [(PROBE, "KB011", 1, 1)],
        subprocess=True,
    ),
    Case("symlink-inside-kb", {PROBE: Link("mae.yaml")}, [(PROBE, "KB011", 1, 1)]),
    Case(
        "linked-folder",
        {"kb/methods/elsewhere": Link("{outside}")},
        [("kb/methods/elsewhere", "KB011", 1, 1)],
    ),
    # --- one record against the schema ---
    Case("unknown-field", {PROBE: insert_line(4, "colour: red")}, [(PROBE, "KB100", 4, 1)]),
    Case("unknown-nested-field", {PROBE: insert_line(9, "  titel: A Probe Paper")}, [(PROBE, "KB100", 9, 3)]),
    Case("missing-summary", {PROBE: drop_line(4)}, [(PROBE, "KB101", 1, 1)]),
    Case("missing-kind", {PROBE: drop_line(2)}, [(PROBE, "KB101", 1, 1)]),
    Case("missing-paper-source", {PROBE: drop_line(12)}, [(PROBE, "KB101", 8, 3)]),
    Case("unknown-kind", {PROBE: sub("kind: method", "kind: paper")}, [(PROBE, "KB107", 2, 7)]),
    Case("year-as-text", {PROBE: sub("year: 2021", 'year: "2021"')}, [(PROBE, "KB102", 10, 9)]),
    Case("year-as-date", {PROBE: sub("year: 2021", "year: 2021-11-11")}, [(PROBE, "KB102", 10, 9)]),
    Case(
        "authors-as-text",
        {PROBE: sub("authors: [Ada Lovelace]", "authors: Ada Lovelace")},
        [(PROBE, "KB102", 9, 12)],
    ),
    Case(
        "modalities-as-text",
        {PROBE: sub("modalities: [image]", "modalities: image")},
        [(PROBE, "KB102", 13, 13)],
    ),
    Case("result-as-text", {PROBE: sub("value: 80.0", 'value: "80%"')}, [(PROBE, "KB102", 19, 12)]),
    Case("javascript-url", {PROBE: insert_line(12, "  url: javascript:alert(1)")}, [(PROBE, "KB102", 12, 8)]),
    Case("year-in-the-future", {PROBE: sub("year: 2021", "year: 2999")}, [(PROBE, "KB103", 10, 9)]),
    Case("year-before-1950", {PROBE: sub("year: 2021", "year: 1900")}, [(PROBE, "KB103", 10, 9)]),
    Case(
        "year-astronomical",
        {PROBE: sub("year: 2021", "year: 1000000000000000000000000000000")},
        [(PROBE, "KB103", 10, 9)],
    ),
    Case("negative-result", {PROBE: sub("value: 80.0", "value: -0.1")}, [(PROBE, "KB103", 19, 12)]),
    Case("percentage-above-100", {PROBE: sub("value: 80.0", "value: 150")}, [(PROBE, "KB103", 15, 5)]),
    Case("result-nan", {PROBE: sub("value: 80.0", "value: .nan")}, [(PROBE, "KB103", 19, 12)]),
    Case("result-infinite", {PROBE: sub("value: 80.0", "value: .inf")}, [(PROBE, "KB103", 19, 12)]),
    Case("id-with-slash", {PROBE: sub("id: probe", "id: methods/probe")}, [(PROBE, "KB104", 1, 5)]),
    Case("id-with-dot-dot", {PROBE: sub("id: probe", "id: ../../etc/passwd")}, [(PROBE, "KB104", 1, 5)]),
    Case("id-with-capitals", {PROBE: sub("id: probe", "id: Probe")}, [(PROBE, "KB104", 1, 5)]),
    Case("target-with-dot-dot", {PROBE: sub("target: vit", "target: ../vit")}, [(PROBE, "KB104", 24, 13)]),
    Case(
        "very-long-summary",
        {PROBE: sub("summary: A record for the hostile tests.", "summary: " + "very long " * 20_000)},
        [(PROBE, "KB105", 4, 10)],
    ),
    Case("very-long-id", {PROBE: sub("id: probe", "id: " + "a" * 10_000)}, [(PROBE, "KB105", 1, 5)]),
    Case(
        "very-long-author-list",
        {PROBE: sub("[Ada Lovelace]", "[" + ", ".join(f"Author {i}" for i in range(5000)) + "]")},
        [(PROBE, "KB105", 9, 12)],
    ),
    Case(
        "protocol-not-allowed",
        {PROBE: sub("protocol: fine-tune", "protocol: vibes")},
        [(PROBE, "KB106", 20, 15)],
    ),
    # --- characters no output can carry (any string), and that disguise ids and names ---
    Case(
        "json-surrogate-pair",
        {PROBE: sub("name: Probe", 'name: "MAE \\ud83d\\ude00"')},
        [(PROBE, "KB110", 3, 7)],
        subprocess=True,
    ),
    Case("lone-surrogate", {PROBE: sub("split: val", 'split: "val\\udc80"')}, [(PROBE, "KB110", 16, 12)]),
    Case("lone-surrogate-in-key", {PROBE: insert_line(4, '"\\ud800": x')}, [(PROBE, "KB110", 4, 1)]),
    Case(
        "noncharacter-fffe",
        {PROBE: sub("summary: A record for the hostile tests.", 'summary: "\\uFFFEA record"')},
        [(PROBE, "KB111", 4, 10)],
    ),
    Case(
        "noncharacter-ffff",
        {PROBE: sub("reason: a ViT encoder", 'reason: "\\uffff"')},
        [(PROBE, "KB111", 26, 13)],
    ),
    Case(
        "noncharacter-fdd0",
        {PROBE: sub("title: A Probe Paper", 'title: "A \\uFDD0 Paper"')},
        [(PROBE, "KB111", 8, 10)],
    ),
    Case(
        "noncharacter-astral",
        {PROBE: sub("source: Table 1", 'source: "Table \\U0010FFFF1"')},
        [(PROBE, "KB111", 22, 13)],
    ),
    Case("control-character", {PROBE: sub("name: Probe", 'name: "Pro\\abe"')}, [(PROBE, "KB112", 3, 7)]),
    Case(
        "terminal-escape-in-summary",
        {
            PROBE: sub(
                "summary: A record for the hostile tests.", 'summary: "\\x1b]0;pwned\\x07\\x1b[2JA record"'
            )
        },
        [(PROBE, "KB112", 4, 10)],
        subprocess=True,
    ),
    Case(
        "del-character", {PROBE: sub("variant: ViT-B/16", 'variant: "ViT\\x7f"')}, [(PROBE, "KB112", 21, 14)]
    ),
    Case("c1-control", {PROBE: sub("name: Probe", 'name: "Pro\\x9bbe"')}, [(PROBE, "KB112", 3, 7)]),
    Case("next-line-control", {PROBE: sub("name: Probe", 'name: "Pro\\Nbe"')}, [(PROBE, "KB112", 3, 7)]),
    Case("control-in-key", {PROBE: insert_line(4, '"col\\x1b[0mour": red')}, [(PROBE, "KB112", 4, 1)]),
    Case(
        "bidi-override-in-name", {PROBE: sub("name: Probe", 'name: "Pro\\u202ebe"')}, [(PROBE, "KB113", 3, 7)]
    ),
    Case(
        "raw-bidi-override-in-name",
        {PROBE: sub("name: Probe", "name: Pro\u202ebe")},
        [(PROBE, "KB113", 3, 7)],
    ),
    Case(
        "rlm-in-author",
        {PROBE: sub("[Ada Lovelace]", '["Ada \\u200fLovelace"]')},
        [(PROBE, "KB113", 9, 13)],
    ),
    Case(
        "isolate-in-title",
        {PROBE: sub("title: A Probe Paper", 'title: "A \\u2067Probe"')},
        [(PROBE, "KB113", 8, 10)],
    ),
    Case("zero-width-space-in-id", {PROBE: sub("id: probe", 'id: "pro\\u200bbe"')}, [(PROBE, "KB114", 1, 5)]),
    Case(
        "zero-width-joiner-in-alias",
        {PROBE: insert_line(4, 'aliases: ["Pro\\u200dbe"]')},
        [(PROBE, "KB114", 4, 11)],
    ),
    Case(
        "word-joiner-in-full-name",
        {PROBE: insert_line(4, 'full_name: "Pro\\u2060be"')},
        [(PROBE, "KB114", 4, 12)],
    ),
    Case("bom-inside-name", {PROBE: sub("name: Probe", 'name: "Pro\\uFEFFbe"')}, [(PROBE, "KB114", 3, 7)]),
    Case(
        "tag-characters-in-name",
        {PROBE: sub("name: Probe", 'name: "Probe\\U000E0069\\U000E0067\\U000E006E"')},
        [(PROBE, "KB114", 3, 7)],
    ),
    Case("arxiv-month-13", {PROBE: sub('"2111.06377"', '"2113.06377"')}, [(PROBE, "KB109", 11, 10)]),
    Case(
        "arxiv-five-digits-before-2015",
        {PROBE: sub('"2111.06377"', '"1406.12345"')},
        [(PROBE, "KB109", 11, 10)],
    ),
    Case(
        "arxiv-four-digits-after-2015",
        {PROBE: sub('"2111.06377"', '"2111.0637"')},
        [(PROBE, "KB109", 11, 10)],
    ),
    Case("arxiv-before-april-2007", {PROBE: sub('"2111.06377"', '"0612.1234"')}, [(PROBE, "KB109", 11, 10)]),
    Case("arxiv-with-prefix", {PROBE: sub('"2111.06377"', '"arXiv:2111.06377"')}, [(PROBE, "KB109", 11, 10)]),
    Case(
        "arxiv-url-injection",
        {PROBE: sub('"2111.06377"', '"2111.06377/../../x"')},
        [(PROBE, "KB109", 11, 10)],
    ),
    Case("arxiv-unquoted", {PROBE: sub('"2111.06377"', "2111.06377")}, [(PROBE, "KB102", 11, 10)]),
    # --- across records ---
    Case("id-differs-from-file", {PROBE: sub("id: probe", "id: probe-x")}, [(PROBE, "KB200", 1, 5)]),
    Case(
        "duplicate-id",
        {PROBE: BASE, "kb/methods/probe-copy.yaml": BASE},
        [("kb/methods/probe-copy.yaml", "KB200", 1, 5), (PROBE, "KB201", 1, 5)],
    ),  # probe-copy.yaml sorts first
    Case(
        "unknown-lineage-target",
        {PROBE: sub("target: vit", "target: no-such-method")},
        [(PROBE, "KB202", 24, 13)],
    ),
    Case("unknown-topic", {PROBE: sub("[masked-predictions]", "[no-such-topic]")}, [(PROBE, "KB203", 5, 10)]),
    Case("self-cycle", {PROBE: sub("target: vit", "target: probe")}, [(PROBE, "KB204", 24, 13)]),
    Case(
        "lineage-cycle",
        {PROBE: sub("target: vit", "target: probe-two"), "kb/methods/probe-two.yaml": CYCLE_TWO},
        [("kb/methods/probe-two.yaml", "KB204", 24, 13)],
    ),
    Case(
        "parent-newer-than-child",
        {
            PROBE: sub(
                "target: vit",
                "target: mae",
                sub("year: 2021", "year: 2020", sub('"2111.06377"', '"2010.11929"')),
            )
        },
        [(PROBE, "KB205", 24, 13)],
    ),
    Case(
        "arxiv-disagrees-with-year", {PROBE: sub('"2111.06377"', '"2011.06377"')}, [(PROBE, "KB206", 10, 9)]
    ),
    Case(
        "unknown-dataset",
        {PROBE: sub("dataset: imagenet-1k", "dataset: no-such-dataset")},
        [(PROBE, "KB207", 15, 14)],
    ),
    Case(
        "record-in-wrong-folder",
        {"kb/datasets/probe.yaml": BASE},
        [("kb/datasets/probe.yaml", "KB210", 2, 7)],
    ),
]


def place(project: Path, files: dict[str, bytes | str | Link], outside: Path) -> None:
    for rel, content in files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content.target.replace("{outside}", str(outside)))
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project with a valid-looking record in it (the symlinks' target)."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.yaml").write_text(BASE, encoding="utf-8")
    return folder


LOCATION = re.compile(
    r"^(?P<path>\S+):(?P<line>\d+):(?P<col>\d+): (?P<code>KB\d{3})(?P<warning> \(warning\))?", re.MULTILINE
)


def reported_errors(stderr: str) -> list[tuple[str, str, int, int]]:
    return sorted(
        (m["path"], m["code"], int(m["line"]), int(m["col"]))
        for m in LOCATION.finditer(stderr)
        if not m["warning"]
    )


def assert_clean_exit(result: Result, command: str) -> None:
    assert result.exit_code == 1, f"{command}: exit {result.exit_code}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{command} raised {result.exception!r}"
    )
    assert "Traceback" not in result.output


def test_the_base_record_is_valid(project: Path, cli: Callable[..., Result], outside: Path) -> None:
    place(project, {PROBE: BASE}, outside)
    result = cli("check", "--kb", "kb", cwd=project)
    assert result.exit_code == 0, result.output
    assert reported_errors(result.stderr) == []


def test_there_are_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_record_is_reported_and_nothing_changes(
    case: Case, project: Path, cli: Callable[..., Result], outside: Path
) -> None:
    before = output_hashes(project)
    assert before, "the built project has outputs to protect"
    place(project, case.files, outside)

    check = cli("check", "--kb", "kb", cwd=project)
    assert_clean_exit(check, "check")
    expected = sorted((path, code, line, col) for path, code, line, col in case.expect)
    got = [e for e in reported_errors(check.stderr) if e[0] in case.files]
    assert got == expected, check.stderr[:3000]
    assert [e for e in reported_errors(check.stderr) if e[0] not in case.files] == [], (
        "errors outside the case's files"
    )

    for command in (("db",), ("build",), ("quiz", "--write-bank")):
        result = cli(*command, "--kb", "kb", cwd=project)
        assert_clean_exit(result, " ".join(command))
        assert "problem" in result.stderr, result.stderr[-2000:]

    assert output_hashes(project) == before
    assert not (project / "pwned").exists()
    leftovers = [
        p.name for p in (project / "build").iterdir() if p.name.startswith(".") and p.name != ".ssl-kb.lock"
    ]
    assert leftovers == []


@pytest.mark.parametrize("case", [c for c in CASES if c.subprocess], ids=lambda c: c.name)
def test_real_entry_point_reports_without_traceback(case: Case, project: Path, outside: Path) -> None:
    before = output_hashes(project)
    place(project, case.files, outside)
    for command in (("check",), ("db",), ("build",)):
        proc = ssl_kb(*command, "--kb", "kb", cwd=project)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        if command == ("check",):
            assert [e for e in reported_errors(proc.stderr) if e[0] in case.files] == sorted(case.expect)
    assert output_hashes(project) == before
    assert not (project / "pwned").exists()


def test_all_problems_of_all_files_in_one_run(
    project: Path, cli: Callable[..., Result], outside: Path
) -> None:
    """Every broken file is reported in the same run; no case hides another."""
    cases = [c for c in CASES if not any(isinstance(v, Link) for v in c.files.values())]
    files: dict[str, bytes | str | Link] = {}
    for i, case in enumerate(cases):
        for rel, content in case.files.items():
            if rel == PROBE:
                files[f"kb/methods/case-{i:02d}.yaml"] = content
    place(project, files, outside)
    result = cli("check", "--kb", "kb", cwd=project)
    assert_clean_exit(result, "check")
    reported = {e[0] for e in reported_errors(result.stderr)}
    assert set(files) <= reported


def test_limits_are_explicit() -> None:
    """The limits are named constants, reported with their value."""
    assert MAX_BYTES <= 1024 * 1024 and MAX_DEPTH <= 64 and MAX_NODES <= 100_000
