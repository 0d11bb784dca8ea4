"""Hostile paths: git trees built by hand, and record values or arguments that would become paths.

``ssl-kb diff REV`` copies kb/ at REV out of git objects, which anyone can craft with
``git hash-object``/``git mktree``: entries named ``..``, ``.`` or ``""``, names holding ``/``,
a symlink and a folder of the same name, duplicate names and names equal but for case. Each
such tree is refused as a whole, naming the revision and the path, before anything is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from .conftest import make_project, ssl_kb

VICTIM = f"victim-{uuid.uuid4().hex[:8]}.txt"


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    proc = subprocess.run(["git", *args], cwd=repo, input=data, capture_output=True, env=env, check=True)
    return proc.stdout.decode().strip()


def repo_project(tmp_path: Path) -> Path:
    """A copy of the fixture project as a git repository with one commit on ``main``."""
    root = make_project(tmp_path / "project")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fixture")
    return root


def blob(repo: Path, content: bytes) -> str:
    return git(repo, "hash-object", "-w", "--stdin", data=content)


def raw_tree(repo: Path, entries: list[tuple[str, bytes, str]]) -> str:
    """A tree object written byte by byte (no checks on names, order or duplicates)."""
    body = b"".join(mode.encode() + b" " + name + b"\0" + bytes.fromhex(sha) for mode, name, sha in entries)
    return git(repo, "hash-object", "-w", "-t", "tree", "--literally", "--stdin", data=body)


def evil_branch(repo: Path, kb_tree: str) -> None:
    """Branch ``evil``: the commit on main with its ``kb`` tree replaced by ``kb_tree``."""
    lines = [ln for ln in git(repo, "ls-tree", "main").splitlines() if not ln.endswith("\tkb")]
    root = git(repo, "mktree", data=("\n".join([*lines, f"040000 tree {kb_tree}\tkb"]) + "\n").encode())
    commit = git(repo, "commit-tree", root, "-p", "main", "-m", "evil")
    git(repo, "branch", "-f", "evil", commit)


def _dotdot(repo: Path, outside: Path) -> None:
    # the reproduction of the issue: kb/../../victim.txt, built with mktree only
    t1 = git(repo, "mktree", data=f"100644 blob {blob(repo, b'pwned')}\t{VICTIM}\n".encode())
    t2 = git(repo, "mktree", data=f"040000 tree {t1}\t..\n".encode())
    evil_branch(repo, git(repo, "mktree", data=f"040000 tree {t2}\t..\n".encode()))


def _dot(repo: Path, outside: Path) -> None:
    inner = raw_tree(repo, [("100644", VICTIM.encode(), blob(repo, b"pwned"))])
    evil_branch(repo, raw_tree(repo, [("40000", b".", inner)]))


def _empty_name(repo: Path, outside: Path) -> None:
    inner = raw_tree(repo, [("100644", VICTIM.encode(), blob(repo, b"pwned"))])
    evil_branch(repo, raw_tree(repo, [("40000", b"", inner)]))


def _slash_in_name(repo: Path, outside: Path) -> None:
    evil_branch(repo, raw_tree(repo, [("100644", f"../../{VICTIM}".encode(), blob(repo, b"pwned"))]))


def _absolute(repo: Path, outside: Path) -> None:
    name = str(outside / VICTIM).encode()
    evil_branch(repo, raw_tree(repo, [("100644", name, blob(repo, b"pwned"))]))


def _symlink_then_folder(repo: Path, outside: Path) -> None:
    # a symlink `a` to a folder outside, and a tree `a` whose file would be written through it
    inner = raw_tree(repo, [("100644", VICTIM.encode(), blob(repo, b"pwned"))])
    link = blob(repo, str(outside).encode())
    evil_branch(repo, raw_tree(repo, [("120000", b"a", link), ("40000", b"a", inner)]))


def _duplicate(repo: Path, outside: Path) -> None:
    one, two = blob(repo, b"kind: method\n"), blob(repo, b"kind: topic\n")
    evil_branch(repo, raw_tree(repo, [("100644", b"x.yaml", one), ("100644", b"x.yaml", two)]))


def _case(repo: Path, outside: Path) -> None:
    one, two = blob(repo, b"kind: method\n"), blob(repo, b"kind: topic\n")
    methods = raw_tree(repo, [("100644", b"MAE.yaml", one), ("100644", b"mae.yaml", two)])
    evil_branch(repo, raw_tree(repo, [("40000", b"methods", methods)]))


def _kb_is_a_symlink(repo: Path, outside: Path) -> None:
    lines = [ln for ln in git(repo, "ls-tree", "main").splitlines() if not ln.endswith("\tkb")]
    link = f"120000 blob {blob(repo, str(outside).encode())}\tkb"
    root = git(repo, "mktree", data=("\n".join([*lines, link]) + "\n").encode())
    git(repo, "branch", "-f", "evil", git(repo, "commit-tree", root, "-m", "evil"))


EVIL_TREES = {
    "dotdot": (_dotdot, f"kb/../../{VICTIM}"),
    "dot": (_dot, f"kb/./{VICTIM}"),
    "empty-name": (_empty_name, None),  # git itself refuses to read this tree
    "slash-in-name": (_slash_in_name, f"kb/../../{VICTIM}"),
    "absolute": (_absolute, "kb//"),
    "symlink-then-folder": (_symlink_then_folder, f"kb/a/{VICTIM}"),
    "duplicate": (_duplicate, "kb/x.yaml"),
    "case": (_case, "kb/methods/mae.yaml"),
    "kb-is-a-symlink": (_kb_is_a_symlink, "kb"),
}


@pytest.mark.parametrize("case", sorted(EVIL_TREES))
def test_diff_of_a_crafted_tree_writes_nothing_and_names_the_path(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, shown = EVIL_TREES[case]
    repo = repo_project(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    tmp = tmp_path / "tmp" / "deeper"  # the diff's temporary folder goes here, so ../.. stays in tmp_path
    tmp.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(tmp))
    build(repo, outside)
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))

    proc = ssl_kb("diff", "evil", cwd=repo, timeout=120)

    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    if shown is None:
        assert "cannot read evil" in proc.stderr
    else:
        assert f"evil:{shown}" in proc.stderr and "unsafe path in the revision's tree" in proc.stderr
    assert not list(tmp_path.rglob(VICTIM)) and not Path("/tmp", VICTIM).exists()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before
    assert git(repo, "status", "--porcelain") == ""


def test_diff_of_a_symlink_entry_still_reports_kb011(tmp_path: Path) -> None:
    """A symlink in the tree that nothing is written through is copied as a link, for KB011."""
    repo = repo_project(tmp_path)
    link = blob(repo, b"/dev/zero")
    tree = git(repo, "rev-parse", "main:kb/methods")
    listing = git(repo, "ls-tree", tree) + f"\n120000 blob {link}\tzero.yaml\n"
    methods = git(repo, "mktree", data=listing.encode())
    kb = git(repo, "ls-tree", "main:kb").replace(tree, methods)
    evil_branch(repo, git(repo, "mktree", data=(kb + "\n").encode()))
    proc = ssl_kb("diff", "evil", "--format", "json", cwd=repo, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "does not validate" in proc.stderr and "Traceback" not in proc.stderr


def test_new_does_not_write_through_a_symlinked_kind_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "kb" / "datasets").rename(tmp_path / "datasets-moved")
    (root / "kb" / "datasets").symlink_to(outside)
    proc = ssl_kb("new", "dataset", "places-365", "--kb", "kb", cwd=root, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "not a folder inside kb/" in proc.stderr
    assert list(outside.iterdir()) == []


def test_new_refuses_an_id_with_a_trailing_newline(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    for bad in ("barlow-twins\n", "barlow-twins\r\n", "\nbarlow-twins"):
        proc = ssl_kb("new", "method", bad, "--kb", "kb", cwd=root, timeout=60)
        assert proc.returncode == 1 and "malformed id" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in (root / "kb" / "methods").iterdir()) == sorted(
        p.name for p in (Path(__file__).parents[1] / "data" / "kb" / "methods").iterdir()
    )


def test_check_of_a_file_outside_kb_does_not_read_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "secret.yaml").write_text("password: hunter2\n", encoding="utf-8")
    for given in ("secret.yaml", "kb/../secret.yaml"):
        proc = ssl_kb("check", given, "--kb", "kb", cwd=root, timeout=60)
        assert proc.returncode == 1 and "KB011" in proc.stderr and "not inside kb/" in proc.stderr
        assert "password" not in proc.stderr and "Traceback" not in proc.stderr


def test_diff_pages_never_come_from_a_malformed_id(tmp_path: Path) -> None:
    repo = repo_project(tmp_path)
    record = (repo / "kb" / "methods" / "simclr.yaml").read_text(encoding="utf-8")
    (repo / "kb" / "methods" / "evil.yaml").write_text(
        record.replace("id: simclr", "id: ../../../etc/passwd"), encoding="utf-8"
    )
    proc = ssl_kb("diff", "main", "--format", "json", cwd=repo, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pages = [p["page"] for p in json.loads(proc.stdout)["pages"]]
    assert pages and not [p for p in pages if ".." in p or "passwd" in p]
