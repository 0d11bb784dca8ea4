"""`ssl-kb timeline`: records by year."""

from __future__ import annotations

from typing import Annotated

import typer

from . import KbOption, ListFormat, UrlOption, app, get_project, print_json, user_errors


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
