"""Revision: the KB folder as it was at a git revision, read with git plumbing into a folder.

Only ``git rev-parse``, ``git ls-tree`` and ``git cat-file`` are used, so the working tree,
the index and the current branch are never touched. Symlinks in the tree become symlinks in
the copy (the loader reports them as KB011, as it would in a checkout); submodules are skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath


class RevisionError(Exception):
    """The revision cannot be read (not a git repository, unknown revision, git missing)."""


def _git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=data,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise RevisionError("git is not installed (ssl-kb diff reads the KB at REV with git)") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RevisionError(message[-1] if message else f"git {args[0]} failed")
    return proc.stdout


def locate(kb_dir: Path) -> tuple[Path, str]:
    """The repository's top folder and the KB folder's path inside it (POSIX, '' for the top)."""
    kb_dir = Path(kb_dir).absolute()
    if not kb_dir.is_dir():
        raise RevisionError(f"no knowledge base at {kb_dir}")
    try:
        top = Path(_git(kb_dir, "rev-parse", "--show-toplevel").decode().strip())
    except RevisionError:
        raise RevisionError(f"{kb_dir} is not inside a git repository") from None
    rel = kb_dir.resolve().relative_to(top.resolve()).as_posix()
    return top, "" if rel == "." else rel


def resolve(top: Path, rev: str) -> str:
    """The commit id that ``rev`` names; :class:`RevisionError` if it names none."""
    if not rev or rev.startswith("-"):
        raise RevisionError(f"{rev!r} is not a revision")
    try:
        return (
            _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
            .decode()
            .strip()
        )
    except RevisionError:
        raise RevisionError(
            f"unknown revision {rev!r} (try a branch, a tag or a commit id, e.g. main)"
        ) from None


def export(top: Path, commit: str, kb_rel: str, dest: Path) -> int:
    """Write the files under ``kb_rel`` at ``commit`` into ``dest``; returns how many.

    A KB folder that does not exist at ``commit`` gives an empty ``dest``.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    spec = [kb_rel] if kb_rel else []
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *spec)
    entries: list[tuple[str, str, PurePosixPath]] = []
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, _, name = item.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        path = PurePosixPath(name.decode("utf-8", "surrogateescape"))
        if kind != "blob":
            continue  # submodules
        rel = path.relative_to(kb_rel) if kb_rel else path
        entries.append((mode, sha, rel))
    if not entries:
        return 0
    blobs = _git(top, "cat-file", "--batch", data="".join(f"{sha}\n" for _, sha, _ in entries).encode())
    offset = 0
    for mode, _sha, rel in entries:
        header_end = blobs.index(b"\n", offset)
        size = int(blobs[offset:header_end].split()[2])
        content = blobs[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            os.symlink(os.fsdecode(content), target)
        else:
            target.write_bytes(content)
    return len(entries)
