"""Revision: the KB of a git revision, located, resolved and exported without touching the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ssl_kb.revision import RevisionError, UnsafeTree, export, locate, resolve

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def tree_of(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out


@pytest.fixture
def repo(tmp_path: Path, fixture_kb: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shutil.copytree(fixture_kb, root / "kb")
    (root / "README.md").write_text("not in the KB\n")
    commit_all(root, "first")
    return root


def test_locate_finds_the_top_and_the_kb_inside_it(repo: Path) -> None:
    top, rel = locate(repo / "kb")
    assert top.resolve() == repo.resolve() and rel == "kb"
    assert locate(repo / "kb" / "methods")[1] == "kb/methods"
    assert locate(repo)[1] == ""


def test_locate_outside_git_and_of_a_missing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kb").mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never find a repository above tmp
    with pytest.raises(RevisionError, match="not inside a git repository"):
        locate(tmp_path / "kb")
    with pytest.raises(RevisionError, match="no knowledge base"):
        locate(tmp_path / "missing")


def test_resolve_names_commits(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    assert resolve(repo, "HEAD") == head == resolve(repo, "main") == resolve(repo, head[:10])
    git(repo, "tag", "v1")
    assert resolve(repo, "v1") == head


@pytest.mark.parametrize("rev", ["", "-h", "--output=/tmp/x", "no-such-branch", "HEAD~5"])
def test_resolve_refuses_what_names_no_commit(repo: Path, rev: str) -> None:
    with pytest.raises(RevisionError):
        resolve(repo, rev)


def test_resolve_refuses_a_tree_or_blob(repo: Path) -> None:
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    with pytest.raises(RevisionError, match="unknown revision"):
        resolve(repo, tree)


def test_export_copies_the_kb_as_it_was(repo: Path, tmp_path: Path, fixture_kb: Path) -> None:
    first = resolve(repo, "HEAD")
    (repo / "kb" / "methods" / "mae.yaml").write_text("changed\n")
    (repo / "kb" / "methods" / "new.yaml").write_text("new\n")
    commit_all(repo, "second")
    (repo / "kb" / "methods" / "bert.yaml").write_text("uncommitted\n")
    dest = tmp_path / "copy"
    n = export(repo, first, "kb", dest)
    assert tree_of(dest) == tree_of(fixture_kb) and n == len(tree_of(fixture_kb))
    assert "README.md" not in tree_of(dest)
    # the working tree is untouched
    assert (repo / "kb" / "methods" / "bert.yaml").read_text() == "uncommitted\n"
    assert git(repo, "status", "--porcelain") == "M kb/methods/bert.yaml"
    later = tmp_path / "later"
    export(repo, resolve(repo, "HEAD"), "kb", later)
    assert (later / "methods" / "mae.yaml").read_text() == "changed\n" and (
        later / "methods" / "new.yaml"
    ).is_file()


def test_export_of_a_kb_folder_that_did_not_exist_is_empty(repo: Path, tmp_path: Path) -> None:
    assert export(repo, resolve(repo, "HEAD"), "other/kb", tmp_path / "copy") == 0
    assert list((tmp_path / "copy").iterdir()) == []


def test_export_keeps_symlinks_as_symlinks(repo: Path, tmp_path: Path) -> None:
    (repo / "kb" / "methods" / "alias.yaml").symlink_to("mae.yaml")
    (repo / "kb" / "out").symlink_to("../README.md")
    rev = commit_all(repo, "links")
    dest = tmp_path / "copy"
    export(repo, rev, "kb", dest)
    assert os.readlink(dest / "methods" / "alias.yaml") == "mae.yaml"
    assert os.readlink(dest / "out") == "../README.md"
    assert not (tmp_path / "README.md").exists()


def test_export_refuses_names_equal_but_for_case_and_writes_nothing(repo: Path, tmp_path: Path) -> None:
    (repo / "kb" / "methods" / "MAE.yaml").write_text("id: mae-upper\n")
    rev = commit_all(repo, "case")
    dest = tmp_path / "copy"
    with pytest.raises(UnsafeTree) as caught:
        export(repo, rev, "kb", dest, label="main")
    assert caught.value.label == "main"
    assert caught.value.problems and "case" in caught.value.problems[0][1]
    assert str(caught.value).startswith("main:kb/methods/")
    assert not dest.exists() or list(dest.iterdir()) == []


def test_export_of_an_unknown_commit_is_a_revision_error(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(RevisionError):
        export(repo, "0" * 40, "kb", tmp_path / "copy")
