"""Renderer: runs MkDocs on the generated pages (the builder only renders; ssl-kb writes the Markdown).

MkDocs is imported here, lazily by the commands that need it, never at ``ssl_kb.cli`` import time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import RenderError as RenderError


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


@contextmanager
def _quiet_mkdocs() -> Iterator[_Collect]:
    """Collect MkDocs' warnings instead of letting them print on their own."""
    logger = logging.getLogger("mkdocs")
    handler = _Collect()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def render(config_file: Path, site_dir: Path, *, strict: bool = True) -> list[str]:
    """``mkdocs build [--strict]`` of ``config_file`` into ``site_dir``; returns the warnings.

    Raises :class:`RenderError` when MkDocs fails (in strict mode: when it warns at all).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with _quiet_mkdocs() as collected:
        try:
            config = load_config(config_file=str(config_file), site_dir=str(site_dir), strict=strict)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
        except (MkDocsException, SystemExit, OSError) as exc:
            raise RenderError(f"mkdocs build failed: {exc}", collected.messages) from exc
    return collected.messages


def check_port(host: str, port: int) -> None:
    """Raise OSError if ``host:port`` cannot be listened on now (in use, not allowed), before a build."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the preview server does
        probe.bind((host, port))


def serve(config_file: Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """``mkdocs serve`` on ``host:port`` (blocks until interrupted); MkDocs rebuilds when pages change."""
    from mkdocs.commands.serve import serve as mkdocs_serve

    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    mkdocs_serve(config_file=str(config_file), dev_addr=f"{host}:{port}", livereload=True)
