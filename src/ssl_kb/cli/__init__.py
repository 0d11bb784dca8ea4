"""ssl-kb command line: the thin shell over the library (argv, environment, stdout/stderr, exit codes).

Data goes to stdout, messages to stderr. Exit codes: 0 ok, 1 a problem the user can fix
(diagnostics, stale output, wrong answers), 2 bad usage. Heavy modules (SQLAlchemy, networkx,
mkdocs, torch) are imported inside the commands that need them, so ``ssl-kb --help`` is fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

app = typer.Typer(
    name="ssl-kb",
    help="A verified knowledge base, course site and quizzes for self-supervised learning in vision.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

KB_ENV = "SSL_KB_ROOT"
URL_ENV = "SSL_KB_DB_URL"
KbOption = Annotated[
    Path | None,
    typer.Option(
        "--kb",
        envvar=KB_ENV,
        show_envvar=False,
        help="The knowledge base folder [default: ./kb or $SSL_KB_ROOT].",
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar=URL_ENV,
        show_envvar=False,
        help="SQLAlchemy URL of a store to read [default: build from kb/ in memory; or $SSL_KB_DB_URL].",
    ),
]


class ListFormat(StrEnum):
    text = "text"
    json = "json"


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


class ShowFormat(StrEnum):
    text = "text"
    json = "json"
    yaml = "yaml"
    bibtex = "bibtex"


class GraphFormat(StrEnum):
    text = "text"
    mermaid = "mermaid"
    dot = "dot"
    graphml = "graphml"
    json = "json"


def err(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err(f"error: {message}")
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the problems a user can fix (:class:`ssl_kb.errors.SslKbError`, and a database that
    cannot be read) into messages and exit status 1. Any other exception is a bug and keeps its
    traceback: a ``KeyError`` or ``FileNotFoundError`` from inside the library is never dressed up
    as a user error."""
    from ..diagnostics import format_diagnostics
    from ..errors import InvalidKB, SslKbError

    try:
        yield
    except InvalidKB as exc:
        err(format_diagnostics(exc.diagnostics, "text"))
        errors = len(exc.diagnostics)
        fail(f"the knowledge base has {errors} problem(s); fix them first (`ssl-kb check`)")
    except SslKbError as exc:
        fail(str(exc))
    except Exception as exc:
        if not _store_error(exc):
            raise
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        fail(f"cannot read the store: {message[0] if message else type(exc).__name__}")


def _store_error(exc: Exception) -> bool:
    """A database problem the user can fix (server down, wrong URL, no such table, missing driver)."""
    if "sqlalchemy" not in sys.modules:  # never import SQLAlchemy just to look at an exception
        return False
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    return isinstance(exc, DBAPIError | ArgumentError | NoSuchModuleError)


def get_project(kb: Path | None) -> Any:
    from ..project import Project

    return Project.locate(kb)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def table(columns: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(soft_wrap=False).print(table)


# Each command lives in the module named after it; importing the modules registers the commands on
# ``app``, in this order, which is the order of ``ssl-kb --help`` (so isort must leave it alone).
# isort: off
from . import check, schema, codes, list_, show, graph, timeline, db, sql  # noqa: E402,F401
from . import build, serve, new, diff, loss, quiz, progress  # noqa: E402,F401

# isort: on


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT), raised by :func:`main`'s handler instead of a plain KeyboardInterrupt.

    CPython remembers a plain KeyboardInterrupt that ends code run from a string (``exec`` of a
    string: dataclasses build their methods so while a module is imported) even when it is caught,
    and under ``python -m`` then kills the process with SIGINT at exit, whatever exit code was
    asked for (the caught interrupt's "exit 130" became "killed by SIGINT"). It checks the exact
    type, so a subclass is not remembered; ``except KeyboardInterrupt`` still catches it.
    """


def _interrupt(_signum: int, _frame: Any) -> None:
    raise Interrupted


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's notice about MkDocs 2, once per run
    import signal
    import threading

    ours = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler  # not if SIGINT is ignored
    )
    if ours:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        return app(args=argv, prog_name="ssl-kb")
    except KeyboardInterrupt:
        err("interrupted")
        sys.exit(130)
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)
