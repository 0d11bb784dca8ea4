"""Lint: rules across records (references, cycles, years, folders, loss names).

Single-record rules are validators in :mod:`ssl_kb.schema`; everything that needs more than one
record, or the file's location, lives here. Loss names are checked against the literal
``__all__`` of ``ssl_kb/losses/__init__.py``, parsed with :mod:`ast` so torch is never imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .design import FACETS
from .diagnostics import Diagnostic, make
from .loader import Document
from .schema import (
    FOLDERS,
    WORK_KINDS,
    AnyRecord,
    Concept,
    Dataset,
    Method,
    Metric,
    Topic,
    Vocabulary,
    arxiv_year,
    record_year,
)


@dataclass(frozen=True)
class Entry:
    """A validated record with the file it came from."""

    record: AnyRecord
    doc: Document
    relpath: Path  # relative to the KB root


@lru_cache(maxsize=1)
def loss_names() -> frozenset[str]:
    """Names exported by ``ssl_kb.losses`` (its literal ``__all__``), read without importing it."""
    init = Path(__file__).parent / "losses" / "__init__.py"
    try:
        tree = ast.parse(init.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return frozenset()
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = getattr(node, "value", None)
            if isinstance(value, ast.List | ast.Tuple):
                return frozenset(
                    e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    return frozenset()


def lint(entries: list[Entry], broken: frozenset[str] = frozenset()) -> list[Diagnostic]:
    """Every cross-record problem of the given entries, in one pass.

    ``broken``: ids of records whose files failed to load or validate. A reference to one of them is
    not reported (its file already has the diagnostic that explains it), so that one mistake gives one
    problem, not one per record that points at it.
    """
    out: list[Diagnostic] = []
    by_id: dict[str, Entry] = {}
    for entry in entries:
        out.extend(_file_rules(entry))
        rid = entry.record.id
        if rid in by_id:
            first = by_id[rid].doc.path
            out.append(
                make(
                    entry.doc.path,
                    entry.doc.mark(("id",)),
                    "KB201",
                    "id",
                    f"id {rid!r} is also used by {first}",
                )
            )
        else:
            by_id[rid] = entry
    for entry in entries:
        if by_id.get(entry.record.id) is entry:
            out.extend(_reference_rules(entry, by_id, broken))
    out.extend(_topic_order(entries))
    out.extend(_cycles(by_id))
    return out


def _file_rules(entry: Entry) -> Iterable[Diagnostic]:
    record, doc = entry.record, entry.doc
    stem = entry.relpath.stem
    if stem != record.id:
        yield make(
            doc.path,
            doc.mark(("id",)),
            "KB200",
            "id",
            f"id {record.id!r} but the file is named {entry.relpath.name!r}",
        )
    folder = FOLDERS[record.kind]
    if len(entry.relpath.parts) < 2 or entry.relpath.parts[0] != folder:
        yield make(
            doc.path, doc.mark(("kind",)), "KB210", "kind", f"a {record.kind} record belongs in kb/{folder}/"
        )
    paper = getattr(record, "paper", None)
    if paper is not None and paper.arxiv is not None and arxiv_year(paper.arxiv) != paper.year:
        yield make(
            doc.path,
            doc.mark(("paper", "year")),
            "KB206",
            "paper.year",
            f"year {paper.year} but arXiv:{paper.arxiv} was first posted in {arxiv_year(paper.arxiv)}",
        )
    if paper is not None and paper.arxiv is None and paper.note is None:
        yield make(
            doc.path, doc.mark(("paper",)), "KB301", "paper.arxiv", "no arXiv id and no note saying why"
        )
    if isinstance(record, Method) and record.design is None:
        yield make(doc.path, doc.mark(()), "KB303", "design", f"{record.id} has no design block")
    if not record.topics and not isinstance(record, Topic | Dataset | Metric | Vocabulary):
        yield make(doc.path, doc.mark(()), "KB300", "topics", f"{record.id} is listed under no topic")
    if (
        isinstance(record, Method)
        and not record.lineage
        and not any("root" in n.lower() for n in record.notes)
    ):
        yield make(
            doc.path,
            doc.mark(()),
            "KB302",
            "lineage",
            f"{record.id} has no lineage and no note that it is a root",
        )
    names = loss_names()
    losses = list(getattr(record, "losses", []))
    if isinstance(record, Metric) and record.implementation:
        losses.append(record.implementation)
    for i, dotted in enumerate(losses):
        name = dotted.rsplit(".", 1)[-1]
        if name not in names:
            loc = (
                ("implementation",)
                if isinstance(record, Metric) and dotted == record.implementation
                else ("losses", i)
            )
            field = "implementation" if loc == ("implementation",) else f"losses[{i}]"
            yield make(doc.path, doc.mark(loc), "KB209", field, f"{dotted} is not exported by ssl_kb.losses")


def _reference_rules(entry: Entry, by_id: dict[str, Entry], broken: frozenset[str]) -> Iterable[Diagnostic]:
    record, doc = entry.record, entry.doc
    for i, topic in enumerate(record.topics):
        target = by_id.get(topic)
        if target is None and topic in broken:
            continue
        if target is None or not isinstance(target.record, Topic):
            what = "no record" if target is None else f"a {target.record.kind}, not a topic"
            yield make(doc.path, doc.mark(("topics", i)), "KB203", f"topics[{i}]", f"{topic!r} is {what}")
    if isinstance(record, Method | Concept):
        seen: set[str] = set()
        child_year = record_year(record)
        for i, edge in enumerate(record.lineage):
            field = f"lineage[{i}].target"
            mark = doc.mark(("lineage", i, "target"))
            if edge.target in seen:
                yield make(doc.path, mark, "KB213", field, f"{edge.target!r} is listed twice")
            seen.add(edge.target)
            parent = by_id.get(edge.target)
            if parent is None and edge.target in broken:
                continue
            if parent is None:
                yield make(doc.path, mark, "KB202", field, f"no record has id {edge.target!r}")
                continue
            if parent.record.kind not in WORK_KINDS:
                yield make(doc.path, mark, "KB212", field, f"{edge.target!r} is a {parent.record.kind}")
                continue
            parent_year = record_year(parent.record)
            if child_year is not None and parent_year is not None and parent_year > child_year:
                yield make(
                    doc.path,
                    mark,
                    "KB205",
                    field,
                    f"{record.id} ({child_year}) builds on {edge.target} ({parent_year}), which is newer",
                )
    if isinstance(record, Method):
        for i, result in enumerate(record.results):
            yield from _measurement(
                doc, ("results", i), result.dataset, result.metric, result.unit, by_id, broken
            )
        yield from _design_rules(record, doc, by_id, broken)
    if isinstance(record, Dataset):
        for i, metric_id in enumerate(record.metrics):
            metric = by_id.get(metric_id)
            if metric is None and metric_id in broken:
                continue
            if metric is None or not isinstance(metric.record, Metric):
                yield make(
                    doc.path,
                    doc.mark(("metrics", i)),
                    "KB202",
                    f"metrics[{i}]",
                    f"{metric_id!r} is not a metric record",
                )


def _measurement(
    doc: Document,
    where: tuple[str, int],
    dataset_id: str,
    metric_id: str,
    unit: str,
    by_id: dict[str, Entry],
    broken: frozenset[str],
) -> Iterable[Diagnostic]:
    """A result's or an ablation's dataset is a dataset record that lists its metric, in its unit."""
    prefix = f"{where[0]}[{where[1]}]"
    dataset = by_id.get(dataset_id)
    if dataset is None and dataset_id in broken:
        return
    if dataset is None or not isinstance(dataset.record, Dataset):
        what = "no record" if dataset is None else f"a {dataset.record.kind}"
        yield make(
            doc.path,
            doc.mark((*where, "dataset")),
            "KB207",
            f"{prefix}.dataset",
            f"{dataset_id!r} is {what}, not a dataset",
        )
        return
    metric = by_id.get(metric_id)
    mark = doc.mark((*where, "metric"))
    if metric is None and metric_id in broken:
        return
    if metric is None or not isinstance(metric.record, Metric):
        what = "no record" if metric is None else f"a {metric.record.kind}"
        yield make(doc.path, mark, "KB202", f"{prefix}.metric", f"{metric_id!r} is {what}, not a metric")
    elif metric_id not in dataset.record.metrics:
        listed = ", ".join(dataset.record.metrics)
        yield make(
            doc.path, mark, "KB208", f"{prefix}.metric", f"{dataset_id} lists {listed}, not {metric_id}"
        )
    elif unit != metric.record.unit:
        yield make(
            doc.path,
            doc.mark((*where, "unit")),
            "KB108",
            f"{prefix}.unit",
            f"{metric_id} is measured in {metric.record.unit!r}, not {unit!r}",
        )


def _design_rules(
    record: Method, doc: Document, by_id: dict[str, Entry], broken: frozenset[str]
) -> Iterable[Diagnostic]:
    """Every design value is in its facet's vocabulary; ablations name a dataset and its metric.

    A vocabulary that failed to load (in ``broken``) is not held against the values that use it.
    """
    if record.design is not None:
        for info in FACETS:
            facet = getattr(record.design, info.key)
            vocabulary = by_id.get(info.vocabulary)
            if vocabulary is None and info.vocabulary in broken:
                continue
            allowed = (
                {v.id for v in vocabulary.record.values}
                if vocabulary is not None and isinstance(vocabulary.record, Vocabulary)
                else set()
            )
            for i, value in enumerate(facet.value or []):
                if value not in allowed:
                    if vocabulary is None:
                        where = f"no vocabulary kb/vocabularies/{info.vocabulary}.yaml"
                    elif not isinstance(vocabulary.record, Vocabulary):
                        where = f"{info.vocabulary!r}, which is a {vocabulary.record.kind}, not a vocabulary"
                    else:
                        where = f"kb/vocabularies/{info.vocabulary}.yaml"
                    yield make(
                        doc.path,
                        doc.mark(("design", info.key, "value", i)),
                        "KB214",
                        f"design.{info.key}.value[{i}]",
                        f"{value!r} is not a value of {where}",
                    )
    for i, ablation in enumerate(record.ablations):
        yield from _measurement(
            doc, ("ablations", i), ablation.dataset, ablation.metric, ablation.unit, by_id, broken
        )


def _topic_order(entries: list[Entry]) -> Iterable[Diagnostic]:
    taken: dict[int, str] = {}
    for entry in entries:
        record = entry.record
        if isinstance(record, Topic):
            if record.order in taken:
                yield make(
                    entry.doc.path,
                    entry.doc.mark(("order",)),
                    "KB211",
                    "order",
                    f"order {record.order} is also {taken[record.order]}'s",
                )
            else:
                taken[record.order] = record.id


def _cycles(by_id: dict[str, Entry]) -> Iterable[Diagnostic]:
    """Report each lineage cycle once, at the edge that closes it (iterative DFS)."""
    graph = {
        rid: [e.target for e in getattr(entry.record, "lineage", []) if e.target in by_id]
        for rid, entry in by_id.items()
    }
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        state[start] = 1
        while stack:
            node, i = stack[-1]
            targets = graph[node]
            if i >= len(targets):
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            stack[-1] = (node, i + 1)
            nxt = targets[i]
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                entry = by_id[node]
                index = next(k for k, e in enumerate(entry.record.lineage) if e.target == nxt)  # type: ignore[union-attr]
                yield make(
                    entry.doc.path,
                    entry.doc.mark(("lineage", index, "target")),
                    "KB204",
                    f"lineage[{index}].target",
                    "cycle " + " -> ".join(cycle),
                )
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, 0))
                path.append(nxt)
