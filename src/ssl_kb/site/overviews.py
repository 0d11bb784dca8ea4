"""Overviews: the pages about many records (home, indexes, timeline, lineage, results, compare,
errata, downloads, contributing, quizzes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel

from ..design import FACETS, Ablation, AblationPoint, Facet
from ..diagnostics import CODES
from ..queries import ResultView
from ..readmodel import ReadModel
from ..schema import FOLDERS, MODELS, RecordKind, quiz_page
from . import charts, markdown, svg
from .markdown import Raw, link
from .pages import ADMONITION, header
from .quiz_pages import embed, payload
from .templates import render

ALL = "all records in kb/ (through the store)"
LINEAGE_PICTURE_LIMIT = 40
PROTOCOL_TITLES = {
    "linear": "Linear probe",
    "fine-tune": "Fine-tuned",
    "k-nn": "k-NN",
    "zero-shot": "Zero-shot",
    "few-shot": "Few-shot",
    "supervised": "Supervised",
    "semi-supervised": "Semi-supervised",
}


def _href(cat: ReadModel, page: str) -> Callable[[str], str | None]:
    return lambda n: markdown.html_url(page, cat.page(n)) if n in cat.records else None


def home(cat: ReadModel) -> str:
    page = "index.md"
    topics = [{"link": link(page, cat.page(t.id), t.name), "summary": t.summary} for t in cat.topics()]
    topics_first = sorted(RecordKind, key=lambda kind: kind is not RecordKind.TOPIC)  # then file order
    counts = {kind.value: len(cat.ids(kind.value)) for kind in topics_first}
    words = ", ".join(f"{n} {k if n == 1 else FOLDERS[k]}" for k, n in counts.items())
    quiz = ", ".join(link(page, q, t.name) for t in cat.topics() if (q := cat.quiz_page(t.id)))
    first = cat.topics()[0] if cat.topics() else None
    return render(
        "home.md.j2",
        header=header(ALL),
        counts=f"{words}, {len(cat.results)} results and {len(cat.claims)} checked lecture claims",
        topics=topics,
        first_topic=link(page, cat.page(first.id), first.name) if first else "the first topic",
        timeline=link(page, "timeline.md", "timeline"),
        lineage=link(page, "lineage.md", "lineage overview"),
        compare=link(page, "compare.md", "comparison matrix"),
        results=link(page, "results/index.md", "results by benchmark"),
        design=link(page, "vocabularies/index.md", "design space"),
        errata=link(page, "errata.md", "lecture errata"),
        contributing=link(page, "contributing.md", "the contributing guide"),
        downloads=link(page, "downloads.md", "SQLite, JSON, CSV and BibTeX downloads"),
        quiz=Raw(quiz) if quiz else None,
    )


def index(cat: ReadModel, kind: str) -> str:
    folder = FOLDERS[kind]
    page = f"{folder}/index.md"
    rows: list[list[Any]]
    if kind == "topic":
        rows = [
            [i + 1, link(page, cat.page(t.id), t.name), t.heading, t.summary]
            for i, t in enumerate(cat.topics())
        ]
        columns = ["#", "Topic", "Lecture heading", "Summary"]
        intro = "The lecture's sections, in its order."
    elif kind == "vocabulary":
        return _design_space(cat)
    else:
        ids = sorted(cat.ids(kind), key=lambda i: (cat.name(i).lower(), i))
        rows = [
            [link(page, cat.page(i), cat.name(i)), cat.year(i) or "—", cat.records[i].summary] for i in ids
        ]
        columns = ["Name", "Year", "Summary"]
        intro = {
            "method": "Every method in the knowledge base; see the timeline for them in order.",
            "concept": "Ideas that are not one paper.",
            "dataset": "Datasets and benchmarks that results are reported on.",
            "metric": "Evaluation metrics.",
        }[kind]
    title = folder.capitalize()
    return render("index.md.j2", header=header(ALL), title=title, intro=intro, columns=columns, rows=rows)


def _design_space(cat: ReadModel) -> str:
    """The vocabularies' index: each design facet with its number of values and of methods giving one."""
    page = "vocabularies/index.md"
    rows: list[list[Any]] = []
    for info in FACETS:
        record = cat.records.get(info.vocabulary)
        if record is None:
            continue
        used = sum(1 for m in cat.ids("method") if cat.facet_values(m, info.key))
        name = link(page, cat.page(info.vocabulary), record.name)
        rows.append(
            [name, markdown.code(f"design.{info.key}"), len(cat.vocabulary(info.key)), used, record.summary]
        )
    intro = (
        "How methods work, facet by facet: each facet's page defines its values and lists the methods "
        'that use each. A method page\'s "How it works" table links here.'
    )
    columns = ["Facet", "Field", "Values", "Methods", "Summary"]
    return render(
        "index.md.j2", header=header(ALL), title="Design space", intro=intro, columns=columns, rows=rows
    )


