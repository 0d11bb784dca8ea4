"""`ssl-kb graph` and `ssl-kb path`: the lineage around a record, and the way from one to another."""

from __future__ import annotations

from typing import Annotated

import typer

from . import (
    GraphFormat,
    KbOption,
    ListFormat,
    UrlOption,
    app,
    err,
    fail,
    get_project,
    print_json,
    user_errors,
)


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
