"""`ssl-kb build`: stages, --check, failures that leave the previous site intact."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssl_kb.cli import app
from ssl_kb.transaction import build_lock

DATA = Path(__file__).resolve().parents[1] / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "kb", tmp_path / "kb")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_build_writes_store_pages_and_site_then_check_is_clean(project: Path) -> None:
    result = _run("build", "--kb", str(project / "kb"))
    assert result.exit_code == 0, result.output
    assert "render with MkDocs" in result.output and "0 warning(s)" in result.output
    assert (project / "build" / "ssl-kb.sqlite").is_file()
    assert (project / "build" / "docs" / "methods" / "mae.md").is_file()
    assert (project / "site" / "methods" / "mae.html").is_file()
    assert (project / "site" / "downloads" / "ssl-kb.sqlite").read_bytes() == (
        project / "build" / "ssl-kb.sqlite"
    ).read_bytes()
    assert not list(project.glob(".site.*")) and not list((project / "build").glob(".docs.*"))
    check = _run("build", "--kb", str(project / "kb"), "--check")
    assert check.exit_code == 0, check.output


def test_check_lists_stale_pages_and_writes_nothing(project: Path) -> None:
    assert _run("build", "--kb", str(project / "kb")).exit_code == 0
    mae = project / "kb" / "methods" / "mae.yaml"
    mae.write_text(mae.read_text().replace("Masks 75% of the patches", "Hides 75% of the patches"))
    before = _snapshot(project / "build")
    result = _run("build", "--kb", str(project / "kb"), "--check")
    assert result.exit_code == 1
    assert "~ build/docs/methods/mae.md" in result.stdout
    assert "~ build/docs/downloads/ssl-kb.json" in result.stdout
    assert _snapshot(project / "build") == before


def test_invalid_kb_changes_nothing(project: Path) -> None:
    assert _run("build", "--kb", str(project / "kb")).exit_code == 0
    before = _snapshot(project / "site"), _snapshot(project / "build")
    (project / "kb" / "methods" / "mae.yaml").write_text("id: mae\nkind: method\nname: MAE\n")
    result = _run("build", "--kb", str(project / "kb"))
    assert result.exit_code == 1
    assert "KB101" in result.output
    assert (_snapshot(project / "site"), _snapshot(project / "build")) == before


def test_failed_mkdocs_build_leaves_the_previous_site(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ssl_kb.site import overviews

    assert _run("build", "--kb", str(project / "kb")).exit_code == 0
    before = _snapshot(project / "site")
    monkeypatch.setattr(overviews, "compare", lambda cat: "# Compare\n\n[broken](nowhere.md)\n")
    result = _run("build", "--kb", str(project / "kb"))
    assert result.exit_code == 1
    assert "nowhere.md" in result.output and "previous site" in result.output
    assert _snapshot(project / "site") == before
    assert not list(project.glob(".site.*"))


def test_out_option_and_busy_lock(project: Path) -> None:
    out = project / "public"
    assert _run("build", "--kb", str(project / "kb"), "--out", str(out)).exit_code == 0
    assert (out / "index.html").is_file() and not (project / "site").exists()
    with build_lock(project / "build"):
        result = _run("build", "--kb", str(project / "kb"))
    assert result.exit_code == 1 and "another ssl-kb build" in result.output


def test_cli_import_stays_light() -> None:
    code = "import sys, ssl_kb.cli; print(sorted(m for m in ('mkdocs', 'networkx', 'sqlalchemy', 'jinja2', 'torch') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
