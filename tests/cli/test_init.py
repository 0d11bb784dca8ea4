"""ssl-kb itself: help, usage errors, and which exceptions become messages.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssl_kb.cli import app

from .invoke import kb_args, run

pytestmark = pytest.mark.usefixtures("isolated")


def test_help_lists_the_commands() -> None:
    out = run("--help").stdout
    for command in ("check", "schema", "codes", "list", "show", "graph", "path", "timeline", "db", "sql"):
        assert f"  {command} " in out


def test_no_arguments_shows_help_as_usage_error() -> None:
    result = run(code=2)
    assert "Usage:" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["check", "--format", "xml"],
        ["list", "--format", "yaml"],
        ["graph", "mae", "--depth", "0"],
        ["show"],
        ["path", "vit"],
        ["check", "--no-such-option"],
    ],
)
def test_bad_usage_exits_2(args: list[str]) -> None:
    result = run(*args, code=2)
    assert result.stdout == "" and result.stderr


def test_commands_refuse_an_invalid_kb(broken_kb: Path) -> None:
    result = run("show", "vit", "--kb", broken_kb, code=1)
    assert "KB103" in result.stderr and "fix them first" in result.stderr and result.stdout == ""


@pytest.mark.parametrize("args", [["show", "nope"], ["graph", "nope"], ["path", "vit", "nope"]])
def test_an_unknown_id_is_a_message_and_exit_1(args: list[str]) -> None:
    result = run(*args, *kb_args(), code=1)
    assert result.stderr == "error: no record with id 'nope' (see `ssl-kb list`)\n"


def test_a_key_error_inside_a_command_is_a_bug_with_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from ssl_kb import graph, store

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("type")  # a bug in a dict lookup, not an id the user gave

    monkeypatch.setattr(store, "records_from_store", broken)
    monkeypatch.setattr(graph, "ego", broken)
    for args in (["show", "mae"], ["graph", "mae"]):
        result = CliRunner().invoke(app, [*args, *kb_args()])
        assert type(result.exception) is KeyError, (args, repr(result.exception))
        assert "no record with id" not in result.stderr


def test_a_file_not_found_inside_a_command_is_a_bug_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ssl_kb import queries

    def broken(*_args: object, **_kwargs: object) -> None:
        raise FileNotFoundError("/tmp/some-cache-file")

    monkeypatch.setattr(queries, "record_rows", broken)
    result = CliRunner().invoke(app, ["list", *kb_args()])
    assert type(result.exception) is FileNotFoundError, repr(result.exception)
    assert "error:" not in result.stderr


def test_bad_kb_path_for_every_reading_command(tmp_path: Path) -> None:
    bad = ["--kb", str(tmp_path / "nowhere")]
    for args in (
        ["list"],
        ["show", "mae"],
        ["graph"],
        ["path", "vit", "mae"],
        ["timeline"],
        ["db"],
        ["sql", "SELECT 1"],
    ):
        result = run(*args, *bad, code=1)
        assert "no knowledge base" in result.stderr, args
