"""`ssl-kb serve`: preview the course site, regenerating pages when a record in kb/ changes.

MkDocs and watchdog are imported inside the command.
"""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from . import KbOption, app, err, fail, get_project, user_errors


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
