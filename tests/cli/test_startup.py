"""What starting the CLI costs, and the README's command examples checked against the real --help."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "mkdocs", "networkx", "sqlalchemy")

PROBE = """
import json, sys
{code}
print("\\n" + json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


def loaded_after(code: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code)], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_module() -> None:
    loaded = loaded_after("import ssl_kb.cli")
    assert "ssl_kb" in loaded and "typer" in loaded  # the probe does see imports
    assert sorted(loaded & set(HEAVY)) == []


def test_help_loads_no_heavy_module() -> None:
    code = "from ssl_kb.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert sorted(loaded_after(code) & set(HEAVY)) == []


# ---------------------------------------------------------------------------- README examples

INVOCATION = re.compile(r"(?:^|[\s`(])(?:[\w./-]*/)?ssl-kb(?=[\s`]|$)([^`#\n]*)")


def readme_invocations() -> list[tuple[int, list[str]]]:
    readme = REPO / "README.md"
    if not readme.is_file():
        pytest.fail("README.md is missing: its `ssl-kb ...` examples are tested against the real --help")
    out = []
    for lineno, line in enumerate(readme.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("# ") and "ssl-kb" in line.split()[1:2]:
            continue  # a Markdown title, not an invocation
        for match in INVOCATION.finditer(line):
            rest = re.split(r"\s(?:&&|\|\||;|\|)\s", match.group(1))[0]
            try:
                args = shlex.split(rest)
            except ValueError:
                args = rest.split()
            if args:
                out.append((lineno, args))
    return out


def help_text(*args: str) -> str:
    from typer.testing import CliRunner

    from ssl_kb.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def test_readme_examples_use_real_commands_and_options() -> None:
    invocations = readme_invocations()
    assert invocations, "README.md shows no `ssl-kb ...` command"
    commands = set(re.findall(r"^  ([a-z][a-z-]*)\s", help_text().split("Commands:", 1)[-1], flags=re.M))
    assert "check" in commands
    problems = []
    for lineno, args in invocations:
        command = args[0]
        if command.startswith("-"):
            if command not in help_text():
                problems.append(f"README.md:{lineno}: ssl-kb has no option {command}")
            continue
        if command not in commands:
            problems.append(f"README.md:{lineno}: ssl-kb has no command {command!r}")
            continue
        text = help_text(command)
        for arg in args[1:]:
            option = arg.split("=", 1)[0]
            if option.startswith("-") and not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
                problems.append(f"README.md:{lineno}: `ssl-kb {command}` has no option {option}")
    assert not problems, "\n".join(problems)
