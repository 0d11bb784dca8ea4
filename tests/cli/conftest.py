"""Fixtures of the command tests: an isolated working folder and a broken copy of the fixture KB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE_KB = Path(__file__).resolve().parents[1] / "data" / "kb"


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run each command from an empty folder with no store and no environment overrides."""
    monkeypatch.chdir(tmp_path)
    for name in ("SSL_KB_ROOT", "SSL_KB_DB_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def broken_kb(tmp_path: Path) -> Path:
    """A copy of the fixture KB whose MAE record has a negative result (KB102)."""
    dest = tmp_path / "broken" / "kb"
    shutil.copytree(FIXTURE_KB, dest)
    mae = dest / "methods" / "mae.yaml"
    mae.write_text(mae.read_text(encoding="utf-8").replace("value: 87.8", "value: -0.1"), encoding="utf-8")
    return dest
