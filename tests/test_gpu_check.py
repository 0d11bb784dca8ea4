"""scripts/gpu-check.sh keeps working where it will run: a GPU machine with only torch, numpy, pytest and
hypothesis, no ssl_kb installed (PYTHONPATH=src). The script's dry run takes the same steps on the CPU at
toy sizes, here under a Python that cannot import the KB side's dependencies."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# What the GPU machine lacks: the KB side's dependencies and ssl_kb's modules other than ssl_kb.losses.
# (networkx, jinja2 and sympy are not blocked: torch itself depends on them, so they are there.)
BLOCKER = """
import importlib.abc
import sys

_BLOCKED = {
    "click", "genanki", "latex2mathml", "markdown", "material", "mkdocs", "platformdirs",
    "playwright", "psycopg", "pydantic", "pydantic_core", "pymdownx", "rich", "sqlalchemy",
    "sqlmodel", "typer", "yaml",
}


class _GpuMachine(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top, _, rest = name.partition(".")
        if top in _BLOCKED or (top == "ssl_kb" and rest and rest.split(".")[0] != "losses"):
            raise ModuleNotFoundError(f"No module named {name!r} (not on the GPU machine)", name=name)
        return None


sys.meta_path.insert(0, _GpuMachine())
"""


@pytest.fixture
def gpu_machine_env(tmp_path: Path) -> dict[str, str]:
    """Environment whose Python behaves like the GPU machine's: the blocker runs as sitecustomize."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OUT")}
    env |= {
        "PYTHONPATH": str(site),
        "PYTHON": sys.executable,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # plugins installed here are not there
        "OUT": str(tmp_path / "out"),
    }
    return env


def _python(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )


def _script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "scripts/gpu-check.sh", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_blocker_really_blocks(gpu_machine_env):
    env = {**gpu_machine_env, "PYTHONPATH": f"src{os.pathsep}{gpu_machine_env['PYTHONPATH']}"}
    for module in ("pydantic", "sqlmodel", "ssl_kb.cli", "ssl_kb.schema"):
        assert _python(env, f"import {module}").returncode != 0, module
    assert _python(env, "import ssl_kb.losses, torch").returncode == 0


@pytest.mark.slow
def test_dry_run_takes_every_step_with_only_torch(gpu_machine_env, tmp_path):
    proc = _script(gpu_machine_env, "--dry-run")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "gpu-check: exit 0 after " in proc.stdout
    out = tmp_path / "out"
    suite = ET.parse(out / "gpu-tests.xml").getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "0")) > 0
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    table = (out / "gpu-benchmark.md").read_text()
    for loss in ("info_nce", "clip_loss"):
        for dtype in ("bf16", "fp32"):
            assert f"| {loss} | {dtype} | 64 |" in table
    beyond = table.split("Beyond the dense path", 1)[1]
    assert "| info_nce |" in beyond and "| clip_loss |" in beyond


def test_unknown_option_is_a_usage_error(gpu_machine_env):
    proc = _script(gpu_machine_env, "--fast")
    assert proc.returncode == 2
    assert "usage: scripts/gpu-check.sh [--dry-run]" in proc.stderr
