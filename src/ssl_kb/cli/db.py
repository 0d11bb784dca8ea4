"""`ssl-kb db`: write the SQL store from kb/."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import URL_ENV, KbOption, app, err, fail, get_project, user_errors


@app.command()
def db(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            envvar=URL_ENV,
            show_envvar=False,
            help="SQLAlchemy URL [default: $SSL_KB_DB_URL or build/ssl-kb.sqlite next to kb/].",
        ),
    ] = None,
    kb: KbOption = None,
) -> None:
    """Write the store (embedded SQLite by default, or any SQLAlchemy URL) from kb/, atomically."""
    from ..store import ForeignDatabase, resolve_url

    project = get_project(kb)
    target = resolve_url(url, project.store_url)
    with user_errors():
        records = project.load()
        try:
            n = _write_store_locked(project, records, target)
        except ForeignDatabase as exc:
            fail(f"{exc}\n    hint: ssl-kb replaces only a store that it wrote")
        except Exception as exc:  # connection refused, missing driver...
            from sqlalchemy.exc import ArgumentError, OperationalError

            if isinstance(exc, OperationalError | ArgumentError | ModuleNotFoundError):
                fail(f"cannot write the store at {_redact(target)}: {str(exc).splitlines()[0]}")
            raise
    err(f"wrote {n} records to {_redact(target)}")


def _write_store_locked(project: Any, records: Any, target: str) -> int:
    """Write the store; a file in the project's build/ under the build lock, after recovery."""
    from .. import build as pipeline
    from ..store import sqlite_path, write_store

    outputs = pipeline.Outputs.of(project)
    path = sqlite_path(target)
    if path is not None and path.resolve().is_relative_to(project.kb_dir.resolve()):
        fail(f"--url {target}: the store would be written inside the knowledge base; write it outside kb/")
    if path is None or path.absolute() != outputs.store.absolute():
        return write_store(records.records.values(), target, project.paths(records))
    with pipeline.lock(outputs, wait=True):
        pipeline.recover_outputs(outputs)
        return write_store(records.records.values(), target, project.paths(records))


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
