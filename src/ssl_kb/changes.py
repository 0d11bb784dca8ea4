"""Changes: what a change to kb/ does to the knowledge base (``ssl-kb diff REV``).

Two snapshots of the KB (a git revision and the working tree) are compared as written: records
added, removed and changed field by field (``results[0].value``), the quiz questions that appear
or disappear, and the site pages whose content depends on the changed records. Records are
compared as the loader reads them, so a revision whose KB does not validate can still be
compared; its quiz questions cannot (they need a valid store), and the result says so.

Page paths come from :func:`ssl_kb.schema.record_page` and :func:`ssl_kb.schema.quiz_page`, the
functions the site uses: a record's page is ``<folder>/<id>.md`` (``methods/mae.md``) and a topic's
quiz page is ``quiz/<topic>.md``; both are docs paths, relative to the site's docs folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Severity, field_path
from .kb import KnowledgeBase, load
from .loader import discover, read_file
from .schema import FOLDERS, is_record_id, quiz_page, record_page

ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "(absent)"})()
REFERENCE_FIELDS = ("topics", "lineage", "results", "metrics")


@dataclass
class Snapshot:
    """One side of the comparison: the records as written, and the checked KB."""

    label: str
    kb: KnowledgeBase
    data: dict[str, Any] = field(default_factory=dict)  # key (id, else file stem) -> data or None
    paths: dict[str, str] = field(default_factory=dict)  # key -> path inside kb/ (POSIX)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.kb.diagnostics if d.severity is Severity.ERROR]

    def kind(self, key: str) -> str | None:
        data = self.data.get(key)
        kind = data.get("kind") if isinstance(data, dict) else None
        return kind if isinstance(kind, str) and kind in FOLDERS else None


def snapshot(kb_dir: Path, label: str, display: str | None = None) -> Snapshot:
    """Read ``kb_dir`` twice: as written (for the comparison) and checked (for the quizzes).

    With ``display``, diagnostics name their files as ``display`` + the path inside ``kb_dir``
    (``main:kb/methods/mae.yaml`` rather than a temporary folder).
    """
    kb_dir = Path(kb_dir)
    snap = Snapshot(label, load(kb_dir))
    if display is not None:
        snap.kb.diagnostics = [_relabel(d, kb_dir, display) for d in snap.kb.diagnostics]
    for path in discover(kb_dir):
        if path.is_dir():  # a folder link (KB011) or a folder nested too deep (KB016): no record
            continue
        rel = path.relative_to(kb_dir).as_posix()
        data = read_file(path, kb_dir, rel).data
        rid = data.get("id") if isinstance(data, dict) else None
        key = rid if isinstance(rid, str) and rid else path.stem
        if key not in snap.data:  # a duplicate id is KB201 on that side; compare the first file
            snap.data[key] = data
            snap.paths[key] = rel
    return snap


def _relabel(diagnostic: Diagnostic, kb_dir: Path, display: str) -> Diagnostic:
    try:
        rel = Path(diagnostic.path).absolute().relative_to(kb_dir.absolute()).as_posix()
    except ValueError:
        return diagnostic
    return replace(diagnostic, path=display + rel)


# ---------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    @property
    def change(self) -> str:
        return "added" if self.old is ABSENT else "removed" if self.new is ABSENT else "changed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "change": self.change,
            "old": None if self.old is ABSENT else self.old,
            "new": None if self.new is ABSENT else self.new,
        }


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type, all the way down (``1 == True == 1.0`` in Python, not in a record)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def field_changes(old: Any, new: Any, loc: tuple[str | int, ...] = ()) -> list[FieldChange]:
    """Differences between two parsed values, as dotted field paths (``paper.year``, ``results[0].value``).

    Mappings are compared key by key (in the new order, then removed keys). Lists are aligned
    like lines in a text diff: unchanged items are skipped, an item that changed in place is
    compared field by field, and added (removed) items are named by their new (old) index.
    Any other value is compared as a whole.
    """
    if _same(old, new):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[FieldChange] = []
        keys = [*new, *(k for k in old if k not in new)]
        for key in keys:
            out.extend(field_changes(old.get(key, ABSENT), new.get(key, ABSENT), (*loc, str(key))))
        return out
    if isinstance(old, list) and isinstance(new, list):
        return _list_changes(old, new, loc)
    return [FieldChange(field_path(loc) or "(record)", old, new)]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _list_changes(old: list[Any], new: list[Any], loc: tuple[str | int, ...]) -> list[FieldChange]:
    out: list[FieldChange] = []
    matcher = SequenceMatcher(None, [_key(v) for v in old], [_key(v) for v in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):  # changed in place: compare the items themselves
            out.extend(field_changes(old[i1 + k], new[j1 + k], (*loc, j1 + k)))
        out.extend(FieldChange(field_path((*loc, i)), old[i], ABSENT) for i in range(i1 + paired, i2))
        out.extend(FieldChange(field_path((*loc, j)), ABSENT, new[j]) for j in range(j1 + paired, j2))
    return out


# ---------------------------------------------------------------------------- records


@dataclass
class RecordChange:
    id: str
    kind: str | None
    path: str
    old_path: str | None = None
    fields: list[FieldChange] = field(default_factory=list)
    unreadable: str | None = None  # which side could not be read, if one could not

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "path": self.path}
        if self.old_path and self.old_path != self.path:
            data["old_path"] = self.old_path
        if self.unreadable:
            data["unreadable"] = self.unreadable
        data["fields"] = [c.to_dict() for c in self.fields]
        return data


def _references(data: Any) -> set[str]:
    """Ids a record's data points at (topics, lineage targets, datasets and metrics of results)."""
    if not isinstance(data, dict):
        return set()
    out: set[str] = set()

    def items(key: str) -> list[Any]:
        value = data.get(key)
        return value if isinstance(value, list) else []

    out.update(t for t in items("topics") + items("metrics") if isinstance(t, str))
    for edge in items("lineage"):
        if isinstance(edge, dict) and isinstance(edge.get("target"), str):
            out.add(edge["target"])
    for result in items("results"):
        if isinstance(result, dict):
            out.update(v for k in ("dataset", "metric") if isinstance(v := result.get(k), str))
    return out


