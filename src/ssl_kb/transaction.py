"""Transaction: outputs staged beside their destinations and swapped in together, and the build lock.

A :class:`Transaction` stages every output of a build beside its destination (``.NAME.new-TXN``),
then writes a journal and swaps each one in with two renames. A run killed while staging leaves
everything old; one killed while swapping is rolled forward by :func:`recover`, which every writer
calls under :func:`build_lock` before it starts, so the outputs are either all old or all new.
Leftover staging folders, old outputs and temporary files are removed there too. Files are written
through :mod:`ssl_kb.output` (``output._write_new``, looked up at call time, so that the tests can
stop a build at any write).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import output
from .errors import Busy as Busy
from .output import (
    MARKER,
    MARKER_TEXT,
    Content,
    OutputError,
    _bytes,
    _failed,
    _remove,
    _unique,
    _within,
    with_marker,
    write_files,
)

JOURNAL = ".ssl-kb-journal.json"


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
        output._write_new(staged / MARKER, (MARKER_TEXT + text).encode())

    def file(self, dest: Path, content: Content) -> None:
        staged = self._claim(dest)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            output._write_new(staged, _bytes(content))
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
            output._write_new(tmp, json.dumps(data, indent=1).encode())
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
