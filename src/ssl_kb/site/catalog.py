"""Catalog: everything the site shows, read once from the store and the lineage graph.

The catalog indexes records, results, claims and questions so that each page is built in time
proportional to its own content (a thousand records stay fast). It knows where every record's
page lives and where its YAML source is; it holds no presentation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from sqlalchemy.engine import Engine

from .. import queries
from ..citation import cite_keys
from ..schema import FOLDERS, AnyRecord, Dataset, Method, Metric, Topic, quiz_page, record_page
from ..store import records_from_store

BAD_VERDICTS = ("wrong", "imprecise", "typo")


def _paper(record: AnyRecord) -> dict[str, Any] | None:
    paper = getattr(record, "paper", None)
    return None if paper is None else paper.model_dump(mode="json")


@dataclass
class Catalog:
    records: dict[str, AnyRecord]
    sources: dict[str, str]  # record id -> its YAML file, relative to the checkout
    graph: nx.DiGraph
    results: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    questions: dict[str, list[dict[str, Any]]] | None = None  # topic id -> question dicts
    by_kind: dict[str, list[str]] = field(default_factory=dict)
    topic_members: dict[str, list[str]] = field(default_factory=dict)
    results_of: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    results_on: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    claims_by: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cite_keys: dict[str, str] = field(default_factory=dict)  # record id -> its unique BibTeX key

    # ------------------------------------------------------------------ construction

    @classmethod
    def read(
        cls, engine: Engine, graph: nx.DiGraph, questions: dict[str, list[dict[str, Any]]] | None = None
    ) -> Catalog:
        records = records_from_store(engine)
        sources = {}
        for row in queries.record_rows(engine):
            sources[row["id"]] = row["path"] or f"kb/{FOLDERS[row['kind']]}/{row['id']}.yaml"
        catalog = cls(
            records, sources, graph, queries.results(engine), queries.lecture_claims(engine), questions
        )
        catalog._index()
        return catalog

    def _index(self) -> None:
        by_kind: dict[str, list[str]] = defaultdict(list)
        members: dict[str, list[str]] = defaultdict(list)
        for rid, record in self.records.items():
            by_kind[record.kind].append(rid)
            for topic in record.topics:
                members[topic].append(rid)
        self.by_kind = {k: sorted(v) for k, v in by_kind.items()}
        self.topic_members = {k: sorted(v, key=self.chrono_key) for k, v in members.items()}
        of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        on: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.results:
            of[row["record_id"]].append(row)
            on[row["dataset_id"]].append(row)
        self.results_of = dict(of)
        self.results_on = dict(on)
        claims: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for claim in self.claims:
            claims[claim["record_id"]].append(claim)
        self.claims_by = dict(claims)
        papers = {rid: _paper(r) for rid, r in self.records.items()}
        self.cite_keys = cite_keys({rid: p for rid, p in papers.items() if p is not None})

    # ------------------------------------------------------------------ lookups

    def ids(self, kind: str) -> list[str]:
        return self.by_kind.get(kind, [])

    def year(self, rid: str) -> int | None:
        record = self.records.get(rid)
        if record is None:
            return None
        paper = getattr(record, "paper", None)
        if paper is not None:
            return int(paper.year)
        year = getattr(record, "year", None)
        return int(year) if year is not None else None

    def chrono_key(self, rid: str) -> tuple[int, str]:
        year = self.year(rid)
        return (year if year is not None else 9999, rid)

    def topics(self) -> list[Topic]:
        """Topics in the lecture's order."""
        found = [self.records[t] for t in self.ids("topic")]
        return sorted((t for t in found if isinstance(t, Topic)), key=lambda t: (t.order, t.id))

    def methods(self) -> list[Method]:
        return [r for r in (self.records[i] for i in self.ids("method")) if isinstance(r, Method)]

    def works_by_year(self) -> list[str]:
        """Methods and dated concepts, oldest first."""
        works = [i for i in self.ids("method") + self.ids("concept") if self.year(i) is not None]
        return sorted(works, key=self.chrono_key)

    def metric(self, rid: str) -> Metric | None:
        record = self.records.get(rid)
        return record if isinstance(record, Metric) else None

    def datasets(self) -> list[Dataset]:
        return [r for r in (self.records[i] for i in self.ids("dataset")) if isinstance(r, Dataset)]

    def page(self, rid: str) -> str:
        """The docs path of a record's page."""
        return record_page(self.records[rid].kind, rid)

    def name(self, rid: str) -> str:
        record = self.records.get(rid)
        return record.name if record is not None else rid

    def claims_of(self, rid: str) -> list[dict[str, Any]]:
        return self.claims_by.get(rid, [])

    def errata(self) -> list[dict[str, Any]]:
        return [c for c in self.claims if c["verdict"] in BAD_VERDICTS]

    def quiz_page(self, topic_id: str) -> str | None:
        """The quiz page of a topic, if the quiz bank has questions for it."""
        if self.questions and self.questions.get(topic_id):
            return quiz_page(topic_id)
        return None

    def question_count(self) -> int:
        return sum(len(q) for q in (self.questions or {}).values())

    def families(self) -> list[str]:
        """Families of the works in the graph, in order of their earliest member."""
        first: dict[str, tuple[int, str]] = {}
        for node, data in self.graph.nodes(data=True):
            family = str(data.get("family") or data.get("kind") or "other")
            key = self.chrono_key(node)
            if family not in first or key < first[family]:
                first[family] = key
        return sorted(first, key=lambda f: (first[f], f))

    def family(self, rid: str) -> str:
        data = self.graph.nodes[rid] if rid in self.graph else {}
        return str(data.get("family") or data.get("kind") or "other")
