"""Project: where a checkout keeps its KB and outputs, and the checked path from kb/ to a store.

Commands that read the KB go through :func:`open_store`: records are loaded and checked, and the
queries run against a store: the one at ``--url``/``$SSL_KB_DB_URL`` if given, otherwise a
private in-memory SQLite built from kb/ (so that no command reads stale data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InvalidKB as InvalidKB
from .errors import NoKnowledgeBase
from .kb import KnowledgeBase, load

if TYPE_CHECKING:  # SQLAlchemy is imported only by the commands that open a store (`check` does not)
    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Project:
    root: Path  # the checkout (parent of kb/)
    kb_dir: Path

    @classmethod
    def locate(cls, kb_dir: Path | None = None) -> Project:
        kb = Path(kb_dir or "kb")  # the CLI fills kb_dir from --kb or $SSL_KB_ROOT
        return cls(root=kb.absolute().parent, kb_dir=kb)

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def store_url(self) -> str:
        """The embedded SQLite store that ``ssl-kb build`` and ``ssl-kb db`` write."""
        return f"sqlite:///{self.build_dir / 'ssl-kb.sqlite'}"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def quiz_dir(self) -> Path:
        return self.root / "quizzes"

    def load(self, *, strict: bool = False) -> KnowledgeBase:
        """Load kb/ and raise :class:`InvalidKB` if it does not pass the check."""
        if not self.kb_dir.is_dir():
            raise NoKnowledgeBase(f"no knowledge base at {self.kb_dir} (use --kb PATH)")
        kb = load(self.kb_dir)
        if not kb.ok(strict=strict):
            raise InvalidKB(kb.diagnostics)
        return kb

    def paths(self, kb: KnowledgeBase) -> dict[str, str]:
        """Record id -> its file, relative to the checkout (for links to the source)."""
        return {e.record.id: (Path(self.kb_dir.name) / e.relpath).as_posix() for e in kb.entries}

    def open_store(self, url: str | None = None) -> Engine:
        """The store to query: at ``url`` when given, else in memory from the checked kb/."""
        from .store import engine_for, memory_engine

        if url:  # commands only read: never create an empty SQLite file or write to a server
            return engine_for(url, read_only=True)
        kb = self.load()
        return memory_engine(kb.records.values(), self.paths(kb))
