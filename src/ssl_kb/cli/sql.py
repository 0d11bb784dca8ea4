"""`ssl-kb sql`: a read-only SQL query on the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from . import KbOption, ListFormat, UrlOption, app, err, fail, get_project, print_json, table, user_errors

MAX_TIMEOUT_S = 86_400.0


@app.command()
def sql(
    query: Annotated[str, typer.Argument(metavar="QUERY")],
    url: UrlOption = None,
    kb: KbOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Stop the query after this long.")
    ] = 10.0,
    max_rows: Annotated[
        int,
        typer.Option("--max-rows", min=1, help="Print at most this many rows (says when there are more)."),
    ] = 1000,
) -> None:
    """Run a read-only SQL query on the store (tables: record, paper, result, lineage_edge, ...; views: method, ...).

    Read-only for real: statements that write or change state (INSERT, ATTACH, VACUUM, PRAGMA
    journal_mode, ...) are refused by the database. Ctrl-C stops a running query.
    """
    from sqlalchemy.exc import DBAPIError

    from ..sandbox import Query, QueryError, QueryFailed, QueryRefused, QueryStopped
    from ..store import engine_for, resolve_url, sqlite_path

    if not 0 < timeout <= MAX_TIMEOUT_S:  # also refuses nan
        fail(f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_S:g}, got {timeout}", 2)
    with user_errors():
        project = get_project(kb)
        target = resolve_url(url, project.store_url)
        path_ = sqlite_path(target)
        if path_ is not None and not path_.exists() and url is None:
            err(f"note: no store at {path_}; querying kb/ in memory (run `ssl-kb db` to write one)")
            engine = project.open_store(None)
        else:
            engine = engine_for(target, read_only=True)
        running = Query(engine, query, timeout_s=timeout, max_rows=max_rows)
        try:
            with _interrupt_on_ctrl_c(running):
                result = running.run()
        except QueryRefused as exc:
            fail(f"query refused: {exc} (ssl-kb sql is read-only)")
        except QueryStopped as exc:
            if exc.timed_out:
                fail(f"query stopped after {timeout:g} s (--timeout)")
            err("interrupted: query stopped")
            raise typer.Exit(130) from None
        except (QueryFailed, QueryError) as exc:
            fail(f"query failed: {exc}")
        except DBAPIError as exc:  # cannot connect
            fail(f"query failed: {str(exc.orig or exc).strip().splitlines()[0]}")
        finally:
            engine.dispose()
    if fmt is ListFormat.json:
        print_json([dict(zip(result.columns, row, strict=True)) for row in result.rows])
    else:
        table(result.columns, [list(r) for r in result.rows])
    if result.truncated:
        err(f"note: output truncated to the first {max_rows} rows (--max-rows)")


@contextmanager
def _interrupt_on_ctrl_c(query: Any) -> Iterator[None]:
    """While the block runs, Ctrl-C (SIGINT) stops ``query`` instead of waiting for it to finish."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: query.interrupt())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
