"""tests/ mirrors src/ssl_kb/ (STYLE.md section 5): every module has its test file.

``src/ssl_kb/a/b.py`` is tested by ``tests/a/test_b.py``, a private ``_b.py`` by ``test_b.py``.
Package ``__init__.py`` files, ``__main__.py`` and the command line (``cli/``, tested by tests/cli
under its own names) are left out.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ssl_kb"
TESTS = ROOT / "tests"
EXEMPT_FILES = {"__init__.py", "__main__.py"}
EXEMPT_PACKAGES = {"cli"}


def mirrored(module: Path) -> Path:
    """The test file of ``module`` (a path under src/ssl_kb)."""
    rel = module.relative_to(PACKAGE)
    return TESTS.joinpath(*rel.parts[:-1], f"test_{module.stem.lstrip('_')}.py")


def modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if p.name not in EXEMPT_FILES and p.relative_to(PACKAGE).parts[0] not in EXEMPT_PACKAGES
    )


def test_the_mapping() -> None:
    assert mirrored(PACKAGE / "output.py") == TESTS / "test_output.py"
    assert mirrored(PACKAGE / "quiz" / "kinds" / "dates.py") == TESTS / "quiz" / "kinds" / "test_dates.py"
    assert mirrored(PACKAGE / "losses" / "_runner.py") == TESTS / "losses" / "test_runner.py"


def test_the_walk_sees_every_layer() -> None:
    found = {m.relative_to(PACKAGE).as_posix() for m in modules()}
    assert {"output.py", "quiz/kinds/base.py", "site/renderer.py", "losses/mae.py"} <= found
    assert not any(m.startswith("cli/") or m.endswith("__init__.py") for m in found)


def test_every_module_has_its_mirrored_test_file() -> None:
    missing = [
        f"{m.relative_to(PACKAGE).as_posix()} -> {mirrored(m).relative_to(ROOT).as_posix()}"
        for m in modules()
        if not mirrored(m).is_file()
    ]
    assert missing == []
