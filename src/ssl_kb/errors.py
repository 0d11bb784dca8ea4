"""Errors: every problem a user can fix, as one family of exceptions under :class:`SslKbError`.

The library raises these; the command line catches :class:`SslKbError` and shows its message with
exit status 1 (some commands catch a subclass first, for a hint or another exit status). Anything
else that escapes a command is a bug and keeps its traceback: a ``KeyError`` from a dict lookup is
never shown as "no record with id".

Problems in the records themselves are not exceptions but diagnostics (:mod:`ssl_kb.diagnostics`);
:class:`InvalidKB` carries them when a command cannot go on without a valid KB.

The modules that raise these errors import them under their old names too
(``ssl_kb.output.OutputError``, ``ssl_kb.project.InvalidKB``, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import Diagnostic


class SslKbError(Exception):
    """A problem the user can fix; ``str()`` is the message for them (without ``error:``)."""


# ---------------------------------------------------------------------------- the knowledge base


class NoKnowledgeBase(SslKbError, FileNotFoundError):
    """There is no kb/ folder where the command looks for one."""


class InvalidKB(SslKbError):
    """The KB has problems that block the command; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) in the knowledge base")
        self.diagnostics = diagnostics


class UnknownRecord(SslKbError, KeyError):
    """No record has the id the user gave (``ssl-kb show nope``); a ``KeyError`` for old callers."""

    def __init__(self, record_id: str) -> None:
        super().__init__(record_id)
        self.record_id = record_id

    def __str__(self) -> str:
        return f"no record with id {self.record_id!r} (see `ssl-kb list`)"


class ScaffoldError(SslKbError):
    """The record cannot be created (malformed or taken id); the message says why."""


# ---------------------------------------------------------------------------- the store


class StoreError(SslKbError):
    """The SQL store cannot be used as asked."""


class NoStore(StoreError, FileNotFoundError):
    """A read-only store file that does not exist (``ssl-kb db`` writes it)."""


class ForeignDatabase(StoreError):
    """The target database holds tables of the store's names that ssl-kb did not write."""


class QueryError(SslKbError):
    """A statement that did not run to the end; ``str()`` is a one-line message for the user."""


class QueryRefused(QueryError):
    """The statement would write or change state (refused before or while it runs); ``what``
    names it (``ATTACH``, ``PRAGMA journal_mode``, ...)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not allowed")
        self.what = what


class QueryStopped(QueryError):
    """Stopped by the time budget (``timed_out``) or by :meth:`ssl_kb.sandbox.Query.interrupt`."""

    def __init__(self, *, timed_out: bool, timeout_s: float) -> None:
        super().__init__(f"stopped after {timeout_s:g} s" if timed_out else "interrupted")
        self.timed_out, self.timeout_s = timed_out, timeout_s


class QueryFailed(QueryError):
    """The database rejected the statement (syntax, no such table, ...)."""


# ---------------------------------------------------------------------------- outputs


class OutputError(SslKbError):
    """An output path that ssl-kb must not write, or a write that failed; nothing was replaced."""

    def __init__(self, path: Path | str, message: str, hint: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message, self.hint = str(path), message, hint

    def __str__(self) -> str:
        return f"{self.path}: {self.message}\n    hint: {self.hint}"


class Busy(SslKbError):
    """Another ssl-kb process holds the build lock."""


class NoSiteConfig(SslKbError, FileNotFoundError):
    """The checkout has no mkdocs.yml, where the site's settings live."""


class RenderError(SslKbError):
    """MkDocs failed or, in strict mode, reported warnings; carries its messages."""

    def __init__(self, message: str, warnings: list[str]) -> None:
        super().__init__(message)
        self.warnings = warnings


# ---------------------------------------------------------------------------- quizzes and revisions


class HistoryError(SslKbError):
    """The quiz history file cannot be used as it is; the message names it, says why and how to
    fix it. The file is never overwritten or repaired: it may not be ours."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class RevisionError(SslKbError):
    """The revision cannot be read (not a git repository, unknown revision, git missing)."""


class UnsafeTree(RevisionError):
    """The revision's tree holds paths that cannot be written safely inside the copy; nothing was written.

    ``problems`` holds one ``(path, reason)`` per unsafe entry, ``path`` as git lists it.
    """

    def __init__(self, label: str, problems: list[tuple[str, str]]) -> None:
        self.label = label
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            f"{self.label}:{path}: unsafe path in the revision's tree ({why})" for path, why in self.problems
        ]
