"""Facts: the snapshot of the store that question generators and the answer check read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from sqlalchemy.engine import Engine

from .. import graph as lineage
from .. import queries


@dataclass
class Facts:
    records: dict[str, dict[str, Any]]
    papers: dict[str, dict[str, Any]]
    topics_of: dict[str, list[str]]
    topic_order: list[str]
    results: list[dict[str, Any]]
    hyperparameters: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    graph: nx.DiGraph
    by_name: dict[str, str] = field(default_factory=dict)  # unique display name -> id
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)  # generated banks, indexes

    @classmethod
    def from_store(cls, engine: Engine, graph: nx.DiGraph | None = None) -> Facts:
        records = {r["id"]: r for r in queries.record_rows(engine)}
        facts = cls(
            records=records,
            papers=queries.papers(engine),
            topics_of=queries.topics_of(engine),
            topic_order=[t["id"] for t in queries.topics_in_order(engine)],
            results=queries.results(engine),
            hyperparameters=queries.hyperparameters(engine),
            claims=queries.lecture_claims(engine),
            graph=graph if graph is not None else lineage.build(engine),
        )
        names: dict[str, list[str]] = {}
        for rid, row in records.items():
            if row["kind"] in queries.WORK_KINDS:
                names.setdefault(row["name"], []).append(rid)
        facts.by_name = {name: ids[0] for name, ids in names.items() if len(ids) == 1}
        return facts

    # -- helpers the generators share ------------------------------------------------------

    def work_ids(self, kinds: tuple[str, ...] = ("method",)) -> list[str]:
        """Ids of records of these kinds whose display name is unique (usable as an option)."""
        return sorted(
            rid
            for rid, r in self.records.items()
            if r["kind"] in kinds and self.by_name.get(r["name"]) == rid
        )

    def name(self, rid: str) -> str:
        return str(self.records[rid]["name"])

    def year(self, rid: str) -> int | None:
        value = self.records[rid]["year"]
        return int(value) if value is not None else None

    def topics(self, rid: str) -> list[str]:
        return self.topics_of.get(rid, [])

    def neighbourhood(self, rid: str) -> set[str]:
        """Topics of ``rid`` and the topics next to them in the lecture (plausible distractors)."""
        out: set[str] = set()
        for topic in self.topics(rid):
            if topic in self.topic_order:
                i = self.topic_order.index(topic)
                out.update(self.topic_order[max(0, i - 1) : i + 2])
        return out

    def index(self, name: str, rows: list[dict[str, Any]], key: Any) -> dict[Any, list[dict[str, Any]]]:
        """Rows grouped by ``key(row)``, built once per Facts (keeps answer checks linear)."""
        if name not in self.cache:
            grouped: dict[Any, list[dict[str, Any]]] = {}
            for row in rows:
                grouped.setdefault(key(row), []).append(row)
            self.cache[name] = grouped
        return self.cache[name]  # type: ignore[no-any-return]

    def parents(self, rid: str) -> set[str]:
        return set(self.graph.successors(rid)) if rid in self.graph else set()