def timeline(cat: ReadModel) -> str:
    page = "timeline.md"
    years: dict[int, list[Raw]] = defaultdict(list)
    for rid in cat.works_by_year():
        record = cat.records[rid]
        item = f"{link(page, cat.page(rid), record.name)} ({markdown.text(cat.family(rid))}): {markdown.text(record.summary)}"
        years[int(cat.year(rid) or 0)].append(Raw(item))
    picture = svg.timeline(cat.graph, cat.families(), _href(cat, page))
    return render(
        "timeline.md.j2",
        header=header(ALL),
        picture=Raw(picture),
        years=[{"year": y, "items": items} for y, items in sorted(years.items())],
    )


def lineage(cat: ReadModel) -> str:
    from ..graph import reduction

    page = "lineage.md"
    reduced = reduction(cat.graph)
    picture = None
    if 0 < reduced.number_of_nodes() <= LINEAGE_PICTURE_LIMIT:
        picture = Raw(svg.lineage(reduced, cat.families(), _href(cat, page)))
        explanation = (
            "The picture shows the transitive reduction (an edge is left out when a longer chain already "
            "connects the two works), in rows by family; the tables list every direct edge."
        )
    else:
        explanation = (
            f"With {reduced.number_of_nodes()} works a single picture is unreadable, so the lineage is a table "
            "per family; each work's own page has a picture of its parents and children."
        )
    families = []
    for family in cat.families():
        members = sorted((n for n in cat.graph if cat.family(n) == family), key=cat.chrono_key)
        rows = []
        for n in members:
            parents = sorted(cat.graph.successors(n), key=cat.chrono_key)
            built = ", ".join(
                f"{link(page, cat.page(p), cat.name(p))} ({cat.graph.edges[n, p]['type']})" for p in parents
            )
            rows.append(
                [link(page, cat.page(n), cat.name(n)), cat.year(n) or "—", Raw(built) if built else "a root"]
            )
        families.append({"name": family, "rows": rows})
    return render(
        "lineage.md.j2", header=header(ALL), explanation=explanation, picture=picture, families=families
    )


def benchmark(cat: ReadModel, dataset_id: str) -> str:
    page = f"results/{dataset_id}.md"
    dataset = cat.records[dataset_id]
    grouped: dict[tuple[str, str, int | None], list[ResultView]] = defaultdict(list)
    for r in cat.results_on.get(dataset_id, []):
        grouped[(r.protocol, r.metric_id, r.shots)].append(r)
    groups = []
    for (protocol, metric_id, shots), rows in sorted(
        grouped.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0)
    ):
        metric = cat.metric(metric_id)
        higher = metric.higher_is_better if metric else True
        ranked = sorted(rows, key=lambda r: ((-r.value if higher else r.value), r.record_id, r.position))
        shot = f", {shots}-shot" if shots else ""
        title = f"{PROTOCOL_TITLES.get(protocol, protocol)}{shot}: {cat.name(metric_id)}"
        unit = rows[0].unit
        chart = charts.results_chart(
            f"chart-{protocol}-{metric_id}-{shots or 0}",
            rows,
            higher_is_better=higher,
            unit=unit,
            href=_href(cat, page),
            title=f"{title} on {dataset.name} over time",
        )
        table = [
            [
                k + 1,
                link(page, cat.page(r.record_id), r.record_name),
                r.record_year or "—",
                f"{r.value:g} {r.unit}",
                r.variant + (f"; {r.setting}" if r.setting else ""),
                f"{r.split} ({r.task})",
                r.source,
            ]
            for k, r in enumerate(ranked)
        ]
        groups.append({"title": title, "chart": Raw(chart), "rows": table})
    sources = sorted(
        {cat.sources[r.record_id] for r in cat.results_on.get(dataset_id, [])} | {cat.sources[dataset_id]}
    )
    return render(
        "benchmark.md.j2",
        header=header(sources),
        dataset=dataset,
        groups=groups,
        details=link(page, cat.page(dataset_id), dataset.name),
    )


def results_index(cat: ReadModel) -> str:
    page = "results/index.md"
    rows = []
    for d in sorted(cat.datasets(), key=lambda d: d.id):
        on = cat.results_on.get(d.id, [])
        protocols = ", ".join(sorted({r.protocol for r in on}))
        target = link(page, f"results/{d.id}.md", d.name) if on else markdown.text(d.name)
        rows.append([target, len(on), protocols or "—", ", ".join(d.tasks)])
    return render(
        "index.md.j2",
        header=header(ALL),
        title="Results by benchmark",
        intro="One page per benchmark; results are ranked only within one protocol and metric.",
        columns=["Benchmark", "Results", "Protocols", "Tasks"],
        rows=rows,
    )