@dataclass
class Changes:
    base: Snapshot
    head: Snapshot
    added: list[RecordChange] = field(default_factory=list)
    removed: list[RecordChange] = field(default_factory=list)
    changed: list[RecordChange] = field(default_factory=list)
    questions_added: list[dict[str, Any]] | None = None
    questions_removed: list[dict[str, Any]] | None = None
    #: same id (same slot), new content: the fact that decides the answer (or its wording) changed
    questions_updated: list[dict[str, Any]] | None = None
    pages: dict[str, list[str]] = field(default_factory=dict)  # docs path -> why

    def page_of(self, key: str) -> str | None:
        kind = self.head.kind(key) or self.base.kind(key)
        # a key is the id as written (or the file's stem): only a well-formed id names a page
        return record_page(kind, key) if kind and is_record_id(key) else None

    def _touch(self, key: str, reason: str) -> None:
        page = self.page_of(key)
        if page is not None:
            self.pages.setdefault(page, [])
            if reason not in self.pages[page]:
                self.pages[page].append(reason)


def compare(base: Snapshot, head: Snapshot) -> Changes:
    """Records added, removed and changed between ``base`` and ``head``, and the pages they touch."""
    out = Changes(base, head)
    for key in sorted(set(base.data) | set(head.data)):
        old, new = base.data.get(key, ABSENT), head.data.get(key, ABSENT)
        if key not in base.data:
            out.added.append(RecordChange(key, head.kind(key), head.paths[key]))
            out._touch(key, f"{key} added")
            for ref in sorted(_references(new)):
                out._touch(ref, f"{key} added, links here")
            continue
        if key not in head.data:
            out.removed.append(RecordChange(key, base.kind(key), base.paths[key]))
            out._touch(key, f"{key} removed")
            for ref in sorted(_references(old)):
                out._touch(ref, f"{key} removed, linked here")
            continue
        moved = base.paths[key] != head.paths[key]
        if _same(old, new) and not moved:
            continue
        change = RecordChange(key, head.kind(key) or base.kind(key), head.paths[key], base.paths[key])
        if old is None or new is None:
            change.unreadable = " and ".join(
                label for label, data in ((base.label, old), (head.label, new)) if data is None
            )
        else:
            change.fields = field_changes(old, new)
        out.changed.append(change)
        out._touch(key, f"{key} changed")
        if change.unreadable or any(
            c.field.split(".")[0].split("[")[0] in REFERENCE_FIELDS for c in change.fields
        ):
            for ref in sorted(_references(old) ^ _references(new)):
                out._touch(ref, f"{key} changed its links")
    _compare_questions(out)
    out.pages = dict(sorted(out.pages.items()))
    return out


# ---------------------------------------------------------------------------- questions


def questions(snap: Snapshot) -> dict[str, dict[str, Any]] | None:
    """The verified quiz questions of a snapshot by id, or None if its KB does not validate."""
    if not snap.kb.ok():
        return None
    from . import graph as lineage
    from .quiz.bank import generate
    from .readmodel import ReadModel
    from .store import memory_engine

    engine = memory_engine(snap.kb.records.values())
    try:
        model = ReadModel.read(engine, lineage.build(engine))
        return {
            q.id: {
                "id": q.id,
                "kind": q.kind,
                "prompt": q.prompt,
                "answer": q.answer_text,
                "options": sorted(q.options),
                "topics": list(q.topics),
            }
            for q in generate(model)
        }
    finally:
        engine.dispose()


