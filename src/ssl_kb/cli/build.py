"""Commands that build and preview the course site: ``ssl-kb build`` and ``ssl-kb serve``.

The pipeline itself is :mod:`ssl_kb.build` (plan everything in memory, stage, render, swap in as
one transaction); these commands add the lock, progress on stderr and exit codes. MkDocs,
SQLAlchemy and networkx are imported inside the commands.
"""

from __future__ import annotations

import threading
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
    from ..output import Busy

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


@app.command()
def serve(
    kb: KbOption = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Preview the site on 127.0.0.1; pages are regenerated when a record in kb/ changes."""
    from .. import build as pipeline
    from ..diagnostics import format_diagnostics
    from ..output import OutputError, guard_folder, sync_tree, with_marker, write_text
    from ..project import InvalidKB
    from ..site import implementations
    from ..site.renderer import check_port
    from ..site.renderer import serve as mkdocs_serve
    from ..store import memory_engine, store_bytes

    project = get_project(kb)
    outputs = pipeline.Outputs.of(project)
    docs = outputs.docs
    config_file = outputs.config
    lock = threading.Lock()

    def regenerate() -> None:
        with lock:
            implementations.clear()
            try:
                loaded = project.load()
            except InvalidKB as exc:
                err(format_diagnostics(exc.diagnostics, "text"))
                err("kb/ has problems; the preview keeps the last good pages")
                return
            paths = project.paths(loaded)
            engine = memory_engine(loaded.records.values(), paths)
            site, _ = pipeline.generate(engine, sqlite=store_bytes(loaded.records.values(), paths))
            try:
                for folder in (docs, outputs.theme):
                    guard_folder(folder, kb_dir=project.kb_dir, root=project.root, option="output")
                with pipeline.lock(outputs, wait=True):  # never beside a running `ssl-kb build`
                    pipeline.recover_outputs(outputs)
                    changes = sync_tree(with_marker(site.docs), docs)
                    sync_tree(with_marker(site.theme), outputs.theme)
                    write_text(config_file, site.config)
            except OutputError as exc:
                err(f"error: {exc}")
                return
            if changes:
                err(f"regenerated {len(changes)} page(s)")

    with user_errors():
        if not (project.root / "mkdocs.yml").is_file():
            fail(f"no MkDocs configuration at {project.root / 'mkdocs.yml'}")
        try:
            check_port("127.0.0.1", port)
        except OSError as exc:
            fail(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}; choose another --port")
        regenerate()
        if not config_file.is_file():
            fail("nothing to preview; fix the problems above first (`ssl-kb check`)")
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    class OnRecordChange(FileSystemEventHandler):
        timer: threading.Timer | None = None

        def on_any_event(self, event: FileSystemEvent) -> None:
            name = (
                str(event.dest_path or event.src_path) if hasattr(event, "dest_path") else str(event.src_path)
            )
            if event.event_type in ("opened", "closed_no_write") or not name.endswith((".yaml", ".yml")):
                return
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(0.3, regenerate)
            self.timer.daemon = True
            self.timer.start()

    observer = Observer()
    observer.schedule(OnRecordChange(), str(project.kb_dir), recursive=True)
    observer.start()
    err(f"watching {project.kb_dir} for changes; serving on http://127.0.0.1:{port}/")
    try:
        mkdocs_serve(config_file, port=port)
    finally:
        observer.stop()
        observer.join()
