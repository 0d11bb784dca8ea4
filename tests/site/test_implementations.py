"""Reading reference loss implementations with ast, without importing torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ssl_kb.site import implementations


def _package(tmp_path: Path) -> Path:
    pkg = tmp_path / "losses"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .alpha import alpha_loss\nfrom .gamma import *\n")
    (pkg / "alpha.py").write_text(
        "import torch\n\n\ndef helper():\n    pass\n\n\n"
        'def alpha_loss(\n    x,\n    *,\n    t=0.1,\n):\n    r"""Alpha loss.\n\n    Formula here.\n    """\n    return x\n'
    )
    (pkg / "beta.py").write_text("def beta_loss(x):\n    return x\n")
    (pkg / "delta.py").write_text(
        'import torch\n\n\nclass Block(torch.nn.Module):\n    """A gated block."""\n\n'
        "    def forward(self, x):\n        return x\n"
    )
    (pkg / "broken.py").write_text("def (:\n")
    return pkg


def test_finds_function_through_the_package_exports(tmp_path: Path) -> None:
    impl = implementations.find("ssl_kb.losses.alpha_loss", _package(tmp_path))
    assert impl is not None
    assert impl.module == "ssl_kb.losses.alpha" and impl.line == 8
    assert impl.docstring == "Alpha loss.\n\nFormula here."
    assert impl.signature == "def alpha_loss(x, *, t=0.1)"
    assert impl.source.startswith("def alpha_loss(") and impl.source.endswith("return x")


def test_falls_back_to_scanning_modules_and_tolerates_broken_ones(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    impl = implementations.find("ssl_kb.losses.beta_loss", pkg)
    assert impl is not None and impl.docstring == ""
    assert implementations.find("ssl_kb.losses.missing_loss", pkg) is None
    assert implementations.find("other.module.alpha_loss", pkg) is None


def test_finds_a_class(tmp_path: Path) -> None:
    impl = implementations.find("ssl_kb.losses.Block", _package(tmp_path))
    assert impl is not None and impl.module == "ssl_kb.losses.delta" and impl.line == 4
    assert impl.signature == "class Block(torch.nn.Module)"
    assert impl.docstring == "A gated block."
    assert impl.source.startswith("class Block(") and impl.source.endswith("return x")


def test_real_losses_are_read_without_importing_torch() -> None:
    code = (
        "import sys; from ssl_kb.site import implementations as i; "
        "impl = i.find('ssl_kb.losses.mae_loss'); "
        "print(impl is not None and 'mae' in impl.path, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "False"]
