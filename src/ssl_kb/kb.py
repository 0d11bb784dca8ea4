"""The knowledge base as loaded from ``kb/``: validated records plus every problem found.

``load`` runs the whole front half of the pipeline (loader -> schema -> lint) and never raises
for bad input: problems come back as diagnostics, all files at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, failed
from .errors import NoKnowledgeBase
from .lint import Entry, lint
from .loader import discover, read_file
from .schema import AnyRecord
from .validation import validate_document


@dataclass
class KnowledgeBase:
    root: Path
    entries: list[Entry] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def records(self) -> dict[str, AnyRecord]:
        """Records by id (the first of duplicates), sorted by id."""
        out: dict[str, AnyRecord] = {}
        for entry in sorted(self.entries, key=lambda e: e.record.id):
            out.setdefault(entry.record.id, entry.record)
        return out

    def entry(self, record_id: str) -> Entry | None:
        return next((e for e in self.entries if e.record.id == record_id), None)

    def ok(self, *, strict: bool = False) -> bool:
        return not failed(self.diagnostics, strict=strict)


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load(root: Path, only: Iterable[Path] | None = None) -> KnowledgeBase:
    """Load and check every record under ``root``.

    With ``only``, every file is still loaded (references need the whole KB) but only the
    diagnostics located in the given files are kept: this is what pre-commit hooks want.
    """
    root = Path(root)
    kb = KnowledgeBase(root)
    if not root.is_dir():
        raise NoKnowledgeBase(f"no knowledge base at {root}")
    files = discover(root)
    wanted: set[Path] | None = None
    if only is not None:
        wanted = {Path(p).absolute() for p in only}
        # discover() yields paths as ``root`` was given (often relative): compare absolute paths,
        # or a file named on the command line is loaded twice and reported as its own duplicate.
        files = sorted({p.absolute() for p in files} | {p for p in wanted if p.exists() or p.is_symlink()})
    broken: set[str] = set()  # ids of files that did not load: references to them are not reported again
    for path in files:
        display = _display(path, root)
        doc = read_file(path, root, display)
        kb.diagnostics.extend(doc.diagnostics)
        if doc.data is None:
            broken.add(path.stem)
            continue
        record, problems = validate_document(doc)
        kb.diagnostics.extend(problems)
        if record is None:
            broken.add(path.stem)
            if isinstance(doc.data, dict) and isinstance(doc.data.get("id"), str):
                broken.add(doc.data["id"])
        else:
            try:
                rel = path.absolute().relative_to(root.absolute())
            except ValueError:
                rel = Path(path.name)
            kb.entries.append(Entry(record, doc, rel))
    kb.diagnostics.extend(lint(kb.entries, broken=frozenset(broken)))
    if wanted is not None:
        shown = {_display(p, root) for p in wanted}
        kb.diagnostics = [d for d in kb.diagnostics if d.path in shown]
    kb.diagnostics.sort()
    return kb
