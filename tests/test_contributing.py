"""The contributor workflow: CONTRIBUTING.md's walk works as written; the hooks and CI are wired up.

The walk test copies the repository's kb/ into a fresh git repository (branch ``main``) and runs
the `ssl-kb` and `git switch` commands of the walk block in order, writing the guide's filled-in
record at its "edit" step. The commands that need the whole real KB to be valid and built
(pytest, ``ssl-kb build``, ``ssl-kb quiz --check``) and the final commit are checked for presence
only: CI runs them on the real repository.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "CONTRIBUTING.md"


def walk_block() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    block = re.search(r"<!-- walk:start -->\s*```bash\n(.*?)```\s*<!-- walk:end -->", text, re.S)
    assert block, "CONTRIBUTING.md has no walk block"
    return [line.strip() for line in block[1].splitlines() if line.strip()]


def walk_record() -> tuple[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(r"<!-- walk:record (\S+) -->\s*```yaml\n(.*?)```", text, re.S)
    assert match, "CONTRIBUTING.md has no filled-in record for the walk"
    return match[1], match[2]


def walk_appends() -> list[tuple[str, str]]:
    """The vocabulary values the walk's record needs: (vocabulary path, YAML list items to append)."""
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(r"<!-- walk:append (\S+) -->\s*```yaml\n(.*?)```", text, re.S)


def command(line: str) -> list[str]:
    return shlex.split(line.split("  #")[0])


def test_walk_block_goes_from_new_to_a_pull_request() -> None:
    order = [
        "ssl-kb new",
        "ssl-kb check",
        "# edit",
        "ssl-kb check",
        "ssl-kb diff main",
        "pytest",
        "ssl-kb build",
        "ssl-kb quiz --check",
        "git commit",
    ]
    lines = walk_block()
    position = 0
    for step in order:
        found = next((i for i in range(position, len(lines)) if step in lines[i]), None)
        assert found is not None, f"the walk lacks {step!r} after line {position}"
        position = found + 1


def run(cwd: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    env.pop("SSL_KB_ROOT", None)
    if args[0] == "ssl-kb":
        args = [sys.executable, "-m", "ssl_kb", *args[1:]]
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_the_walk_works_as_written(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "kb", repo / "kb", symlinks=True)
    record_path, record_text = walk_record()
    (repo / record_path).unlink(missing_ok=True)  # the walk adds a record the KB does not have yet
    for args in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "base"],
    ):
        assert run(repo, args).returncode == 0

    edited = False
    checks = 0
    for line in walk_block():
        if line.startswith("# edit"):
            (repo / record_path).write_text(record_text, encoding="utf-8")
            for path, items in walk_appends():
                with (repo / path).open("a", encoding="utf-8") as vocabulary:
                    vocabulary.write(items)
            edited = True
            continue
        args = command(line)
        if args[:2] == ["git", "switch"] or (args[0] == "ssl-kb" and args[1] in ("new", "check", "diff")):
            proc = run(repo, args)
        else:
            continue  # pytest, build, quiz --check, git add/commit: see the module docstring
        if args[:2] == ["ssl-kb", "new"]:
            assert proc.returncode == 0, proc.stderr
            assert (repo / record_path).is_file()
            assert proc.stdout.strip().endswith(record_path)
        elif args[:2] == ["ssl-kb", "check"]:
            checks += 1
            if not edited:
                assert proc.returncode == 1, proc.stderr
                codes = set(re.findall(r": (KB\d{3}) ", proc.stderr))
                assert codes == {"KB014"}, proc.stderr
            else:
                assert proc.returncode == 0, proc.stderr
                assert "ok:" in proc.stderr and "warning" not in proc.stderr, proc.stderr
        elif args[:2] == ["ssl-kb", "diff"]:
            assert proc.returncode == 0, proc.stderr
            record_id = Path(record_path).stem
            assert f"+ {record_id} (method) {record_path.removeprefix('kb/')}" in proc.stdout, proc.stdout
        else:
            assert proc.returncode == 0, proc.stderr
    assert edited and checks == 2


def test_the_guides_record_is_the_template_filled_in() -> None:
    """The example has the template's header and only fields the template names."""
    from ssl_kb.scaffold import render

    record_path, record_text = walk_record()
    assert record_text.startswith("# yaml-language-server: $schema=../schema.json\n")
    template = yaml.safe_load(render("method", Path(record_path).stem).replace("TODO", "x"))
    assert set(yaml.safe_load(record_text)) <= set(template)


def test_the_guides_new_vocabulary_values_are_new_and_well_formed() -> None:
    """Each value the walk adds is a valid vocabulary value the KB lacks, and the record uses it."""
    from ssl_kb.design import FACET_BY_VOCABULARY, VocabularyValue

    record = yaml.safe_load(walk_record()[1])
    appends = walk_appends()
    assert appends, "the walk adds no vocabulary value"
    for path, items in appends:
        facet = FACET_BY_VOCABULARY[Path(path).stem]
        vocabulary = yaml.safe_load((REPO / path).read_text(encoding="utf-8"))
        for item in yaml.safe_load(items):
            value = VocabularyValue.model_validate(item)
            assert value.id not in {v["id"] for v in vocabulary["values"]}, (
                f"{value.id} is in {path} already: drop it from CONTRIBUTING.md's walk"
            )
            assert value.id in record["design"][facet.key]["value"], (path, value.id)


def test_pre_commit_config() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert {"ssl-kb-check", "ruff", "ruff-format", "yaml-syntax"} <= set(hooks)
    for hook in hooks.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        for key in ("files", "exclude"):
            if key in hook:
                re.compile(hook[key])
    check = hooks["ssl-kb-check"]
    assert check["entry"] == "ssl-kb check"
    assert re.search(check["files"], "kb/methods/mae.yaml") and not re.search(check["files"], "mkdocs.yml")
    assert re.search(hooks["yaml-syntax"]["exclude"], "kb/methods/mae.yaml")
    script = hooks["yaml-syntax"]["entry"].split()[-1]
    assert (REPO / script).is_file()


def test_yaml_syntax_hook(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text("plugins: [search]\nx: !!python/name:os.sep\n")
    bad.write_text("a: [b\n")
    script = REPO / "scripts" / "check_yaml_syntax.py"
    ok = subprocess.run([sys.executable, script, good], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    broken = subprocess.run([sys.executable, script, good, bad], capture_output=True, text=True, check=False)
    assert broken.returncode == 1 and broken.stderr.startswith(f"{bad}:2:1:")


def test_ci_workflow_runs_the_checks() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    steps = [s.get("run", "") for s in workflow["jobs"]["check"]["steps"]]
    script = "\n".join(steps)
    for needed in (
        "ssl-kb check --strict --format github",
        "pytest",
        "ssl-kb quiz --check",
        "ssl-kb build\n",
        "ssl-kb build --check",
        "ssl-kb diff",
        "ruff check",
        "ruff format --check",
    ):
        assert needed in script + "\n", needed
    assert script.index("ssl-kb quiz --check") < script.index("ssl-kb build\n"), (
        "the bank check must see the committed quizzes/"
    )


def test_pull_request_template_has_a_checklist() -> None:
    text = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    items = re.findall(r"^- \[ \] ", text, re.M)
    assert len(items) >= 8
    for needed in ("ssl-kb check", "ssl-kb diff main", "pytest", "ssl-kb build", "ssl-kb quiz --check"):
        assert needed in text
