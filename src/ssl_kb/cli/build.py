"""`ssl-kb build`: generate the course site and every other output from kb/, as one transaction.

The pipeline itself is :mod:`ssl_kb.build` (plan everything in memory, stage, render, swap in as
one transaction); this command adds the lock, progress on stderr and exit codes. MkDocs,
SQLAlchemy and networkx are imported inside it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import KbOption, app, err, fail, get_project, user_errors

if TYPE_CHECKING:
    from ..project import Project

OutOption = Annotated[
    Path | None, typer.Option("--out", help="Folder of the built site [default: ./site next to kb/].")
]


@app.command()
def build(
    kb: KbOption = None,
    out: OutOption = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="List stale generated files (store, build/, quizzes/, the site) and exit 1 if any; write nothing.",
        ),
    ] = False,
) -> None:
    """Generate the course site's pages from kb/ and build them with MkDocs (strict), as one transaction."""
    from .. import build as pipeline
    from ..errors import Busy

    project = get_project(kb)
    outputs = pipeline.Outputs.of(project, out)
    with user_errors():
        if check:
            _check(project, outputs)
            return
        try:
            with pipeline.lock(outputs):
                pipeline.recover_outputs(outputs)
                _build(project, outputs)
        except Busy as exc:
            fail(str(exc))


def _check(project: Project, outputs: Any) -> None:
    """List generated outputs that differ from what kb/ would generate now; exit 1 if any."""
    from .. import build as pipeline

    found = pipeline.stale(pipeline.plan(project), outputs)
    for change in found:
        typer.echo(str(change))
    if any(c.op == "interrupted" for c in found):
        fail("a build was interrupted while swapping its outputs in; run `ssl-kb build` to finish it")
    if found:
        fail(f"{len(found)} generated file(s) are stale; run `ssl-kb build`")
    err("ok: generated files are up to date")


def _build(project: Project, outputs: Any) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from .. import build as pipeline
    from ..diagnostics import format_diagnostics
    from ..site.renderer import RenderError

    stages = pipeline.STAGES
    started = clock = time.perf_counter()
    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(stages[0], total=len(stages))

        def done(i: int, note: str = "") -> None:
            nonlocal clock
            now = time.perf_counter()
            progress.console.print(f"[green]✓[/green] {stages[i]}{note} [dim]({now - clock:.2f} s)[/dim]")
            clock = now
            progress.update(task, advance=1, description=stages[min(i + 1, len(stages) - 1)])

        plan = pipeline.plan(project, done)
        if plan.warnings:
            progress.console.print(format_diagnostics(plan.warnings, "text"), markup=False, highlight=False)
        try:
            mkdocs_warnings = pipeline.write(plan, outputs, project, done)
        except RenderError as exc:
            progress.stop()
            for message in exc.warnings:
                err(message)
            fail(
                f"{exc}; the previous site in {outputs.show(outputs.site)} and every other output are unchanged"
            )
    seconds = time.perf_counter() - started
    err(
        f"built {plan.site.page_count} pages, {plan.site.questions} quiz questions, "
        f"{len(plan.warnings) + len(mkdocs_warnings)} warning(s) in {seconds:.1f} s -> {outputs.show(outputs.site)}"
    )
