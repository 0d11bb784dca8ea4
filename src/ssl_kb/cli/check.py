"""`ssl-kb check`: validate the knowledge base and report every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import CheckFormat, KbOption, app, err, fail, get_project


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