def _compare_questions(out: Changes) -> None:
    old, new = questions(out.base), questions(out.head)
    if old is None or new is None:
        return
    out.questions_added = [new[i] for i in sorted(set(new) - set(old))]
    out.questions_removed = [old[i] for i in sorted(set(old) - set(new))]
    out.questions_updated = [
        {**new[i], "old_prompt": old[i]["prompt"], "old_answer": old[i]["answer"]}
        for i in sorted(set(old) & set(new))
        if any(old[i][k] != new[i][k] for k in ("prompt", "answer"))  # not its distractors
    ]
    for label, items in (
        ("added", out.questions_added),
        ("removed", out.questions_removed),
        ("updated", out.questions_updated),
    ):
        for q in items:
            for topic in q["topics"]:
                page = quiz_page(topic)
                reason = f"questions {label}"
                out.pages.setdefault(page, [])
                if reason not in out.pages[page]:
                    out.pages[page].append(reason)


# ---------------------------------------------------------------------------- output


def _side(snap: Snapshot, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        **extra,
        "label": snap.label,
        "records": len(snap.data),
        "valid": snap.kb.ok(),
        "errors": [d.to_dict() for d in snap.errors],
    }


def to_dict(changes: Changes, base_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    unavailable = changes.questions_added is None
    return {
        "base": _side(changes.base, base_extra or {}),
        "head": _side(changes.head, {}),
        "records": {
            "added": [c.to_dict() for c in changes.added],
            "removed": [c.to_dict() for c in changes.removed],
            "changed": [c.to_dict() for c in changes.changed],
        },
        "questions": None
        if unavailable
        else {
            "added": changes.questions_added,
            "removed": changes.questions_removed,
            "updated": changes.questions_updated,
        },
        "pages": [{"page": page, "reasons": reasons} for page, reasons in changes.pages.items()],
    }


def _value(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False, default=str)


def _invalid(snap: Snapshot, limit: int = 10) -> Iterator[str]:
    errors = snap.errors
    yield f"! the KB at {snap.label} does not validate ({len(errors)} error(s)); records are compared as written"
    for d in sorted(errors)[:limit]:
        yield f"    {d.path}:{d.line}:{d.col}: {d.code} {d.field + ': ' if d.field else ''}{d.message}"
    if len(errors) > limit:
        yield f"    ... and {len(errors) - limit} more (`ssl-kb check` lists them all)"


def to_text(changes: Changes) -> str:
    base, head = changes.base, changes.head
    lines = [f"ssl-kb diff {base.label} -> {head.label}: {len(base.data)} -> {len(head.data)} records"]
    for snap in (base, head):
        if not snap.kb.ok():
            lines.extend(_invalid(snap))
    lines.append("")
    lines.append(f"records added ({len(changes.added)})")
    lines.extend(f"  + {c.id} ({c.kind or '?'}) {c.path}" for c in changes.added)
    lines.append(f"records removed ({len(changes.removed)})")
    lines.extend(f"  - {c.id} ({c.kind or '?'}) {c.path}" for c in changes.removed)
    lines.append(f"records changed ({len(changes.changed)})")
    for c in changes.changed:
        moved = f" (moved from {c.old_path})" if c.old_path and c.old_path != c.path else ""
        lines.append(f"  ~ {c.id} ({c.kind or '?'}) {c.path}{moved}")
        if c.unreadable:
            lines.append(f"      cannot be read at {c.unreadable}: see `ssl-kb check`")
        for f in c.fields:
            old, new = _value(f.old), _value(f.new)
            if len(old) + len(new) <= 100:
                lines.append(f"      {f.field}: {old} -> {new}")
            else:
                lines.extend([f"      {f.field}:", f"        - {old}", f"        + {new}"])
    if changes.questions_added is None or changes.questions_removed is None:
        lines.append("quiz questions: not compared (a side does not validate)")
    else:
        lines.append(f"quiz questions added ({len(changes.questions_added)})")
        lines.extend(f"  + {q['id']}: {q['prompt']}" for q in changes.questions_added)
        lines.append(f"quiz questions removed ({len(changes.questions_removed)})")
        lines.extend(f"  - {q['id']}: {q['prompt']}" for q in changes.questions_removed)
        updated = changes.questions_updated or []
        lines.append(f"quiz questions updated ({len(updated)})")
        for q in updated:
            lines.append(f"  ~ {q['id']}: {q['prompt']}")
            if q["old_answer"] != q["answer"]:
                lines.append(f"      answer: {q['old_answer']} -> {q['answer']}")
    lines.append(f"pages affected ({len(changes.pages)})")
    lines.extend(f"  {page}  ({'; '.join(reasons)})" for page, reasons in changes.pages.items())
    return "\n".join(lines)
