"""The layer order of STYLE.md, enforced on the imports of every module under src/ssl_kb (read with ast).

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "ssl_kb"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of everything ``path`` imports (``from a import b`` gives ``a`` and ``a.b``)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "__import__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.add(node.args[0].value)
    return out


MODULES = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def top(name: str) -> str:
    return name.split(".")[0]


def in_package(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def offenders(modules: dict[str, set[str]], forbidden) -> dict[str, list[str]]:
    found = {m: sorted(i for i in imported if forbidden(i)) for m, imported in modules.items()}
    return {m: bad for m, bad in found.items() if bad}


def test_import_parser_sees_relative_and_lazy_imports() -> None:
    graph_command = MODULES["ssl_kb.cli.graph"]
    assert (
        "ssl_kb.cli" in graph_command and "ssl_kb.graph" in graph_command
    )  # `from .. import graph` in a function
    assert "ssl_kb.diagnostics" in MODULES["ssl_kb.loader"]
    assert len(MODULES) > 20


def test_losses_stand_alone() -> None:
    losses = {m: i for m, i in MODULES.items() if in_package(m, "ssl_kb.losses")}
    assert losses
    allowed_third_party = {"torch", "numpy"}

    def forbidden(name: str) -> bool:
        if in_package(name, "ssl_kb"):
            return not in_package(name, "ssl_kb.losses")
        return (
            top(name) not in sys.stdlib_module_names
            and top(name) not in allowed_third_party
            and top(name) != "__future__"
        )

    assert offenders(losses, forbidden) == {}


def test_only_losses_import_torch() -> None:
    others = {m: i for m, i in MODULES.items() if not in_package(m, "ssl_kb.losses")}
    assert offenders(others, lambda name: top(name) == "torch") == {}


@pytest.mark.parametrize(
    "module", ["ssl_kb.schema", "ssl_kb.schema_base", "ssl_kb.design", "ssl_kb.loader", "ssl_kb.diagnostics"]
)
def test_front_of_the_pipeline_does_not_import_later_layers(module: str) -> None:
    later = (
        "ssl_kb.store",
        "ssl_kb.tables",
        "ssl_kb.queries",
        "ssl_kb.graph",
        "ssl_kb.site",
        "ssl_kb.quiz",
        "ssl_kb.cli",
    )
    assert offenders({module: MODULES[module]}, lambda name: in_package(name, *later)) == {}


def test_schema_primitives_sit_below_the_design_space_and_the_record_models() -> None:
    """schema_base -> design -> schema, never back: design can use the primitives without a cycle."""
    ours = {
        m: {i for i in MODULES[m] if in_package(i, "ssl_kb")} for m in ("ssl_kb.schema_base", "ssl_kb.design")
    }
    assert {top_module(i) for i in ours["ssl_kb.schema_base"]} <= {"ssl_kb", "ssl_kb.text"}
    assert {top_module(i) for i in ours["ssl_kb.design"]} <= {"ssl_kb", "ssl_kb.schema_base"}
    assert "ssl_kb.design" in {top_module(i) for i in MODULES["ssl_kb.schema"]}


def top_module(name: str) -> str:
    """``ssl_kb.schema_base.Text`` -> ``ssl_kb.schema_base``: the module part of an imported name."""
    parts = name.split(".")
    while parts and ".".join(parts) not in MODULES and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def test_store_does_not_import_its_readers() -> None:
    readers = ("ssl_kb.site", "ssl_kb.quiz", "ssl_kb.cli", "ssl_kb.graph")
    store = {m: MODULES[m] for m in ("ssl_kb.store", "ssl_kb.tables", "ssl_kb.queries")}
    assert offenders(store, lambda name: in_package(name, *readers)) == {}


def test_only_the_cli_imports_typer() -> None:
    others = {m: i for m, i in MODULES.items() if not in_package(m, "ssl_kb.cli")}
    assert offenders(others, lambda name: top(name) == "typer") == {}


LIBRARY = {
    p: p.read_text(encoding="utf-8")
    for p in sorted(PACKAGE.rglob("*.py"))
    if not in_package(module_name(p), "ssl_kb.cli") and module_name(p) != "ssl_kb.__main__"
}


def _calls(tree: ast.AST) -> set[str]:
    """Dotted names the code reads or calls: ``os.environ``, ``os.getenv``, ``print``, ``sys.stdout``..."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            found.add(node.func.id)
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "print"
        ):
            found.add("<obj>.print")
    return found


def test_only_the_cli_reads_the_environment_or_prints() -> None:
    """The library returns values and raises; argv, the environment, stdout and stderr are the CLI's.

    One use of ``os.environ`` stays outside: revision.py hands the environment on to the ``git``
    it runs (PATH, HOME), without reading a setting from it.
    """
    forbidden = {"os.environ", "os.getenv", "os.putenv", "print", "<obj>.print", "sys.stdout", "sys.stderr"}
    allowed = {("ssl_kb.revision", "os.environ")}
    bad = {
        module_name(path): sorted(
            name for name in _calls(ast.parse(text)) & forbidden if (module_name(path), name) not in allowed
        )
        for path, text in LIBRARY.items()
        if not in_package(module_name(path), "ssl_kb.losses")  # the losses' doctests print
    }
    assert {m: names for m, names in bad.items() if names} == {}