def compare(cat: ReadModel) -> str:
    page = "compare.md"
    rows = []
    for m in sorted(cat.methods(), key=lambda m: (m.paper.year, m.id)):
        rows.append(
            [
                link(page, cat.page(m.id), m.name),
                m.paper.year,
                m.family,
                m.pretext_task or "—",
                m.architecture or "—",
                ", ".join(x.value for x in m.modalities),
            ]
        )
    return render(
        "index.md.j2",
        header=header(ALL),
        title="Compare methods",
        intro="Every method by pretext task, architecture, modality and year (oldest first).",
        columns=["Method", "Year", "Family", "Pretext task", "Architecture", "Modality"],
        rows=rows,
    )


def errata(cat: ReadModel) -> str:
    page = "errata.md"
    titles = {"wrong": "Wrong", "imprecise": "Imprecise", "typo": "Typos"}
    groups = []
    found = cat.errata()
    for verdict, title in titles.items():
        claims = [
            asdict(c)
            | {"kind": ADMONITION[verdict], "link": link(page, cat.page(c.record_id), c.record_name)}
            for c in found
            if c.verdict == verdict
        ]
        if claims:
            groups.append({"title": f"{title} ({len(claims)})", "claims": claims})
    checked = len(cat.claims)
    summary = f"{len(found)} of the {checked} lecture claims checked need a correction."
    sources = sorted({cat.sources[c.record_id] for c in found}) or ALL
    return render("errata.md.j2", header=header(sources), groups=groups, summary=summary)


DOWNLOADS = [
    ("ssl-kb.sqlite", "SQLite store: every record in tables, and one view per kind (method, concept, ...)"),
    ("ssl-kb.json", "every record as JSON, exactly the fields of the YAML files"),
    ("records.csv", "one row per record: id, kind, name, year, family, summary, ..."),
    ("results.csv", "one row per reported result, with protocol and source"),
    ("lineage.csv", "one row per lineage edge: child, parent, type, reason"),
    ("lecture-claims.csv", "one row per checked lecture claim, with verdict and correction"),
    ("ssl-kb.bib", "BibTeX entries for every paper"),
]


def downloads(cat: ReadModel, *, sqlite: bool = True) -> str:
    page = "downloads.md"
    files = [
        [link(page, f"downloads/{name}", name), what]
        for name, what in DOWNLOADS
        if sqlite or not name.endswith(".sqlite")
    ]
    return render("downloads.md.j2", header=header(ALL), files=files)


def _field_rows(model: type[BaseModel], prefix: str = "") -> list[list[Any]]:
    return [
        [Raw(markdown.code(prefix + name)), "yes" if info.is_required() else "no", info.description or "—"]
        for name, info in model.model_fields.items()
    ]


def contributing() -> str:
    kinds = []
    for kind, model in MODELS.items():
        doc = " ".join((model.__doc__ or "").split())
        kinds.append({"name": kind, "doc": doc, "rows": _field_rows(model)})
    codes = [[c.code, c.severity.value, c.title, c.hint] for c in CODES.values()]
    facets = [
        [
            Raw(markdown.code(f.key)),
            Raw(markdown.code(f"kb/vocabularies/{f.vocabulary}.yaml")),
            f.noun,
        ]
        for f in FACETS
    ]
    return render(
        "contributing.md.j2",
        header=header("ssl_kb.schema, ssl_kb.design and ssl_kb.diagnostics.CODES"),
        kinds=kinds,
        codes=codes,
        facets=facets,
        facet_rows=_field_rows(Facet),
        ablation_rows=_field_rows(Ablation) + _field_rows(AblationPoint, "points[]."),
    )


def quiz(cat: ReadModel, topic_id: str) -> str:
    page = quiz_page(topic_id)
    questions = cat.questions.get(topic_id, [])
    topic = cat.records[topic_id]
    urls = {rid: markdown.html_url(page, cat.page(rid)) for rid in cat.records}
    names = {rid: r.name for rid, r in cat.records.items()}
    data = embed(payload(questions, urls, names))
    return render(
        "quiz.md.j2",
        header=header(f"{cat.sources[topic_id]} and the quiz bank (ssl_kb.quiz.bank)"),
        topic=topic,
        count=len(questions),
        topic_link=link(page, cat.page(topic_id), topic.name),
        data=Raw(data),
    )


def quiz_index(cat: ReadModel) -> str:
    page = "quiz/index.md"
    rows = [
        [link(page, q, t.name), len(cat.questions.get(t.id, []))]
        for t in cat.topics()
        if (q := cat.quiz_page(t.id))
    ]
    return render(
        "index.md.j2",
        header=header(ALL),
        title="Quizzes",
        intro=Raw("One quiz per topic, generated from the knowledge base. In a terminal: `ssl-kb quiz`."),
        columns=["Topic", "Questions"],
        rows=rows,
    )
