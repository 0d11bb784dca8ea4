"""Exports that cannot be forged: every export parsed back with a parser independent of its writer.

The hostile fixture KB (tests/data/hostile_kb, valid records) holds a topic name with blank lines and
GIFT specials, a doi with ``}`` and ``@``, text cells starting with ``= + - @``, a summary of Markdown
block syntax (``!!! danger``, ``# heading``, ``<script>`` ...), ``<image>`` in a name, ``and`` inside
an author's name and two papers with the same ``lastnameYEARfirstword`` key. Each export must hold
exactly the records' questions, entries, rows and nodes, and give back the records' text.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
import xml.dom.minidom
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from ssl_kb import graph as lineage
from ssl_kb import queries
from ssl_kb.kb import load
from ssl_kb.quiz.bank import generate
from ssl_kb.quiz.export import to_anki, to_gift, to_markdown, to_qti, to_qti21
from ssl_kb.quiz.export.base import name as question_name
from ssl_kb.quiz.model import Question
from ssl_kb.readmodel import ReadModel
from ssl_kb.site.downloads import files as download_files
from ssl_kb.store import memory_engine

from ..quiz.export import gift_grammar
from ..quiz.export.qti_reader import read_qti12, read_qti21
from ..quiz.export.test_gift import check_pygiftparser
from ..quiz.export.test_gift import check_round_trip as check_gift
from ..quiz.export.test_qti import check_qti12
from ..quiz.export.test_qti21 import check_qti21
from .conftest import REPO, make_project, ssl_kb

HOSTILE = REPO / "tests" / "data" / "hostile_kb"
REAL = REPO / "kb"
TOPIC = "masked-predictions"  # its name holds blank lines and GIFT specials
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XML = "a\x00b\x0bc\ufffed\uffffe\ud800f"


def flat(text: str) -> str:
    return " ".join(text.split())


@dataclass
class KB:
    model: ReadModel
    questions: list[Question]
    downloads: dict[str, str]
    papers: dict[str, dict[str, Any]]
    records: dict[str, Any]


def read_kb(path: Path) -> KB:
    kb = load(path)
    engine = memory_engine(kb.records.values())
    graph = lineage.build(engine)
    model = ReadModel.read(engine, graph)
    return KB(
        model,
        generate(model),
        download_files(model),
        {rid: asdict(paper) for rid, paper in queries.papers(engine).items()},
        {rid: r.model_dump(mode="json") for rid, r in kb.records.items()},
    )


@pytest.fixture(scope="module", params=["hostile", "real"])
def kb(request: pytest.FixtureRequest) -> KB:
    return read_kb(HOSTILE if request.param == "hostile" else REAL)


@pytest.fixture(scope="module")
def hostile() -> KB:
    return read_kb(HOSTILE)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile KB built by the real ``ssl-kb build`` (site, downloads)."""
    root = make_project(tmp_path_factory.mktemp("hostile-exports") / "project", HOSTILE)
    proc = ssl_kb("build", "--kb", "kb", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root


def test_the_fixture_is_hostile(hostile: KB) -> None:
    """The fixture holds what the tests below claim it holds (so they cannot pass vacuously)."""
    name = hostile.model.rows[TOPIC].name
    assert "\n\n" in name and "::" in name and "{" in name
    assert any("<image>" in q.prompt or any("<image>" in o for o in q.options) for q in hostile.questions)
    assert "}" in hostile.papers["mae"]["doi"] and "@" in hostile.papers["mae"]["doi"]
    assert hostile.records["mae"]["summary"].startswith('!!! danger "x"')
    assert sum(q.topics[0] == TOPIC for q in hostile.questions) > 0


# ---------------------------------------------------------------------------- GIFT, QTI 1.2, QTI 2.1
# Read back by tests/quiz/export/gift_grammar.py (Moodle's documented GIFT) and qti_reader.py (as
# Canvas's importer reads QTI 1.2; IMS QTI 2.1), over the whole bank of each KB, every deck.


def export_title(kb: KB) -> str:
    return kb.model.rows[TOPIC].name if TOPIC in kb.model.rows else "All <b>decks</b> & {kinds}"


def test_the_bank_has_every_deck(kb: KB) -> None:
    assert {q.deck for q in kb.questions} == {"understanding", "recall"} and len(kb.questions) > 30


def test_gift_round_trips_the_whole_bank(kb: KB) -> None:
    check_gift(kb.questions, export_title(kb))


def test_pygiftparser_reads_the_whole_bank(kb: KB) -> None:
    check_pygiftparser(kb.questions, export_title(kb))


def test_gift_round_trips_one_topic_in_its_category(kb: KB) -> None:
    check_gift([q for q in kb.questions if TOPIC in q.topics] or kb.questions, export_title(kb))


def test_gift_never_lets_text_start_a_format_or_a_weight(hostile: KB) -> None:
    q = replace(
        hostile.questions[0], options=("[plain]<b>x</b>", "%50%half", *hostile.questions[0].options[2:])
    )
    text = to_gift([q], "t").decode()
    _, (got,) = gift_grammar.parse(text)
    assert [gift_grammar.shown(a.text, a.text_format) for a in got.answers[:2]] == [
        "[plain]<b>x</b>",
        "%50%half",
    ]
    assert [a.weight for a in got.answers] == [100.0 * (i == q.answer) for i in range(len(q.options))]
    assert "<b>" not in text


def test_gift_names_keep_html_in_record_text(hostile: KB) -> None:
    """``<image>`` in a name would be stripped by Moodle's PARAM_TEXT cleaning: it is escaped."""
    tagged = [q for q in hostile.questions if "<image>" in question_name(q)]
    assert tagged
    _, parsed = gift_grammar.parse(to_gift(tagged, "t").decode())
    assert all("<image>" in gift_grammar.plain(got.name or "") for got in parsed)


def test_qti_round_trips_the_whole_bank(kb: KB) -> None:
    check_qti12(kb.questions, export_title(kb))


def test_qti21_round_trips_the_whole_bank(kb: KB) -> None:
    check_qti21(kb.questions, export_title(kb))


def test_qti_stays_well_formed_with_xml_illegal_characters(hostile: KB) -> None:
    q = replace(hostile.questions[0], prompt=f"<image> {ILLEGAL_XML}", explanation=ILLEGAL_XML)
    (item,) = read_qti12(to_qti([q], f"title {ILLEGAL_XML}")).items
    assert item.prompt == "<image> a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"
    (item,) = read_qti21(to_qti21([q], f"title {ILLEGAL_XML}")).items
    assert item.prompt == "<image> a\ufffdb c\ufffdd\ufffde\ufffdf"  # one line: \x0b is a space


# ---------------------------------------------------------------------------- Anki, Markdown


def test_anki_fields_are_html_text_and_the_deck_does_not_nest(hostile: KB, tmp_path: Path) -> None:
    pytest.importorskip("genanki")
    questions = [q for q in hostile.questions if TOPIC in q.topics]
    title = hostile.model.rows[TOPIC].name
    path = tmp_path / "deck.apkg"
    path.write_bytes(to_anki(questions, title))
    zipfile.ZipFile(path).extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        notes = [row[0].split("\x1f") for row in db.execute("SELECT flds FROM notes")]
        decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
    names = sorted(d["name"] for d in decks.values() if d["name"] != "Default")
    assert names == ["ssl-kb::" + flat(title).replace("::", ": ")]

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)

    by_id = {q.id: q for q in questions}
    assert sorted(n[0] for n in notes) == sorted(by_id)
    for fields in notes:
        q = by_id[fields[0]]
        for value in fields:
            parser = Tags()
            parser.feed(value)
            assert set(parser.tags) <= {"br"}, value
        assert html.unescape(fields[1]) == q.prompt


