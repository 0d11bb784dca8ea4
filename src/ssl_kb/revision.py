"""Revision: the KB folder as it was at a git revision, read with git plumbing into a folder.

Only ``git rev-parse``, ``git ls-tree`` and ``git cat-file`` are used, so the working tree,
the index and the current branch are never touched. Symlinks in the tree become symlinks in
the copy (the loader reports them as KB011, as it would in a checkout); submodules are skipped.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import unicodedata
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from .errors import RevisionError as RevisionError
from .errors import UnsafeTree as UnsafeTree


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


@dataclass(frozen=True)
class _Entry:
    mode: str
    kind: str  # blob or tree
    sha: str
    size: int
    parts: tuple[str, ...]  # relative to the KB folder
    shown: str  # the path as git lists it, printable


_FILE_MODES = ("100644", "100755", "100664")
_SYMLINK = "120000"
_SYMLINK_MAX = 4095  # PATH_MAX - 1 on Linux


def _printable(name: str) -> str:
    """``name`` with undecodable bytes and control characters escaped, safe to print."""
    raw = os.fsencode(name)
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _fold(parts: tuple[str, ...]) -> tuple[str, ...]:
    """A key under which names that one file system may treat as the same name are equal."""
    return tuple(unicodedata.normalize("NFC", part).casefold() for part in parts)


def _listing(top: Path, commit: str, kb_rel: str) -> tuple[list[_Entry], list[tuple[str, str]]]:
    """The entries under ``kb_rel`` at ``commit`` and the problems of unsafe ones (not yet written)."""
    # The whole tree is listed and filtered here: a pathspec would let git skip crafted names
    # (``kb//abs``) silently, and they must be reported.
    raw = _git(top, "ls-tree", "-r", "-t", "-l", "-z", "--full-tree", commit)
    prefix = kb_rel + "/" if kb_rel else ""
    entries: list[_Entry] = []
    problems: list[tuple[str, str]] = []
    for item in raw.split(b"\0"):
        if not item:
            continue
        meta, _, name_bytes = item.partition(b"\t")
        mode, kind, sha, size_text = meta.decode("ascii", "replace").split()
        name = os.fsdecode(name_bytes)
        shown = _printable(name)
        if kind == "commit":
            continue  # submodules are not part of the copy
        if name == kb_rel or not name.startswith(prefix):
            if kb_rel and name == kb_rel and kind != "tree":
                problems.append((shown, "the KB folder is not a folder at this revision"))
            continue  # the KB folder itself, or a folder above it
        parts = tuple(name[len(prefix) :].split("/"))
        bad = next((part for part in parts if part in ("", ".", "..")), None)
        if bad is not None:
            problems.append((shown, repr(bad) if bad == "" else bad))
            continue
        if kind == "blob" and mode not in (*_FILE_MODES, _SYMLINK):
            problems.append((shown, f"file mode {mode}"))
            continue
        if kind not in ("blob", "tree"):
            problems.append((shown, f"object type {kind}"))
            continue
        size = int(size_text) if size_text.isdigit() else 0
        if mode == _SYMLINK and not 0 < size <= _SYMLINK_MAX:
            problems.append((shown, "symlink target empty or too long"))
            continue
        entries.append(_Entry(mode, kind, sha, size, parts, shown))
    # Names that collide (twice the same name, or names equal but for case or Unicode form), and
    # a file or symlink where another entry needs a folder (a symlink ``a`` and files in ``a/``).
    seen: dict[tuple[str, ...], _Entry] = {}
    for entry in entries:
        key = _fold(entry.parts)
        other = seen.get(key)
        if other is not None and not (other.kind == entry.kind == "tree" and other.parts == entry.parts):
            why = "listed twice" if other.parts == entry.parts else f"same name as {other.shown} but for case"
            problems.append((entry.shown, why))
        seen.setdefault(key, entry)
    for entry in entries:
        key = _fold(entry.parts)
        for n in range(1, len(key)):
            above = seen.get(key[:n])
            if above is not None and above.kind != "tree":
                what = "a symlink" if above.mode == _SYMLINK else "a file"
                problems.append((entry.shown, f"inside {above.shown}, which is {what}"))
                break
    return entries, problems


def _cat_files(top: Path, shas: list[str]) -> Generator[bytes, None, None]:
    """The contents of ``shas`` in order, streamed from one ``git cat-file --batch``."""
    if not shas:
        return
    with tempfile.TemporaryFile() as requests:
        requests.write("".join(f"{sha}\n" for sha in shas).encode())
        requests.seek(0)
        proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=top,
            stdin=requests,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
        if proc.stdout is None:  # pragma: no cover - Popen with stdout=PIPE always sets it
            raise RevisionError("git cat-file gave no output")
        try:
            for sha in shas:
                header = proc.stdout.readline().split()
                if len(header) != 3 or header[1] != b"blob":
                    raise RevisionError(f"git cat-file cannot read blob {sha}")
                content = proc.stdout.read(int(header[2]))
                proc.stdout.read(1)  # the newline after the content
                yield content
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _open_folder(root_fd: int, parts: tuple[str, ...]) -> int:
    """A descriptor of the folder ``parts`` below ``root_fd``, creating it; never follows a symlink."""
    fd = os.dup(root_fd)
    try:
        for part in parts:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=fd)
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)  # ELOOP/ENOTDIR if not a real folder
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def export(top: Path, commit: str, kb_rel: str, dest: Path, label: str | None = None) -> int:
    """Write the files under ``kb_rel`` at ``commit`` into ``dest``; returns how many.

    A KB folder that does not exist at ``commit`` gives an empty ``dest``. Every path comes from
    git objects that anyone can craft (``..``, empty names, slashes, duplicates, a symlink and a
    folder of the same name), so the whole listing is checked before anything is written; if any
    path is unsafe, :class:`UnsafeTree` names them all (as ``label:path``) and nothing is written.
    Files are then created inside ``dest`` only: folders are opened one level at a time without
    following symlinks, files are created exclusively with ``O_NOFOLLOW``, and symlink entries
    are created last, so nothing is ever written through one. Folders deeper than the loader
    reads (:data:`ssl_kb.loader.MAX_DIR_DEPTH`) are created empty, for the loader to report.
    """
    from .loader import MAX_BYTES, MAX_DIR_DEPTH

    entries, problems = _listing(top, commit, kb_rel)
    if problems:
        raise UnsafeTree(label or commit, problems)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    folders: set[tuple[str, ...]] = set()
    files: list[_Entry] = []
    for entry in entries:
        where = entry.parts if entry.kind == "tree" else entry.parts[:-1]
        if len(where) > MAX_DIR_DEPTH:  # deeper than the loader reads: keep the too-deep folder only
            folders.add(where[: MAX_DIR_DEPTH + 1])
        elif entry.kind == "tree":
            folders.add(where)
        else:
            files.append(entry)
    for entry in files + [_Entry("", "tree", "", 0, f, "") for f in folders]:
        target = os.path.normpath(os.path.join(dest, *entry.parts))
        if not target.startswith(os.path.join(os.path.normpath(dest), "")):  # cannot happen after _listing
            raise UnsafeTree(label or commit, [(entry.shown, "outside the copy")])
    small = [e for e in files if e.mode == _SYMLINK or e.size <= MAX_BYTES]
    contents = _cat_files(top, [e.sha for e in small])
    root_fd = os.open(dest, _DIR_FLAGS)
    try:
        for parts in sorted(folders):
            os.close(_open_folder(root_fd, parts))
        links: list[tuple[_Entry, bytes]] = []
        fetched = {id(e) for e in small}
        for entry in files:
            content = next(contents) if id(entry) in fetched else b""
            if entry.mode == _SYMLINK:
                links.append((entry, content))
                continue
            folder = _open_folder(root_fd, entry.parts[:-1])
            try:
                fd = os.open(entry.parts[-1], _NEW_FILE, 0o644, dir_fd=folder)
                with os.fdopen(fd, "wb") as handle:
                    if entry.size > MAX_BYTES:  # never fetched: the loader reports its size (KB002)
                        handle.truncate(entry.size)
                    else:
                        handle.write(content)
            finally:
                os.close(folder)
        for entry, content in links:  # last, so that no file is ever written through a link
            if b"\0" in content:
                raise UnsafeTree(label or commit, [(entry.shown, "symlink target holds a NUL byte")])
            folder = _open_folder(root_fd, entry.parts[:-1])
            try:
                os.symlink(os.fsdecode(content), entry.parts[-1], dir_fd=folder)
            finally:
                os.close(folder)
    except OSError as exc:
        raise RevisionError(f"cannot copy the revision's KB: {exc.strerror or exc}") from None
    finally:
        os.close(root_fd)
        contents.close()
    return len(files)
