"""Output: the one writer of generated files, atomic, with staleness checks and a build lock.

Generators return ``{relative path: text or bytes}``; this module either writes them atomically
or, with ``--check``, lists what is stale. A directory is replaced as a whole: the new tree is
written beside it and swapped in with two renames, and an interrupted swap is repaired on the
next run, so a failed or killed build leaves the previous output intact.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

Content = str | bytes


def _bytes(content: Content) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def write_text(path: Path, content: Content) -> None:
    """Write one file atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_bytes(content))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stale(files: Mapping[str, Content], dest: Path, *, exact: bool = True) -> list[str]:
    """What differs between ``files`` and ``dest``: ``+ path`` missing, ``~ path`` changed,
    ``- path`` present but no longer generated (only with ``exact``)."""
    dest = Path(dest)
    out: list[str] = []
    for rel, content in sorted(files.items()):
        target = dest / rel
        if not target.is_file():
            out.append(f"+ {rel}")
        elif target.read_bytes() != _bytes(content):
            out.append(f"~ {rel}")
    if exact and dest.is_dir():
        present = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
        out.extend(f"- {rel}" for rel in sorted(present - set(files)))
    return out


def recover(dest: Path) -> None:
    """Finish or undo a swap that was interrupted between its two renames."""
    dest = Path(dest)
    for old in sorted(dest.parent.glob(f".{dest.name}.old-*")):
        if not dest.exists():
            old.rename(dest)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in dest.parent.glob(f".{dest.name}.new-*"):
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def staging(dest: Path) -> Iterator[Path]:
    """A fresh folder beside ``dest`` to build into; swapped into place only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    recover(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(tmp, dest)


def swap_in(new: Path, dest: Path) -> None:
    """Replace ``dest`` by the folder ``new`` (same filesystem) with two renames."""
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        old.rmdir()
        dest.rename(old)
    new.rename(dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def replace_tree(files: Mapping[str, Content], dest: Path) -> int:
    """Make ``dest`` hold exactly ``files``, atomically; returns how many files were written."""
    with staging(dest) as tmp:
        for rel, content in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_bytes(content))
    return len(files)


class Busy(Exception):
    """Another ssl-kb process holds the build lock."""


@contextmanager
def build_lock(folder: Path, *, wait: bool = True) -> Iterator[None]:
    """An exclusive lock (``folder/.ssl-kb.lock``) so two builds never write the same outputs."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".ssl-kb.lock", "w") as handle:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            raise Busy(f"another ssl-kb build holds {folder / '.ssl-kb.lock'}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_tree(files: Mapping[str, Content], dest: Path) -> list[str]:
    """Make ``dest`` hold exactly ``files`` by writing only what changed, in place (each file
    atomically); for live previews whose file watchers must keep watching the same folder.
    Returns the changes as :func:`stale` lists them."""
    dest = Path(dest)
    changes = stale(files, dest)
    for change in changes:
        op, rel = change[0], change[2:]
        if op == "-":
            (dest / rel).unlink(missing_ok=True)
        else:
            write_text(dest / rel, files[rel])
    return changes
