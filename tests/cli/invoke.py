"""Running ssl-kb in-process for the command tests: exit codes, stdout and stderr kept apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ssl_kb.cli import app

FIXTURE_KB = Path(__file__).resolve().parents[1] / "data" / "kb"
DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def run(*args: Any, code: int = 0, stdin: str | None = None, env: dict[str, str | None] | None = None) -> Any:
    """``ssl-kb ARGS``; asserts the exit code and that no traceback or stray exception came out.
    ``stdin`` is piped in (not a terminal); ``env`` sets variables for the call (None unsets one)."""
    result = CliRunner().invoke(app, [str(a) for a in args], input=stdin, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def kb_args() -> list[str]:
    return ["--kb", str(FIXTURE_KB)]


def invoke(*args: str) -> tuple[int, str, str]:
    """``ssl-kb ARGS`` without assertions on the exit code: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr
