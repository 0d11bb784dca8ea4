"""Renderer: MkDocs on a tiny project: warnings collected, strict failures as RenderError, ports probed."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from ssl_kb.site.renderer import RenderError, check_port, render


def tiny(root: Path, page: str = "# Home\n") -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text(page)
    config = root / "mkdocs.yml"
    config.write_text("site_name: tiny\ndocs_dir: docs\n")
    return config


def test_render_builds_the_site_and_returns_no_warnings(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert render(tiny(tmp_path / "p"), site) == []
    assert "Home" in (site / "index.html").read_text()


def test_a_warning_fails_a_strict_build_and_is_kept(tmp_path: Path) -> None:
    config = tiny(tmp_path / "p", "# Home\n\n[broken](missing.md)\n")
    with pytest.raises(RenderError) as caught:
        render(config, tmp_path / "site")
    assert any("missing.md" in w for w in caught.value.warnings)


def test_a_lenient_build_returns_the_warnings(tmp_path: Path) -> None:
    config = tiny(tmp_path / "p", "# Home\n\n[broken](missing.md)\n")
    warnings = render(config, tmp_path / "site", strict=False)
    assert warnings and all(w.startswith(("warning: ", "error: ")) for w in warnings)
    assert (tmp_path / "site" / "index.html").is_file()


def test_a_missing_configuration_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="mkdocs build failed"):
        render(tmp_path / "none.yml", tmp_path / "site")


def test_mkdocs_logging_is_restored_afterwards(tmp_path: Path) -> None:
    logger = logging.getLogger("mkdocs")
    handlers, propagate = list(logger.handlers), logger.propagate
    render(tiny(tmp_path / "p"), tmp_path / "site")
    with pytest.raises(RenderError):
        render(tmp_path / "none.yml", tmp_path / "site2")
    assert logger.handlers == handlers and logger.propagate == propagate


def test_check_port_refuses_a_port_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OSError):
            check_port("127.0.0.1", port)
    check_port("127.0.0.1", 0)  # any free port
