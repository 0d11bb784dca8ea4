"""Tests of the ssl_kb.losses package: its literal __all__, its layout, and what it leaves out."""

from __future__ import annotations

import ast
from pathlib import Path

import ssl_kb.losses

PACKAGE = Path(ssl_kb.losses.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent


def _literal_all() -> list[str]:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "__all__":
            return list(ast.literal_eval(node.value))
    raise AssertionError("no literal __all__ in ssl_kb/losses/__init__.py")


def test_every_module_has_its_mirrored_test_file():
    # one test file per module: tests/losses/test_<name>.py for <name>.py and for a private _<name>.py,
    # test_init.py (this file) for the package itself
    modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    missing = [m for m in modules if not (TESTS / f"test_{m.strip('_') or 'init'}.py").is_file()]
    assert missing == [], f"modules without tests/losses/test_<name>.py: {missing}"


def test_the_literal_all_is_what_the_package_exports():
    names = _literal_all()
    assert len(names) == len(set(names))
    assert all(hasattr(ssl_kb.losses, name) for name in names)
    assert ssl_kb.losses.__all__ == names


def test_only_losses_and_their_helpers_are_exported():
    # the runner of `ssl-kb loss` and its inputs are tooling: a record must not be able to link them
    names = set(_literal_all())
    assert not names & {"run_loss", "available_losses", "measure_cpu_peak", "EXAMPLES", "rank_and_world_size"}
    assert all(getattr(ssl_kb.losses, n).__module__.rsplit(".", 1)[-1][0] != "_" for n in names)


def test_no_loss_module_keeps_an_examples_table():
    # the random inputs are one table in _examples.py, not spread over the loss modules
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        }
        assert ("EXAMPLES" in assigned) == (path.name == "_examples.py"), path.name
