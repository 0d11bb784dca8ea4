"""Commands that build and preview the course site: ``ssl-kb build`` and ``ssl-kb serve``.

Stages of a build: check kb/ -> write the SQLite store -> build the lineage graph -> generate the
pages (and quizzes/) -> write build/docs -> render with MkDocs into a staging folder that replaces
the site only on success. MkDocs, SQLAlchemy and networkx are imported inside the commands.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import KbOption, app, err, fail, get_project, user_errors

if TYPE_CHECKING:
    from ..project import Project
    from ..site import Site

SQLITE_DOWNLOAD = "downloads/ssl-kb.sqlite"
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Folder of the built site [default: ./site next to kb/].")
]


def _generate(engine: Any, graph: Any = None, *, sqlite: bytes | None) -> tuple[Site, dict[str, str]]:
    """The site's pages and the quizzes/ folder from one store, questions generated once."""
    from ..graph import build as build_graph
    from ..quiz.bank import bank_files
    from ..quiz.facts import Facts
    from ..site import generate
    from ..site.quiz import collect

    graph = build_graph(engine) if graph is None else graph
    facts = Facts.from_store(engine, graph)
    site = generate(engine, graph, questions=collect(facts), sqlite=sqlite)
    return site, bank_files(engine, graph, facts=facts)


def _store_bytes(project: Project, kb: Any) -> bytes:
    from ..store import write_store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ssl-kb.sqlite"
        write_store(kb.records.values(), f"sqlite:///{path}", project.paths(kb))
        return path.read_bytes()


def _store_dump(data: bytes) -> list[str]:
    """The SQL of an SQLite file, sorted (index order follows Python's string hashing, so the
    bytes of two equal stores written by different processes can differ)."""
    import sqlite3

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.sqlite"
        path.write_bytes(data)
        conn = sqlite3.connect(path)
        try:
            return sorted(conn.iterdump())
        finally:
            conn.close()


def _check(project: Project) -> None:
    """List generated files that differ from what the KB would generate now; exit 1 if any."""
    from ..output import stale
    from ..store import memory_engine

    kb = project.load()
    engine = memory_engine(kb.records.values(), project.paths(kb))
    site, quiz_files = _generate(engine, sqlite=_store_bytes(project, kb))
    build = project.build_dir
    current = build / "docs" / SQLITE_DOWNLOAD
    fresh = site.docs.get(SQLITE_DOWNLOAD)
    if (
        isinstance(fresh, bytes)
        and current.is_file()
        and _store_dump(current.read_bytes()) == _store_dump(fresh)
    ):
        site.docs[SQLITE_DOWNLOAD] = current.read_bytes()
    found = [
        f"{c[:2]}{(build / 'docs').relative_to(project.root).as_posix()}/{c[2:]}"
        for c in stale(site.docs, build / "docs")
    ]
    found += [f"{c[:2]}build/{c[2:]}" for c in stale({"mkdocs.yml": site.config}, build, exact=False)]
    found += [f"{c[:2]}build/theme/{c[2:]}" for c in stale(site.theme, build / "theme")]
    found += [f"{c[:2]}quizzes/{c[2:]}" for c in stale(quiz_files, project.quiz_dir)]
    for line in found:
        typer.echo(line)
    if found:
        err(f"{len(found)} generated file(s) are stale; run `ssl-kb build`")
        raise typer.Exit(1)
    err("ok: generated files are up to date")


@app.command()
def build(
    kb: KbOption = None,
    out: OutOption = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="List stale generated files (build/docs, quizzes/) and exit 1 if any; write nothing.",
        ),
    ] = False,
) -> None:
    """Generate the course site's pages from kb/ and build them with MkDocs (strict)."""
    from ..output import Busy, build_lock

    project = get_project(kb)
    with user_errors():
        if check:
            _check(project)
            return
        base = project.root / "mkdocs.yml"
        if not base.is_file():
            fail(f"no MkDocs configuration at {base}; the site's settings live there")
        site_dir = Path(out) if out is not None else project.site_dir
        try:
            with build_lock(project.build_dir, wait=False):
                _build(project, site_dir)
        except Busy as exc:
            fail(str(exc))


STAGES = (
    "check kb/",
    "write the store",
    "build the graph",
    "generate pages",
    "write build/docs",
    "render with MkDocs",
)


def _build(project: Project, site_dir: Path) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from ..diagnostics import Severity, format_diagnostics
    from ..output import replace_tree, staging, write_text

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
        task = progress.add_task(STAGES[0], total=len(STAGES))

        def done(i: int, note: str = "") -> None:
            nonlocal clock
            now = time.perf_counter()
            progress.console.print(f"[green]✓[/green] {STAGES[i]}{note} [dim]({now - clock:.2f} s)[/dim]")
            clock = now
            progress.update(task, advance=1, description=STAGES[min(i + 1, len(STAGES) - 1)])

        loaded = project.load()
        warnings = [d for d in loaded.diagnostics if d.severity is Severity.WARNING]
        if warnings:
            progress.console.print(format_diagnostics(warnings, "text"), markup=False, highlight=False)
        done(0, f": {len(loaded.records)} records")

        from ..store import engine_for, write_store

        store = project.build_dir / "ssl-kb.sqlite"
        write_store(loaded.records.values(), f"sqlite:///{store}", project.paths(loaded))
        done(1, f": {store.relative_to(project.root).as_posix()}")

        from ..graph import build as build_graph

        engine = engine_for(f"sqlite:///{store}", read_only=True)
        try:
            graph = build_graph(engine)
            done(2, f": {graph.number_of_nodes()} works, {graph.number_of_edges()} edges")
            site, quiz_files = _generate(engine, graph, sqlite=store.read_bytes())
        finally:
            engine.dispose()
        done(3, f": {site.page_count} pages, {site.questions} questions")

        replace_tree(site.docs, project.build_dir / "docs")
        replace_tree(site.theme, project.build_dir / "theme")
        write_text(project.build_dir / "mkdocs.yml", site.config)
        replace_tree(quiz_files, project.quiz_dir)
        done(4)

        from ..site.renderer import RenderError, render

        try:
            with staging(site_dir) as tmp:
                mkdocs_warnings = render(project.build_dir / "mkdocs.yml", tmp)
        except RenderError as exc:
            progress.stop()
            for message in exc.warnings:
                err(message)
            fail(f"{exc}; the previous site in {site_dir} is unchanged")
        done(5, f": {site_dir}")
    seconds = time.perf_counter() - started
    err(
        f"built {site.page_count} pages, {site.questions} quiz questions, "
        f"{len(warnings) + len(mkdocs_warnings)} warning(s) in {seconds:.1f} s -> {site_dir}"
    )


@app.command()
def serve(
    kb: KbOption = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Preview the site on 127.0.0.1; pages are regenerated when a record in kb/ changes."""
    from ..diagnostics import format_diagnostics
    from ..output import sync_tree, write_text
    from ..project import InvalidKB
    from ..site import implementations
    from ..site.renderer import check_port
    from ..site.renderer import serve as mkdocs_serve
    from ..store import memory_engine

    project = get_project(kb)
    docs = project.build_dir / "docs"
    config_file = project.build_dir / "mkdocs.yml"
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
            engine = memory_engine(loaded.records.values(), project.paths(loaded))
            site, _ = _generate(engine, sqlite=None)
            changes = sync_tree(site.docs, docs)
            sync_tree(site.theme, project.build_dir / "theme")
            write_text(config_file, site.config)
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
            fail("kb/ has problems; fix them before previewing (`ssl-kb check`)")
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
