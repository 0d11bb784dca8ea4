"""ReadModel: everything the site and the quizzes read, built once from the store and the lineage graph.

One snapshot of the store serves every reader: the validated records (for pages and downloads),
the store's typed rows (:mod:`ssl_kb.queries`: records, papers, results, claims, hyperparameters,
edges), the lineage graph, and indexes over them, so that each page or question is built in time
proportional to its own content (a thousand records stay fast). It knows where every record's page
lives and where its YAML source is; it holds no presentation and generates no questions: the quiz
bank's questions for the site's quiz pages are attached with :meth:`ReadModel.with_questions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

import networkx as nx
from sqlalchemy.engine import Engine

from . import queries
from .citation import cite_keys
from .design import FACET_BY_KEY, Ablation, Design, VocabularyValue
from .queries import ClaimView, EdgeView, HyperparameterView, PaperView, RecordView, ResultView
from .schema import (
    FOLDERS,
    WORK_KINDS,
    AnyRecord,
    Dataset,
    Method,
    Metric,
    Topic,
    Vocabulary,
    quiz_page,
    record_page,
)
from .store import records_from_store

BAD_VERDICTS = ("wrong", "imprecise", "typo")
#: Question dicts (``Question.to_dict()``) by topic id, as the quiz pages embed them.
Questions = dict[str, list[dict[str, Any]]]

Row = TypeVar("Row")
Key = TypeVar("Key", bound=Hashable)


def _grouped(rows: Sequence[Row], key: Callable[[Row], str]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return dict(out)


@dataclass(frozen=True, eq=False)
class ReadModel:
    records: dict[str, AnyRecord]  # record id -> the validated record
    rows: dict[str, RecordView]  # record id -> its row in the store
    papers: dict[str, PaperView]  # record id -> its paper, for records that have one
    sources: dict[str, str]  # record id -> its YAML file, relative to the checkout
    graph: nx.DiGraph
    results: list[ResultView]  # sorted by dataset, protocol, metric, value (desc)
    claims: list[ClaimView]  # sorted by record and position
    hyperparameters: list[HyperparameterView]  # sorted by record and position
    edges: list[EdgeView]  # sorted by child and position
    topic_order: list[str]  # topic ids in the lecture's order
    topic_ids: dict[str, list[str]]  # record id -> its topic ids, in the record's order
    by_kind: dict[str, list[str]]  # kind -> record ids, sorted
    by_name: dict[str, str]  # unique display name of a work -> its id
    topic_members: dict[str, list[str]]  # topic id -> ids of its records, oldest first
    results_of: dict[str, list[ResultView]]  # record id -> its results
    results_on: dict[str, list[ResultView]]  # dataset id -> results on it
    claims_by: dict[str, list[ClaimView]]  # record id -> its lecture claims
    cite_keys: dict[str, str]  # record id -> its unique BibTeX key
    questions: Questions = field(default_factory=dict)  # for the site's quiz pages
    cache: dict[Hashable, Any] = field(default_factory=dict, repr=False)  # generated banks, indexes

    # ------------------------------------------------------------------ construction

    @classmethod
    def read(cls, engine: Engine, graph: nx.DiGraph | None = None) -> ReadModel:
        """Read the whole store once (and build the lineage graph from it unless given)."""
        if graph is None:
            from .graph import build

            graph = build(engine)
        records = records_from_store(engine)
        rows = {r.id: r for r in queries.record_rows(engine)}
        papers = queries.papers(engine)
        results = queries.results(engine)
        claims = queries.lecture_claims(engine)
        by_kind: dict[str, list[str]] = defaultdict(list)
        names: dict[str, list[str]] = defaultdict(list)
        for rid, row in rows.items():  # rows are sorted by id
            by_kind[row.kind].append(rid)
            if row.kind in WORK_KINDS:
                names[row.name].append(rid)
        topic_ids = {rid: list(r.topics) for rid, r in records.items() if r.topics}
        members: dict[str, list[str]] = defaultdict(list)
        for rid, topics in topic_ids.items():
            for topic in topics:
                members[topic].append(rid)

        def chrono(rid: str) -> tuple[int, str]:
            year = rows[rid].year if rid in rows else None
            return (year if year is not None else 9999, rid)

        return cls(
            records=records,
            rows=rows,
            papers=papers,
            sources={rid: r.path or f"kb/{FOLDERS[r.kind]}/{rid}.yaml" for rid, r in rows.items()},
            graph=graph,
            results=results,
            claims=claims,
            hyperparameters=queries.hyperparameters(engine),
            edges=queries.lineage_edges(engine),
            topic_order=sorted(by_kind.get("topic", []), key=lambda t: (rows[t].order or 0, t)),
            topic_ids=topic_ids,
            by_kind=dict(by_kind),
            by_name={name: ids[0] for name, ids in names.items() if len(ids) == 1},
            topic_members={t: sorted(ids, key=chrono) for t, ids in members.items()},
            results_of=_grouped(results, lambda r: r.record_id),
            results_on=_grouped(results, lambda r: r.dataset_id),
            claims_by=_grouped(claims, lambda c: c.record_id),
            cite_keys=cite_keys(papers),
        )

    def with_questions(self, questions: Questions | None) -> ReadModel:
        """The same model with the quiz bank's questions for the quiz pages (sharing its indexes)."""
        return replace(self, questions=dict(questions or {}))

    # ------------------------------------------------------------------ records

    def ids(self, kind: str) -> list[str]:
        return self.by_kind.get(kind, [])

    def name(self, rid: str) -> str:
        row = self.rows.get(rid)
        return row.name if row is not None else rid

    def year(self, rid: str) -> int | None:
        """The year a record is dated by: its paper's first year, else its own."""
        row = self.rows.get(rid)
        return row.year if row is not None else None

    def chrono_key(self, rid: str) -> tuple[int, str]:
        year = self.year(rid)
        return (year if year is not None else 9999, rid)

    def page(self, rid: str) -> str:
        """The docs path of a record's page."""
        return record_page(self.rows[rid].kind, rid)

    def topics(self) -> list[Topic]:
        """Topics in the lecture's order."""
        return [t for t in (self.records[i] for i in self.topic_order) if isinstance(t, Topic)]

    def topics_of(self, rid: str) -> list[str]:
        """The topic ids of a record, in the record's order."""
        return self.topic_ids.get(rid, [])

    def methods(self) -> list[Method]:
        return [r for r in (self.records[i] for i in self.ids("method")) if isinstance(r, Method)]

    def datasets(self) -> list[Dataset]:
        return [r for r in (self.records[i] for i in self.ids("dataset")) if isinstance(r, Dataset)]

    def metric(self, rid: str) -> Metric | None:
        record = self.records.get(rid)
        return record if isinstance(record, Metric) else None

    def works_by_year(self) -> list[str]:
        """Methods and dated concepts, oldest first."""
        works = [i for i in self.ids("method") + self.ids("concept") if self.year(i) is not None]
        return sorted(works, key=self.chrono_key)

    def work_ids(self, kinds: tuple[str, ...] = ("method",)) -> list[str]:
        """Ids of records of these kinds whose display name is unique (usable as a quiz option)."""
        return sorted(
            rid for rid, r in self.rows.items() if r.kind in kinds and self.by_name.get(r.name) == rid
        )

    def neighbourhood(self, rid: str) -> set[str]:
        """Topics of ``rid`` and the topics next to them in the lecture (plausible distractors)."""
        out: set[str] = set()
        for topic in self.topics_of(rid):
            if topic in self.topic_order:
                i = self.topic_order.index(topic)
                out.update(self.topic_order[max(0, i - 1) : i + 2])
        return out

    # ------------------------------------------------------------------ design

    def design(self, rid: str) -> Design | None:
        """A method's design block, if it has one."""
        record = self.records.get(rid)
        return record.design if isinstance(record, Method) else None

    def facet_values(self, rid: str, facet: str) -> tuple[str, ...] | None:
        """The value ids of one facet of a method; None where unknown or the method has no design."""
        design = self.design(rid)
        values = getattr(design, facet).value if design is not None else None
        return tuple(values) if values is not None else None

    def vocabulary(self, facet: str) -> dict[str, VocabularyValue]:
        """The values of a facet's vocabulary by id, in the vocabulary's order (empty if none)."""
        record = self.records.get(FACET_BY_KEY[facet].vocabulary)
        return {v.id: v for v in record.values} if isinstance(record, Vocabulary) else {}

    def value_name(self, facet: str, value: str) -> str:
        found = self.vocabulary(facet).get(value)
        return found.name if found is not None else value

    def ablations(self, rid: str) -> list[Ablation]:
        record = self.records.get(rid)
        return list(record.ablations) if isinstance(record, Method) else []

    # ------------------------------------------------------------------ claims

    def claims_of(self, rid: str) -> list[ClaimView]:
        return self.claims_by.get(rid, [])

    def errata(self) -> list[ClaimView]:
        return [c for c in self.claims if c.verdict in BAD_VERDICTS]

    # ------------------------------------------------------------------ lineage

    def parents(self, rid: str) -> set[str]:
        return set(self.graph.successors(rid)) if rid in self.graph else set()

    def families(self) -> list[str]:
        """Families of the works in the graph, in order of their earliest member."""
        first: dict[str, tuple[int, str]] = {}
        for node in self.graph.nodes:
            family = self.family(node)
            key = self.chrono_key(node)
            if family not in first or key < first[family]:
                first[family] = key
        return sorted(first, key=lambda f: (first[f], f))

    def family(self, rid: str) -> str:
        data = self.graph.nodes[rid] if rid in self.graph else {}
        return str(data.get("family") or data.get("kind") or "other")

    # ------------------------------------------------------------------ quizzes

    def quiz_page(self, topic_id: str) -> str | None:
        """The quiz page of a topic, if the attached questions include some for it."""
        return quiz_page(topic_id) if self.questions.get(topic_id) else None

    def question_count(self) -> int:
        return sum(len(q) for q in self.questions.values())

    def index(self, name: str, rows: Sequence[Row], key: Callable[[Row], Key]) -> dict[Key, list[Row]]:
        """Rows grouped by ``key(row)``, built once per model (keeps answer checks linear)."""
        if name not in self.cache:
            grouped: dict[Key, list[Row]] = {}
            for row in rows:
                grouped.setdefault(key(row), []).append(row)
            self.cache[name] = grouped
        return cast("dict[Key, list[Row]]", self.cache[name])
