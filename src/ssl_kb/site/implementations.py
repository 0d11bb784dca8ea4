"""Implementations: the reference loss functions' docstrings and source, read without importing torch.

A record names a loss by dotted path (``ssl_kb.losses.mae_loss``). The function is found by
parsing ``ssl_kb/losses/__init__.py`` (``from .mae import mae_loss``) and then the defining module
with :mod:`ast`; nothing is imported or executed. A missing module or function gives ``None``,
so the site builds while the losses are still being written.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LOSSES_DIR = Path(__file__).resolve().parents[1] / "losses"
PREFIX = "ssl_kb.losses."


@dataclass(frozen=True)
class Implementation:
    dotted: str  # ssl_kb.losses.mae_loss
    name: str  # mae_loss
    module: str  # ssl_kb.losses.mae
    path: str  # src/ssl_kb/losses/mae.py
    line: int
    signature: str
    docstring: str
    source: str


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None


def _exports(package: Path) -> dict[str, str]:
    """Name -> module stem, from ``from .module import name`` lines of the package's ``__init__``."""
    tree = _parse(package / "__init__.py")
    out: dict[str, str] = {}
    for node in tree.body if tree else []:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                out[alias.asname or alias.name] = node.module.split(".")[0]
    return out


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _function(tree: ast.Module, name: str) -> Definition | None:
    """The top-level function or class ``name`` (a module such as Flamingo's block is a class)."""
    for node in tree.body:
        if isinstance(node, Definition) and node.name == name:
            return node
    return None


@cache
def _find(dotted: str, package: Path) -> Implementation | None:
    if not dotted.startswith(PREFIX):
        return None
    name = dotted[len(PREFIX) :]
    stems = [
        _exports(package).get(name),
        *sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__"),
    ]
    for stem in stems:
        if stem is None:
            continue
        path = package / f"{stem}.py"
        tree = _parse(path)
        func = _function(tree, name) if tree else None
        if tree is None or func is None:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        start = min([d.lineno for d in func.decorator_list] + [func.lineno])
        end = func.end_lineno or func.lineno
        source = "\n".join(lines[start - 1 : end])
        head = (
            "\n".join(lines[func.lineno - 1 : func.body[0].lineno - 1]).strip()
            if func.body
            else lines[func.lineno - 1]
        )
        signature = re.sub(r",\s*\)", ")", re.sub(r"\(\s+", "(", " ".join(head.split()).rstrip(":")))
        return Implementation(
            dotted=dotted,
            name=name,
            module=f"{PREFIX}{stem}",
            path=f"src/ssl_kb/losses/{stem}.py",
            line=start,
            signature=signature,
            docstring=ast.get_docstring(func) or "",
            source=source,
        )
    return None


def find(dotted: str, package: Path | None = None) -> Implementation | None:
    """The implementation behind ``dotted`` (``ssl_kb.losses.<name>``), or None if it is not there (yet)."""
    return _find(dotted, Path(package or LOSSES_DIR))


def clear() -> None:
    """Forget parsed modules (``ssl-kb serve`` calls this before regenerating)."""
    _find.cache_clear()