def test_markdown_handout_has_one_heading_and_the_options(hostile: KB) -> None:
    markdown = pytest.importorskip("markdown")
    questions = [q for q in hostile.questions if TOPIC in q.topics]
    title = hostile.model.rows[TOPIC].name
    page = markdown.markdown(to_markdown(questions, title).decode())
    h1 = re.findall(r"<h1>(.*?)</h1>", page, re.S)
    assert [html.unescape(h) for h in h1] == [flat(title)]
    assert page.count("<li>") == sum(len(q.options) for q in questions) + len(questions)  # + answer key
    assert "<image>" not in page and "<h2>" in page and page.count("<h2>") == 1


# ---------------------------------------------------------------------------- BibTeX

_LATEX_BACK = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\&": "&",
    r"\%": "%",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
}


def unlatex(text: str) -> str:
    return re.sub("|".join(re.escape(k) for k in _LATEX_BACK), lambda m: _LATEX_BACK[m[0]], text)


def unverbatim(text: str) -> str:
    return text.replace("%7B", "{").replace("%7D", "}").replace("%5C", "\\")


def check_bibtex(bib: str, papers: dict[str, dict[str, Any]]) -> None:
    pybtex = pytest.importorskip("pybtex.database")
    data = pybtex.parse_string(bib, "bibtex")  # raises on a repeated key
    keys = re.findall(r"^@\w+\{([^,\n]+),", bib, re.M)
    assert len(keys) == len(set(keys)) == len(papers) == len(data.entries)

    def person(p: Any) -> str:
        parts = [*p.first_names, *p.middle_names, *p.prelast_names, *p.last_names, *p.lineage_names]
        return unlatex(" ".join(parts)).replace("{and}", "and")

    def decoded(entry: Any) -> tuple[Any, ...]:
        f = entry.fields
        return (
            unlatex(f["title"]),
            int(f["year"]),
            unlatex(f["booktitle"]) if "booktitle" in f else None,
            unverbatim(f["doi"]) if "doi" in f else None,
            f.get("eprint"),
            tuple(person(p) for p in entry.persons["author"]),
        )

    def expected(paper: dict[str, Any]) -> tuple[Any, ...]:
        return (
            "{" + flat(paper["title"]) + "}",  # the title, with the braces that keep its case
            int(paper.get("venue_year") or paper["year"]) if paper.get("venue") else int(paper["year"]),
            flat(paper["venue"]) if paper.get("venue") else None,
            paper.get("doi"),
            paper.get("arxiv"),
            tuple(flat(a) for a in paper["authors"]),
        )

    assert Counter(decoded(e) for e in data.entries.values()) == Counter(expected(p) for p in papers.values())


