"""Output: the one writer of generated files, atomic, guarded, with staleness checks and a build lock.

Generators return ``{relative path: text or bytes}``; this module writes them or, with ``--check``,
lists what is stale as :class:`Change` values.

- **Only what ssl-kb made is replaced.** Every folder ssl-kb writes carries a marker file
  (:data:`MARKER`); :func:`guard_folder` refuses an existing non-empty folder without it, the KB,
  the project and their ancestors, a file, or a mount point. :func:`guard_file` refuses a folder, a
  record, and an existing file that is not an earlier ssl-kb export.
- **One build is one transaction.** A :class:`Transaction` stages every output beside its
  destination, then writes a journal and swaps each one in with two renames. A run killed while
  staging leaves everything old; one killed while swapping is rolled forward by :func:`recover`,
  which every writer calls under the lock before it starts, so the outputs are either all old or
  all new. Leftover staging folders and temporary files are removed there too.
- **The user's umask decides permissions**: folders are created with mode 0o777 and files with
  0o666 before the umask, never the 0o700/0o600 of ``mkdtemp``/``mkstemp``.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Content = str | bytes

MARKER = ".ssl-kb-output"
MARKER_TEXT = (
    "This folder is written by ssl-kb and replaced as a whole each time it is regenerated.\n"
    "Do not keep your own files here: ssl-kb removes them. (ssl-kb refuses to replace a folder\n"
    "without this file.)\n"
)
JOURNAL = ".ssl-kb-journal.json"
SIGNATURE = b"ssl-kb"  # what an export file carries (in its first bytes or its zip comment)
RECORD_SUFFIXES = (".yaml", ".yml")


class OutputError(Exception):
    """An output path that ssl-kb must not write, or a write that failed; nothing was replaced."""

    def __init__(self, path: Path | str, message: str, hint: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message, self.hint = str(path), message, hint

    def __str__(self) -> str:
        return f"{self.path}: {self.message}\n    hint: {self.hint}"


def _bytes(content: Content) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def with_marker(files: Mapping[str, Content]) -> dict[str, Content]:
    """``files`` plus the marker that makes their folder an ssl-kb output."""
    return {**files, MARKER: MARKER_TEXT}


# ---------------------------------------------------------------------------- guards


def _within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def guard_folder(dest: Path, *, kb_dir: Path, root: Path, option: str = "--out") -> Path:
    """The resolved folder ``dest`` if ssl-kb may replace it as a whole; :class:`OutputError` if not."""
    target = Path(dest).expanduser().resolve()
    kb, top = Path(kb_dir).resolve(), Path(root).resolve()
    where = f"{option} {dest}"
    if _within(kb, target) or _within(top, target):
        what = (
            "is the knowledge base: replacing it would delete every record"
            if target == kb
            else "is the project folder"
            if target == top
            else "contains the project and its knowledge base"
        )
        raise OutputError(where, what, "give a folder of its own for the output, e.g. ./site")
    if _within(target, kb):
        raise OutputError(where, "is inside the knowledge base", "write outputs outside kb/, e.g. ./site")
    if target.exists() and not target.is_dir():
        raise OutputError(where, "exists and is not a folder", "give a folder path, or remove the file")
    if target.is_dir():
        if os.path.ismount(target):
            raise OutputError(
                where,
                "is a mount point; ssl-kb replaces an output folder by renaming it",
                "give a folder inside the mount instead",
            )
        with os.scandir(target) as entries:
            names = {e.name for e in entries}
        if names and not _made_by_ssl_kb(target, names):
            raise OutputError(
                where,
                f"exists and holds files that ssl-kb did not write (no {MARKER} marker)",
                "choose a new or empty folder; ssl-kb replaces only folders that it made",
            )
    return target


def _made_by_ssl_kb(folder: Path, names: set[str]) -> bool:
    """The marker, or (for outputs of ssl-kb versions before the marker) a built site with ssl-kb's
    own assets, or a quiz bank whose index says that ssl-kb generated it."""
    if MARKER in names:
        return True
    if "index.html" in names and (folder / "assets" / "ssl-kb").is_dir():
        return True
    if "index.json" in names and not (folder / "index.json").is_symlink():
        with suppress(OSError), open(folder / "index.json", "rb") as handle:
            return b"Generated by `ssl-kb build`" in handle.read(4096)
    return False


def _recognised(path: Path) -> bool:
    """Whether an existing file is an earlier ssl-kb export (signature in its head or zip comment)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
        if SIGNATURE in head:
            return True
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return SIGNATURE in archive.comment
    except (OSError, zipfile.BadZipFile):
        return False
    return False


