"""The wheel is the product: built, installed in a fresh environment, it builds a site on its own.

The wheel is built from a copy of the sources (setuptools writes its own build/ folder beside
pyproject.toml, which in a checkout is ssl-kb's output folder) and installed into a new virtual
environment without network: ``--no-deps --no-index``, the dependencies coming from the
environment running the tests. ``ssl-kb build`` then runs from that environment on a copy of the
fixture KB outside the repository, with no PYTHONPATH: templates, theme and assets must come from
the package data, not from src/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "kb"


def clean_env() -> dict[str, str]:
    """The environment without anything that could point Python back at this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SSL_KB_", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel of this checkout installed (and nothing else)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = base / "wheels"
    built = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, ".",
        cwd=source,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = wheels.glob("ssl_kb-*.whl")

    env = base / "venv"
    made = run(sys.executable, "-m", "venv", "--system-site-packages", env, cwd=base)
    assert made.returncode == 0, made.stderr
    python = env / "bin" / "python"
    # The dependencies: the site-packages of the environment running the tests (a virtual
    # environment's own packages are not the "system" ones). A .pth line adds the folder after the
    # new environment's site-packages and runs none of its .pth files (so no editable install of
    # this checkout comes along).
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=base)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site.stdout.strip()) / "test-dependencies.pth").write_text(
        "".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8"
    )
    installed = run(python, "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=base)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return env


def test_the_installed_package_is_the_one_used(venv: Path, tmp_path: Path) -> None:
    where = run(venv / "bin" / "python", "-c", "import ssl_kb; print(ssl_kb.__file__)", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    path = Path(where.stdout.strip()).resolve()
    assert path.is_relative_to(venv.resolve()), path
    assert not path.is_relative_to(ROOT), path


def test_the_installed_command_builds_the_site_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project / "kb")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    built = run(venv / "bin" / "ssl-kb", "build", "--kb", "kb", cwd=project)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "Traceback" not in built.stderr
    assert (project / "site" / "index.html").is_file()
    assert (project / "build" / "ssl-kb.sqlite").is_file()
    assert (project / "quizzes" / "index.json").is_file()
    assert any((project / "site").rglob("*.css")), "the package's assets are missing from the site"
    check = run(venv / "bin" / "ssl-kb", "build", "--kb", "kb", "--check", cwd=project)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
