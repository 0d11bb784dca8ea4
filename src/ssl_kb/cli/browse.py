"""Commands that check, browse and query the knowledge base."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from . import (
    URL_ENV,
    CheckFormat,
    GraphFormat,
    KbOption,
    ListFormat,
    ShowFormat,
    UrlOption,
    app,
    err,
    fail,
    get_project,
    print_json,
    table,
    user_errors,
)


@app.command()
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Only report problems in these files (checked against the whole KB)."),
    ] = None,
    kb: KbOption = None,
    fmt: Annotated[
        CheckFormat, typer.Option("--format", help="text, json, or github annotations.")
    ] = CheckFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Validate every record in kb/ and report all problems at once."""
    from ..diagnostics import failed, format_diagnostics
    from ..kb import load

    project = get_project(kb)
    if not project.kb_dir.is_dir():
        fail(f"no knowledge base at {project.kb_dir} (use --kb PATH)")
    selected = [p for p in paths or [] if p.suffix.lower() in (".yaml", ".yml")]  # .YAML: KB015
    if paths and not selected:
        return  # pre-commit passed only non-record files
    result = load(project.kb_dir, only=selected or None)
    output = format_diagnostics(result.diagnostics, fmt.value)
    if fmt is CheckFormat.json:
        typer.echo(output)
    elif output:
        err(output)
    n_err = sum(d.severity == "error" for d in result.diagnostics)
    n_warn = len(result.diagnostics) - n_err
    if failed(result.diagnostics, strict=strict):
        if fmt is CheckFormat.text:
            err(
                f"{n_err} error(s), {n_warn} warning(s) in {len({d.path for d in result.diagnostics})} file(s)"
            )
        raise typer.Exit(1)
    if fmt is CheckFormat.text:
        err(f"ok: {len(result.entries)} records" + (f", {n_warn} warning(s)" if n_warn else ""))


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    kb: KbOption = None,
) -> None:
    """Print the JSON Schema of a record, for editors (yaml-language-server)."""
    from ..output import guard_file, write_text
    from ..schema import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        with user_errors():
            write_text(guard_file(out, kb_dir=get_project(kb).kb_dir), text)
        err(f"wrote {out}")


@app.command()
def codes(fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text) -> None:
    """List every diagnostic code with its meaning and fix."""
    from ..diagnostics import CODES

    if fmt is ListFormat.json:
        print_json(
            [
                {"code": c.code, "title": c.title, "hint": c.hint, "severity": c.severity.value}
                for c in CODES.values()
            ]
        )
        return
    table(
        ["code", "severity", "problem", "fix"],
        [[c.code, c.severity.value, c.title, c.hint] for c in CODES.values()],
    )


# ---------------------------------------------------------------------------- browse


@app.command("list")
def list_(
    topic: Annotated[str | None, typer.Option("--topic", help="Only records of this topic.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="method, concept, topic, dataset or metric.")
    ] = None,
    kb: KbOption = None,
    url: UrlOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
) -> None:
    """List records (methods and concepts of a topic with --topic)."""
    from .. import queries

    with user_errors():
        engine = get_project(kb).open_store(url)
        if topic is not None:
            topics = [t.id for t in queries.topics_in_order(engine)]
            if topic not in topics:
                known = ", ".join(topics)
                fail(f"no topic {topic!r}; topics: {known}")
            rows = queries.records_by_topic(engine, topic, (kind,) if kind else queries.WORK_KINDS)
        else:
            rows = queries.record_rows(engine, (kind,) if kind else None)
    listed = [{"id": r.id, "kind": r.kind, "name": r.name, "year": r.year, "family": r.family} for r in rows]
    if fmt is ListFormat.json:
        print_json(listed)
        return
    table(["id", "kind", "name", "year", "family"], [list(r.values()) for r in listed])


@app.command()
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    kb: KbOption = None,
    url: UrlOption = None,
    fmt: Annotated[ShowFormat, typer.Option("--format")] = ShowFormat.text,
) -> None:
    """Show one record as a card (or json, yaml, bibtex)."""
    from ..card import card
    from ..citation import bibtex, cite_keys
    from ..errors import UnknownRecord
    from ..queries import papers
    from ..schema import Topic
    from ..store import records_from_store

    with user_errors():
        engine = get_project(kb).open_store(url)
        records = records_from_store(engine, [record_id])
        if record_id not in records:
            raise UnknownRecord(record_id)
        record = records[record_id]
        keys = cite_keys(papers(engine)) if fmt is ShowFormat.bibtex else {}
    data = record.model_dump(mode="json", exclude_defaults=True)
    data = {"id": data.pop("id"), "kind": data.pop("kind"), **data}
    if fmt is ShowFormat.json:
        print_json(data)
    elif fmt is ShowFormat.yaml:
        import yaml

        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), nl=False)
    elif fmt is ShowFormat.bibtex:
        paper = None if isinstance(record, Topic) else record.paper
        if paper is None:
            fail(f"{record_id} has no paper to cite")
        typer.echo(bibtex(record_id, paper, keys.get(record_id)), nl=False)
    else:
        from rich.console import Console

        Console().print(card(record))


