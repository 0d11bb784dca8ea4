"""`ssl-kb list`: the records, or those of one topic.

The module is ``list_``, like the function: a module ``list`` would shadow the builtin in ``ssl_kb.cli``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import KbOption, ListFormat, UrlOption, app, fail, get_project, print_json, table, user_errors


@app.command("list")
def list_(
    topic: Annotated[str | None, typer.Option("--topic", help="Only records of this topic.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="method, concept, topic, dataset, metric or vocabulary.")
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