def guard_file(dest: Path, *, kb_dir: Path, option: str = "--out") -> Path:
    """The resolved file ``dest`` if ssl-kb may write it; :class:`OutputError` if not."""
    target = Path(dest).expanduser().resolve()
    where = f"{option} {dest}"
    if target.is_dir():
        raise OutputError(where, "is a folder", f"give a file path, e.g. {Path(dest) / 'quiz.json'}")
    if _within(target, Path(kb_dir).resolve()) and target.suffix.lower() in RECORD_SUFFIXES:
        raise OutputError(where, "would write a record file in the knowledge base", "write it outside kb/")
    if target.exists() and (not target.is_file() or (target.stat().st_size and not _recognised(target))):
        raise OutputError(
            where,
            "exists and is not an earlier ssl-kb output",
            "choose a new file name, or move the file away first",
        )
    return target


# ---------------------------------------------------------------------------- writing


def _unique(parent: Path, prefix: str, suffix: str = "") -> Path:
    return parent / f"{prefix}{secrets.token_hex(6)}{suffix}"


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist) with mode 0o666 less the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _walk(folder: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk`` top-down without recursion and without following links (any depth)."""
    stack = [str(folder)]
    while stack:
        top = stack.pop()
        dirs: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    (dirs if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
        except OSError:
            continue
        yield top, dirs, files
        stack.extend(os.path.join(top, d) for d in dirs)


def files_in(folder: Path) -> set[str]:
    """The POSIX paths of every non-folder entry under ``folder``, relative to it."""
    found: set[str] = set()
    for top, _dirs, files in _walk(folder):
        rel = Path(top).relative_to(folder)
        found.update((rel / name).as_posix() for name in files)
    return found


def _remove(path: Path) -> None:
    """Delete a file, a link or a whole folder (of any depth; the rmtree of Python 3.11 recurses)."""
    if not (path.is_dir() and not path.is_symlink()):
        with suppress(FileNotFoundError):
            path.unlink()
        return
    folders = []
    for top, _dirs, files in _walk(path):
        folders.append(top)
        for name in files:
            with suppress(OSError):
                os.unlink(os.path.join(top, name))
    for top in reversed(folders):  # children were listed after their parents
        with suppress(OSError):
            os.rmdir(top)


def _failed(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    hints = {
        errno.ENOSPC: "free some disk space and build again",
        errno.EROFS: "the file system is read-only; write the output elsewhere",
        errno.EACCES: "you may not write there; check the folder's permissions",
        errno.EPERM: "you may not write there; check the folder's permissions",
        errno.EXDEV: "staging and output must be on one file system",
        errno.EBUSY: "the folder is in use or a mount point; write the output elsewhere",
    }
    return OutputError(path, f"cannot write: {reason}", hints.get(exc.errno or 0, "see the reason above"))


def write_text(path: Path, content: Content) -> None:
    """Write one file atomically (a temporary file in the same folder, then a rename)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _unique(path.parent, f".{path.name}.", ".tmp")
        try:
            _write_new(tmp, _bytes(content))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise _failed(path, exc) from exc


def write_files(files: Mapping[str, Content], folder: Path) -> None:
    """Write ``files`` into the new, empty ``folder`` (created with the umask's permissions)."""
    folder.mkdir(mode=0o777)
    made = {folder}
    for rel, content in files.items():
        target = folder / rel
        parent = target.parent
        if parent not in made:
            parent.mkdir(mode=0o777, parents=True, exist_ok=True)
            made.add(parent)
        _write_new(target, _bytes(content))


ChangeOp = Literal["added", "changed", "removed", "interrupted"]
_SIGN = {"added": "+", "changed": "~", "removed": "-", "interrupted": "!"}


@dataclass(frozen=True)
class Change:
    """One stale generated file: ``op`` what a build would do to ``path``."""

    op: ChangeOp
    path: str

    def __str__(self) -> str:
        return f"{_SIGN[self.op]} {self.path}"


def stale(files: Mapping[str, Content], dest: Path, *, exact: bool = True, prefix: str = "") -> list[Change]:
    """What differs between ``files`` and ``dest``: missing or changed files, and (with ``exact``)
    files present but no longer generated. Paths are ``prefix`` + the path inside ``dest``."""
    dest = Path(dest)
    out: list[Change] = []
    for rel, content in sorted(files.items()):
        target = dest / rel
        if not target.is_file():
            out.append(Change("added", prefix + rel))
        elif target.read_bytes() != _bytes(content):
            out.append(Change("changed", prefix + rel))
    if exact and dest.is_dir():
        present = files_in(dest)
        out.extend(Change("removed", prefix + rel) for rel in sorted(present - set(files)))
    return out


def sync_tree(files: Mapping[str, Content], dest: Path) -> list[Change]:
    """Make ``dest`` hold exactly ``files`` by writing only what changed, in place (each file
    atomically); for live previews whose file watchers must keep watching the same folder."""
    dest = Path(dest)
    changes = stale(files, dest)
    for change in changes:
        if change.op == "removed":
            (dest / change.path).unlink(missing_ok=True)
        else:
            write_text(dest / change.path, files[change.path])
    return changes


# ---------------------------------------------------------------------------- transactions


def _staged_name(dest: Path, txn: str) -> Path:
    return dest.parent / f".{dest.name}.new-{txn}"


def _old_name(dest: Path, txn: str) -> Path:
    return dest.parent / f".{dest.name}.old-{txn}"


@dataclass
class Transaction:
    """Outputs staged beside their destinations and swapped in together by :meth:`commit`."""

    journal: Path | None  # None: a single output, whose swap needs no journal
    txn: str = field(default_factory=lambda: secrets.token_hex(6))
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # (staged, destination)
    committing: bool = False

    def _claim(self, dest: Path) -> Path:
        dest = Path(dest)
        for _, other in self.moves:
            if _within(dest, other) or _within(other, dest):
                raise OutputError(
                    dest,
                    f"overlaps another output of the same build ({other})",
                    "give the site a folder of its own, outside build/ and quizzes/",
                )
        staged = _staged_name(dest, self.txn)
        self.moves.append((staged, dest))
        return staged

    def folder(self, dest: Path, files: Mapping[str, Content] | None = None) -> Path:
        """Stage the folder ``dest`` holding ``files`` and the marker; returns the staging folder
        (with ``files=None`` an empty one, for a renderer to fill; :meth:`mark` it afterwards)."""
        staged = self._claim(dest)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if files is None:
                staged.mkdir(mode=0o777)
            else:
                write_files(with_marker(files), staged)
        except OSError as exc:
            raise _failed(dest, exc) from exc
        return staged

    @staticmethod
    def mark(staged: Path, text: str = "") -> None:
        _write_new(staged / MARKER, (MARKER_TEXT + text).encode())

    def file(self, dest: Path, content: Content) -> None:
        staged = self._claim(dest)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            _write_new(staged, _bytes(content))
        except OSError as exc:
            raise _failed(dest, exc) from exc

    def abort(self) -> None:
        """Remove what was staged (not once :meth:`commit` has begun swapping)."""
        if self.committing:
            return
        for staged, _ in self.moves:
            _remove(staged)

    def commit(self) -> None:
        """Write the journal, swap every staged output in, then remove the journal and old outputs.

        If a rename fails, the outputs already swapped are swapped back (all old) and the error
        is raised; a process killed in between leaves the journal for :func:`recover`.
        """
        if self.journal is not None:
            self._write_journal(self.journal)
        self.committing = True  # from here on the staged outputs belong to the journal
        done: list[tuple[Path, Path]] = []
        try:
            for staged, dest in self.moves:
                done.append((staged, dest))
                _swap(staged, dest, self.txn)
        except OSError as exc:
            self._undo(done)
            raise _failed(dest, exc) from exc
        except BaseException:  # Ctrl-C between two renames: finish the swap, then stop
            for staged, dest in self.moves:
                _swap(staged, dest, self.txn)
            raise
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)
        for _, dest in self.moves:
            _remove(_old_name(dest, self.txn))

    def _write_journal(self, journal: Path) -> None:
        data = {"txn": self.txn, "moves": [[str(s), str(d)] for s, d in self.moves]}
        try:
            tmp = _unique(journal.parent, f".{journal.name}.", ".tmp")
            _write_new(tmp, json.dumps(data, indent=1).encode())
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, journal)
        except OSError as exc:
            self.abort()
            raise _failed(journal, exc) from exc

    def _undo(self, done: list[tuple[Path, Path]]) -> None:
        """Put the old outputs back after a failed swap (newest first), then drop the journal.
        If that fails too, the journal stays and the next run finishes the build instead."""
        try:
            for staged, dest in reversed(done):
                old = _old_name(dest, self.txn)
                if not (staged.exists() or staged.is_symlink()) and (dest.exists() or dest.is_symlink()):
                    dest.rename(staged)  # the new output was swapped in: take it out again
                if (old.exists() or old.is_symlink()) and not (dest.exists() or dest.is_symlink()):
                    old.rename(dest)
        except OSError:
            return
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)
        self.committing = False
        self.abort()