def test_bibtex_download_parses_to_one_entry_per_paper(kb: KB) -> None:
    check_bibtex(kb.downloads["downloads/ssl-kb.bib"], kb.papers)


def test_built_bibtex_and_show_agree_on_unique_keys(hostile_site: Path) -> None:
    bib = (hostile_site / "site" / "downloads" / "ssl-kb.bib").read_text(encoding="utf-8")
    papers = read_kb(HOSTILE).papers
    check_bibtex(bib, papers)
    shown = ssl_kb("show", "mae", "--kb", "kb", "--format", "bibtex", cwd=hostile_site)
    assert shown.returncode == 0, shown.stderr
    (key,) = re.findall(r"^@\w+\{([^,\n]+),", shown.stdout, re.M)
    assert key in re.findall(r"^@\w+\{([^,\n]+),", bib, re.M)
    assert key == "he2021masked:mae"  # clashes with beit's paper; disambiguated by record id


# ---------------------------------------------------------------------------- CSV and JSON downloads


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def test_csv_cells_are_never_formulas_and_round_trip(kb: KB) -> None:
    for name, text in kb.downloads.items():
        if name.endswith(".csv"):
            for row in read_csv(text):
                for column, cell in row.items():
                    assert not cell.startswith(TRIGGERS), (name, column, cell)
    rows = {r["id"]: r for r in read_csv(kb.downloads["downloads/records.csv"])}
    assert sorted(rows) == sorted(kb.records)
    for rid, record in kb.records.items():
        for column in ("name", "full_name", "summary", "pretext_task", "architecture", "backbone"):
            if record.get(column) is not None:
                assert unneutralise(rows[rid][column]) == record[column], (rid, column)
    results = read_csv(kb.downloads["downloads/results.csv"])
    expected = [
        (rid, r["variant"], r.get("note") or "")
        for rid in sorted(kb.records)
        for r in kb.records[rid].get("results") or []
    ]
    got = [(r["record_id"], unneutralise(r["variant"]), unneutralise(r["note"])) for r in results]
    assert got == expected


def test_hostile_csv_cells_were_neutralised(hostile: KB) -> None:
    rows = {r["id"]: r for r in read_csv(hostile.downloads["downloads/records.csv"])}
    assert rows["mae"]["full_name"] == "'" + hostile.records["mae"]["full_name"]
    assert rows["mae"]["full_name"].startswith("'=")
    assert json.loads(hostile.downloads["downloads/ssl-kb.json"])["records"][
        sorted(hostile.records).index("mae")
    ]["full_name"].startswith("=")  # JSON keeps the text as it is


# ---------------------------------------------------------------------------- graph exports


@pytest.fixture
def hostile_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_node("end", name='A "quoted" ]bracket[ | pipe\nnew line `tick` #1', kind="method", year=2020)
    g.add_node("b", name=f"illegal {ILLEGAL_XML}", kind="method", year=None)
    g.add_edge("end", "b", type="uses", reason=f"because {ILLEGAL_XML}")
    return g


def test_graphml_is_well_formed_with_any_text(hostile_graph: nx.DiGraph) -> None:
    for g in (
        hostile_graph,
        *(lineage.build(memory_engine(load(kb).records.values())) for kb in (HOSTILE, REAL)),
    ):
        text = lineage.to_graphml(g)
        xml.dom.minidom.parseString(text.encode())
        back = nx.parse_graphml(text)
        assert sorted(back.nodes) == sorted(g.nodes) and back.number_of_edges() == g.number_of_edges()