@app.command()
def graph(
    record_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="Centre of the picture; the whole lineage without it."),
    ] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, max=20)] = 1,
    reduce: Annotated[
        bool, typer.Option("--reduce", help="Transitive reduction (readable overviews).")
    ] = False,
    kb: KbOption = None,
    url: UrlOption = None,
    fmt: Annotated[GraphFormat, typer.Option("--format")] = GraphFormat.text,
) -> None:
    """The lineage around a record (parents, children, up to --depth edges away)."""
    from .. import graph as lineage

    with user_errors():
        g = lineage.build(get_project(kb).open_store(url))
        sub = lineage.ego(g, record_id, depth) if record_id else g
    if reduce:
        sub = lineage.reduction(sub)
    if fmt is GraphFormat.text:
        for child, parent, data in sorted(sub.edges(data=True)):
            typer.echo(f"{child} --{data['type']}--> {parent}    # {data['reason']}")
        if not sub.number_of_edges():
            err(f"{record_id or 'the KB'} has no lineage edges within depth {depth}")
        return
    typer.echo(lineage.EXPORTS[fmt.value](sub), nl=False)


@app.command()
def path(
    source: Annotated[str, typer.Argument(metavar="FROM")],
    target: Annotated[str, typer.Argument(metavar="TO")],
    kb: KbOption = None,
    url: UrlOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
) -> None:
    """How one method leads to another through lineage edges."""
    from .. import graph as lineage

    with user_errors():
        g = lineage.build(get_project(kb).open_store(url))
        chain = lineage.path(g, source, target)
    if chain is None:
        fail(f"no lineage path between {source} and {target}")
    steps = []
    for later, earlier in zip(chain[1:], chain[:-1], strict=True):
        data = g.edges[later, earlier]
        steps.append({"from": earlier, "to": later, "type": data["type"], "reason": data["reason"]})
    if fmt is ListFormat.json:
        print_json({"path": chain, "steps": steps})
        return
    names = [f"{n} ({g.nodes[n].get('year') or '?'})" for n in chain]
    typer.echo(" -> ".join(names))
    for step in steps:
        typer.echo(f"  {step['to']} {step['type']} {step['from']}: {step['reason']}")


@app.command()
def timeline(
    kind: Annotated[str, typer.Option("--kind", help="Which records: method, concept or all.")] = "method",
    kb: KbOption = None,
    url: UrlOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
) -> None:
    """Records by year."""
    from .. import queries

    kinds = queries.WORK_KINDS if kind == "all" else (kind,)
    with user_errors():
        years = queries.records_by_year(get_project(kb).open_store(url), kinds)
    if fmt is ListFormat.json:
        print_json(
            {
                str(y): [{"id": r.id, "name": r.name, "family": r.family} for r in rows]
                for y, rows in years.items()
            }
        )
        return
    for year, rows in years.items():
        typer.echo(f"{year}  " + ", ".join(r.name for r in rows))


# ---------------------------------------------------------------------------- store


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
