"""`ssl-kb show`: one record as a card, JSON, YAML or BibTeX."""

from __future__ import annotations

from typing import Annotated

import typer

from . import KbOption, ShowFormat, UrlOption, app, fail, get_project, print_json, user_errors


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
        paper = getattr(record, "paper", None)
        if paper is None:
            fail(f"{record_id} has no paper to cite")
        typer.echo(bibtex(record_id, paper, keys.get(record_id)), nl=False)
    else:
        from rich.console import Console

        Console().print(card(record))
