"""`ssl-kb check`: every problem at once, in text, json and github formats.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .invoke import FIXTURE_KB, kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_check_ok() -> None:
    result = run("check", *kb_args())
    assert result.stdout == "" and result.stderr.strip() == "ok: 21 records"


def test_check_reports_problems_on_stderr_and_exits_1(broken_kb: Path) -> None:
    result = run("check", "--kb", broken_kb, code=1)
    assert result.stdout == ""
    first, hint, summary = result.stderr.strip().splitlines()
    assert first.endswith(
        "methods/mae.yaml:31:12: KB103 results[0].value: Input should be greater than or equal to 0 (got -0.1)"
    )
    assert hint.strip().startswith("hint: ")
    assert summary == "1 error(s), 0 warning(s) in 1 file(s)"


def test_check_json_goes_to_stdout(broken_kb: Path) -> None:
    data = json.loads(run("check", "--kb", broken_kb, "--format", "json", code=1).stdout)
    assert [(d["code"], d["line"], d["col"], d["field"]) for d in data] == [
        ("KB103", 31, 12, "results[0].value")
    ]
    assert json.loads(run("check", *kb_args(), "--format", "json").stdout) == []


def test_check_github_annotations(broken_kb: Path) -> None:
    result = run("check", "--kb", broken_kb, "--format", "github", code=1)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("::error file=") and ",line=31,col=12,title=KB103::" in line


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    kb = tmp_path / "w" / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    simclr = kb / "methods" / "simclr.yaml"
    simclr.write_text(
        simclr.read_text(encoding="utf-8").replace("notes: [Treated as a root in this fixture.]\n", ""),
        encoding="utf-8",
    )
    assert "1 warning(s)" in run("check", "--kb", kb).stderr
    assert "KB302 (warning)" in run("check", "--kb", kb, "--strict", code=1).stderr


def test_check_named_files_only(broken_kb: Path) -> None:
    run("check", "--kb", broken_kb, broken_kb / "methods" / "vit.yaml")
    run("check", "--kb", broken_kb, broken_kb / "methods" / "mae.yaml", code=1)
    run("check", "--kb", broken_kb, "README.md")  # not a record: nothing to check


def test_check_bad_kb_path(tmp_path: Path) -> None:
    result = run("check", "--kb", tmp_path / "nowhere", code=1)
    assert result.stderr.startswith("error: no knowledge base at ")
