"""`ssl-kb new`: a new record from the template of its kind, for a contributor to fill in."""

from __future__ import annotations

from typing import Annotated

import typer

from ..record_kinds import RecordKind
from . import KbOption, app, err, fail, get_project


@app.command()
def new(
    kind: Annotated[
        RecordKind,
        typer.Argument(metavar="KIND", help="method, concept, topic, dataset, metric or vocabulary."),
    ],
    record_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The new record's id: lowercase kebab-case, e.g. barlow-twins "
            "(a vocabulary's is its design facet's, e.g. target).",
        ),
    ],
    kb: KbOption = None,
) -> None:
    """Write a new record from the template of its kind (kb/<folder>/<ID>.yaml), to fill in."""
    from ..scaffold import ScaffoldError, create

    project = get_project(kb)
    if not project.kb_dir.is_dir():
        fail(f"no knowledge base at {project.kb_dir} (use --kb PATH)")
    try:
        path = create(project.kb_dir, kind.value, record_id)
    except ScaffoldError as exc:
        fail(str(exc))
    typer.echo(str(path))
    err(
        f"wrote {path}: replace every TODO (`ssl-kb check {path}` lists those left), "
        "then `ssl-kb diff main` to review the change"
    )