_MERMAID_LINE = re.compile(
    r'^  (?:(?P<node>[a-z0-9_-]+)\["(?P<label>[^"\[\]\n|`]*)"\]'
    r"|(?P<child>[a-z0-9_-]+) -->\|(?P<type>[^|\n]*)\| (?P<parent>[a-z0-9_-]+)"
    r"|style [a-z0-9_-]+ stroke-width:3px)$"
)
_MERMAID_KEYWORDS = {"end", "graph", "flowchart", "subgraph", "style", "class", "click"}


def test_mermaid_lines_are_nodes_and_edges_only(hostile_graph: nx.DiGraph) -> None:
    text = lineage.to_mermaid(hostile_graph, highlight="end")
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart BT"
    nodes, edges = {}, []
    for line in lines[1:]:
        match = _MERMAID_LINE.match(line)
        assert match, line
        if match["node"]:
            assert match["node"] not in _MERMAID_KEYWORDS
            nodes[match["node"]] = re.sub(r"#(\d+);", lambda m: chr(int(m[1])), match["label"])
        elif match["child"]:
            edges.append((match["child"], match["parent"]))
    assert len(nodes) == 2 and len(edges) == 1
    assert sorted(nodes.values())[0] == flat(hostile_graph.nodes["end"]["name"]) + " (2020)"


def test_dot_statements_hold_the_names(hostile_graph: nx.DiGraph) -> None:
    lines = lineage.to_dot(hostile_graph).rstrip("\n").split("\n")
    assert lines[0] == "digraph lineage {" and lines[-1] == "}"
    string = r'"((?:[^"\\\n]|\\.)*)"'
    labels = []
    for line in lines[1:-1]:
        node = re.fullmatch(rf"  {string} \[label={string}\];", line)
        edge = re.fullmatch(rf"  {string} -> {string} \[label={string}\];", line)
        assert node or edge or line in ("  rankdir=BT;", "  node [shape=box];"), line
        if node:
            labels.append(re.sub(r"\\(.)", r"\1", node[2]))
    assert f"{flat(hostile_graph.nodes['end']['name'])}n2020" in labels  # DOT's \n line break


# ---------------------------------------------------------------------------- site Markdown


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.found: list[tuple[str, dict[str, str | None], str]] = []  # (tag, attrs, text directly inside)
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs), ""))
        if tag not in ("br", "hr", "img", "input", "meta", "link"):
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.found:
            tag, attrs, text = self.found[-1]
            self.found[-1] = (tag, attrs, text + data)


def elements(page: Path) -> Elements:
    parser = Elements()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", ["methods/mae.html", "index.html", "topics/masked-predictions.html"])
def test_prose_never_becomes_page_structure(hostile_site: Path, page: str) -> None:
    path = hostile_site / "site" / page
    if not path.is_file():
        pytest.skip(f"no {page} in this site layout")
    found = elements(path)
    classes = " ".join(str(a.get("class") or "") for _, a, _ in found.found).split()
    assert "danger" not in classes and "x" not in classes
    assert not [
        t
        for t, _, text in found.found
        if t in ("h1", "h2", "h3", "h4", "h5", "h6") and text.strip() == "heading"
    ]
    assert not [t for t, _, text in found.found if t == "li" and text.strip() == "list item"]
    assert not [t for t, _, text in found.found if t == "summary" and text.strip() == "y"]
    assert not [t for t, _, text in found.found if t == "script" and "alert" in text]
    assert not [t for t, _, text in found.found if t in ("th", "td") and text.strip() in ("a", "b")]


def test_mae_page_shows_the_summary_as_text(hostile_site: Path) -> None:
    text = " ".join(" ".join(elements(hostile_site / "site" / "methods" / "mae.html").text).split())
    for shown in (
        '!!! danger "x" pwned',
        "# heading",
        "<script>alert(1)</script>",
        '??? note "y"',
        '--8<-- "/etc/passwd"',
        "[ref]: https://evil.example",
        "{: .x }",
        "| a | b |",
        "{{ 7*7 }}",
    ):
        assert shown in text, shown


def test_json_exports_round_trip(hostile: KB, hostile_graph: nx.DiGraph) -> None:
    from ssl_kb.quiz.export import to_json

    data = json.loads(to_json(hostile.questions, hostile.model.rows[TOPIC].name))
    assert data["title"] == hostile.model.rows[TOPIC].name
    assert [Question.from_dict(q) for q in data["questions"]] == hostile.questions
    back = json.loads(lineage.to_json(hostile_graph))
    assert {n["id"]: n["name"] for n in back["nodes"]} == dict(hostile_graph.nodes(data="name"))