def _swap(staged: Path, dest: Path, txn: str) -> None:
    """Move ``dest`` aside (if there) and ``staged`` into its place; safe to repeat after a crash."""
    if not (staged.exists() or staged.is_symlink()):
        return  # already swapped in
    old = _old_name(dest, txn)
    if (dest.exists() or dest.is_symlink()) and not (old.exists() or old.is_symlink()):
        dest.rename(old)
    staged.rename(dest)


def _journal_moves(journal: Path) -> tuple[str, list[tuple[Path, Path]]] | None:
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        txn = str(data["txn"])
        moves = [(Path(s), Path(d)) for s, d in data["moves"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # only ever rename what this module names: the staged sibling of each destination
    if all(s == _staged_name(d, txn) for s, d in moves):
        return txn, moves
    return None


def pending(journal: Path) -> bool:
    """Whether a build was interrupted while swapping its outputs in."""
    return Path(journal).exists()


def recover(journal: Path, outputs: Iterable[Path]) -> None:
    """Finish a transaction interrupted while swapping (roll forward), then remove what killed
    runs left behind beside each of ``outputs``: staging folders, old outputs, temporary files."""
    journal = Path(journal)
    found = _journal_moves(journal) if journal.exists() else None
    dests = [Path(p) for p in outputs]
    if found is not None:
        txn, moves = found
        for staged, dest in moves:
            _swap(staged, dest, txn)
        dests += [d for _, d in moves]
    journal.unlink(missing_ok=True)
    for dest in dests:
        if not dest.parent.is_dir():
            continue
        for old in sorted(dest.parent.glob(f".{dest.name}.old-*")):
            if dest.exists() or dest.is_symlink():
                _remove(old)
            else:  # an older swap that stopped between its renames: the old output is the good one
                old.rename(dest)
        for leftover in dest.parent.glob(f".{dest.name}.new-*"):
            _remove(leftover)
        for leftover in dest.parent.glob(f".{dest.name}.*.tmp"):
            _remove(leftover)


@contextmanager
def transaction(journal: Path | None) -> Iterator[Transaction]:
    """Stage outputs inside the block, then call :meth:`Transaction.commit`; staging is removed
    if the block fails."""
    txn = Transaction(None if journal is None else Path(journal))
    try:
        yield txn
    except BaseException:
        txn.abort()
        raise


def replace_tree(files: Mapping[str, Content], dest: Path, journal: Path | None = None) -> int:
    """Make the folder ``dest`` hold exactly ``files`` (and the marker), atomically."""
    with transaction(journal) as txn:
        txn.folder(dest, files)
        txn.commit()
    return len(files)


# ---------------------------------------------------------------------------- lock


class Busy(Exception):
    """Another ssl-kb process holds the build lock."""


@contextmanager
def build_lock(folder: Path, *, wait: bool = True) -> Iterator[None]:
    """An exclusive lock (``folder/.ssl-kb.lock``) so two writers never write the same outputs."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".ssl-kb.lock", "a")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise _failed(folder, exc) from exc
    with handle:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            raise Busy(f"another ssl-kb build holds {folder / '.ssl-kb.lock'}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
