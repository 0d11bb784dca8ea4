"""Any text that ``ssl-kb check`` accepts survives the whole pipeline, exactly.

A copy of the fixture KB whose MAE record carries astral-plane emoji (with ZWJ sequences, skin-tone
modifiers and flags in prose), CJK, Arabic and Hebrew, combining marks, HTML and TeX specials,
backslashes and leading spreadsheet-formula characters is built with the real ``ssl-kb build``;
then every output is read back with a real parser for its format and must hold the exact text:
the HTML pages, build/mkdocs.yml, the SQLite store, ``ssl-kb sql/show/graph``, the quiz exports and
the site's downloads. The escaping of each export format is tested with its own parse-back tests;
here only survival counts (no crash, and the text is there once decoded).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import make_project, ssl_kb

NAME = "MAE 😀 & <b>x</b> \"dq\" 'sq' a\\b {x} $y$ 50% #1 ~ 掩码 مرحبا שלום e\u0301"
FULL_NAME = "=Masked +Autoencoder 🇫🇷 <&> \\ {}"
ALIASES = ["+MAE", "-MAE", "@MAE", "=1+2", "マスク😀"]
SUMMARY = (
    "👩🏽‍🔬 and 👨‍👩‍👧‍👦 reconstruct 75% of patches; 掩码自编码器; العربية\u200f والعبرية עברית; "
    "n\u0303 a\u0308; <script>alert(1)</script> &amp; \"x\" 'y' C:\\temp\\n {}$#~ ^_ 🏳️‍🌈"
)
AUTHORS = [
    "Zoë O'Brien-Ŝtraße",
    "王小明",
    "محمد علي",
    "דוד לוי",
    "Jean {TeX} $x$ 100% #1 ~ \\ & <Co>",
    "=Dollár",
]
TITLE = 'Masked Autoencoders 😀: 掩码 & <Scalable> "Vision" {Learners} $x$ 100% #1 ~ \\ s\u0308'
TEXTS = {"name": NAME, "full_name": FULL_NAME, "summary": SUMMARY, "title": TITLE}


def flat(text: str) -> str:
    return " ".join(text.split())


def hostile_kb(dest: Path, fixture_kb: Path) -> Path:
    kb = dest / "kb-source"
    import shutil

    shutil.copytree(fixture_kb, kb)
    path = kb / "methods" / "mae.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(name=NAME, full_name=FULL_NAME, aliases=ALIASES, summary=SUMMARY)
    data["paper"].update(title=TITLE, authors=AUTHORS)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    return kb


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import FIXTURE_KB

    base = tmp_path_factory.mktemp("unicode")
    root = make_project(base / "project", hostile_kb(base, FIXTURE_KB))
    check = ssl_kb("check", "--kb", "kb", cwd=root)
    assert check.returncode == 0, check.stderr
    proc = ssl_kb("build", "--kb", "kb", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return root


def run(root: Path, *args: str) -> str:
    proc = ssl_kb(*args, "--kb", "kb", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def strings(value: Any) -> Iterator[str]:
    """Every string in parsed JSON/YAML data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return flat("".join(parser.parts))


def html_title(markup: str) -> str:
    match = re.search(r"<title>(.*?)</title>", markup, re.DOTALL)
    assert match, "no <title>"
    return html.unescape(match.group(1))


def assert_all_in(haystack: str | list[str], needles: list[str], where: str) -> None:
    missing = [n for n in needles if not any(flat(n) in flat(h) for h in [haystack] if isinstance(h, str))]
    if isinstance(haystack, list):
        missing = [n for n in needles if not any(flat(n) in flat(h) for h in haystack)]
    assert not missing, f"{where}: lost {missing!r}"


EVERYTHING = [NAME, FULL_NAME, SUMMARY, TITLE, *AUTHORS, *ALIASES]


# ------------------------------------------------------------------------------------------- site


def test_record_page_holds_every_text(built: Path) -> None:
    page = (built / "site" / "methods" / "mae.html").read_text(encoding="utf-8")
    assert_all_in(html_text(page), EVERYTHING, "site/methods/mae.html")
    assert flat(NAME) in html_title(page)


def test_pages_that_list_the_record_hold_its_name(built: Path) -> None:
    for rel in ("methods/index.html", "timeline.html", "index.html", "topics/masked-predictions.html"):
        page = (built / "site" / rel).read_text(encoding="utf-8")
        assert_all_in(html_text(page), [NAME], f"site/{rel}")


def test_navigation_reads_back_exactly(built: Path) -> None:
    config = yaml.safe_load((built / "build" / "mkdocs.yml").read_text(encoding="utf-8"))

    def titles(nav: Any) -> Iterator[tuple[str, str]]:
        for item in nav:
            if isinstance(item, dict):
                ((title, child),) = item.items()
                if isinstance(child, str):
                    yield title, child
                else:
                    yield from titles(child)

    by_page = {page: title for title, page in titles(config["nav"])}
    assert html.unescape(by_page["methods/mae.md"]) == flat(NAME)
    nav_html = (built / "site" / "methods" / "vit.html").read_text(encoding="utf-8")
    assert flat(NAME) in html_text(nav_html)  # the nav of another page, as MkDocs rendered it


# ------------------------------------------------------------------------------------------ store


def test_sqlite_store_holds_the_exact_text(built: Path) -> None:
    con = sqlite3.connect(built / "build" / "ssl-kb.sqlite")
    try:
        name, full_name, summary, aliases = con.execute(
            "SELECT name, full_name, summary, aliases FROM record WHERE id = 'mae'"
        ).fetchone()
        (title,) = con.execute("SELECT title FROM paper WHERE record_id = 'mae'").fetchone()
        authors = [
            row[0]
            for row in con.execute(
                "SELECT a.name FROM paper_author pa JOIN author a ON a.id = pa.author_id "
                "WHERE pa.record_id = 'mae' ORDER BY pa.position"
            )
        ]
    finally:
        con.close()
    assert (name, full_name, summary, title) == (NAME, FULL_NAME, SUMMARY, TITLE)
    assert json.loads(aliases) == ALIASES
    assert authors == AUTHORS


def test_sql_command(built: Path) -> None:
    out = run(
        built, "sql", "--format", "json", "SELECT name, full_name, summary FROM record WHERE id = 'mae'"
    )
    assert json.loads(out) == [{"name": NAME, "full_name": FULL_NAME, "summary": SUMMARY}]


# ------------------------------------------------------------------------------------- show, graph


def test_show_json_and_yaml(built: Path) -> None:
    for fmt, parse in (("json", json.loads), ("yaml", yaml.safe_load)):
        data = parse(run(built, "show", "mae", "--format", fmt))
        assert (data["name"], data["full_name"], data["summary"], data["aliases"]) == (
            NAME,
            FULL_NAME,
            SUMMARY,
            ALIASES,
        ), fmt
        assert (data["paper"]["title"], data["paper"]["authors"]) == (TITLE, AUTHORS), fmt


_TEX = re.compile(
    r"\\([&%$#_{}~^])|\\(textbackslash|textasciitilde|textasciicircum|textbraceleft|textbraceright)(?:\{\})?"
    r"|\\\\|\\|~"
)
_TEX_NAMED = {
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbraceleft": "{",
    "textbraceright": "}",
}


def tex_decode(text: str) -> str:
    """Read BibTeX text as TeX does: ``\\&`` is ``&``, ``\\textbackslash{}`` a backslash, ``\\\\`` a
    line break, any other backslash starts a command (lost: U+FFFD) and a bare ``~`` is a
    non-breaking space."""

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1)
        if m.group(2):
            return _TEX_NAMED[m.group(2)]
        return {"\\\\": "\n", "\\": "\ufffd", "~": "\u00a0"}[m.group(0)]

    return _TEX.sub(one, text)


def bib_fields(bib: str, key_field: str) -> list[str]:
    return [
        tex_decode(m.group(1)) for m in re.finditer(rf"^\s*{key_field} = \{{(.*)\}},?$", bib, re.MULTILINE)
    ]


def test_show_bibtex(built: Path) -> None:
    bib = run(built, "show", "mae", "--format", "bibtex")
    (title,) = bib_fields(bib, "title")
    (author,) = bib_fields(bib, "author")
    assert title == "{" + TITLE + "}"
    assert author.split(" and ") == AUTHORS


def _graph_name(fmt: str, text: str) -> str:
    if fmt == "json":
        return next(n["name"] for n in json.loads(text)["nodes"] if n["id"] == "mae")
    if fmt == "graphml":
        root = ET.fromstring(text)
        ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
        keys = {
            k.get("id"): k.get("attr.name") for k in root.iter("{http://graphml.graphdrawing.org/xmlns}key")
        }
        node = next(n for n in root.iterfind(".//g:node", ns) if n.get("id") == "mae")
        return next(d.text or "" for d in node.iterfind("g:data", ns) if keys[d.get("key")] == "name")
    if fmt == "dot":
        match = re.search(r'^\s*"mae" \[label="((?:[^"\\]|\\.)*)"\];$', text, re.MULTILINE)
        assert match, text
        label = re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), match.group(1))
        return label.rsplit("\n", 1)[0]
    match = re.search(r'^\s*mae\["(.*)"\]$', text, re.MULTILINE)  # mermaid
    assert match, text
    label = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), match.group(1))
    label = re.sub(r"#([a-z]+);", lambda m: html.unescape(f"&{m.group(1)};"), label)
    return re.sub(r" \(\d{4}\)$", "", html.unescape(label))


@pytest.mark.parametrize(
    "fmt",
    [
        "json",
        "graphml",
        "dot",
        "mermaid",
    ],
)
def test_graph_exports(built: Path, fmt: str) -> None:
    assert _graph_name(fmt, run(built, "graph", "--format", fmt)) == NAME


# ------------------------------------------------------------------------------------------- quiz


def quiz_texts(fmt: str, path: Path) -> list[str]:
    """The texts of a quiz export, decoded the way its reader decodes them."""
    if fmt == "json":
        return list(strings(json.loads(path.read_text(encoding="utf-8"))))
    if fmt == "md":
        import markdown

        return [html_text(markdown.markdown(path.read_text(encoding="utf-8")))]
    if fmt == "gift":  # GIFT unescaped first, then the HTML Moodle shows (tests/quiz/export/gift_grammar.py)
        from ..quiz.export.gift_grammar import parse, plain, shown

        _, questions = parse(path.read_text(encoding="utf-8"))
        return [
            text
            for q in questions
            for text in (
                plain(q.name or ""),
                shown(q.text, q.text_format),
                shown(q.general_feedback, q.text_format),
                *(shown(f, a.text_format) for a in q.answers for f in (a.text, a.feedback)),
            )
        ]
    if fmt == "qti21":  # XML text in the items' bodies, feedback and titles
        with zipfile.ZipFile(path) as z:
            roots = [ET.fromstring(z.read(n)) for n in z.namelist() if n.startswith("items/")]
        return [t for root in roots for t in (*root.itertext(), root.get("title") or "")]
    if fmt == "qti":
        out = []
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith(".xml"):
                    for el in ET.fromstring(z.read(name)).iter():
                        if el.tag.rsplit("}", 1)[-1] == "mattext":
                            text = "".join(el.itertext())
                            out.append(html_text(text) if el.get("texttype") == "text/html" else text)
        return out
    with zipfile.ZipFile(path) as z:  # anki: an SQLite collection inside the .apkg
        db = path.with_suffix(".anki2")
        db.write_bytes(z.read("collection.anki2"))
    con = sqlite3.connect(db)
    try:
        return [html_text(f) for (flds,) in con.execute("SELECT flds FROM notes") for f in flds.split("\x1f")]
    finally:
        con.close()


QUIZ_FORMATS = ["json", "md", "gift", "qti", "qti21", "anki"]


@pytest.mark.parametrize("fmt", QUIZ_FORMATS)
def test_quiz_exports(built: Path, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"quiz.{fmt}"
    proc = ssl_kb(
        "quiz",
        "--format",
        fmt,
        "--all",
        "--topic",
        "masked-predictions",
        "--out",
        str(out),
        "--kb",
        "kb",
        cwd=built,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    texts = quiz_texts(fmt, out)
    assert_all_in(texts, [NAME], f"quiz --format {fmt}")


# -------------------------------------------------------------------------------------- downloads


def test_download_json(built: Path) -> None:
    data = json.loads((built / "build" / "docs" / "downloads" / "ssl-kb.json").read_text(encoding="utf-8"))
    (mae,) = [r for r in data["records"] if r["id"] == "mae"]
    assert (mae["name"], mae["full_name"], mae["summary"], mae["aliases"]) == (
        NAME,
        FULL_NAME,
        SUMMARY,
        ALIASES,
    )
    assert (mae["paper"]["title"], mae["paper"]["authors"]) == (TITLE, AUTHORS)


def test_download_csv(built: Path) -> None:
    text = (built / "build" / "docs" / "downloads" / "records.csv").read_text(encoding="utf-8")
    (mae,) = [r for r in csv.DictReader(io.StringIO(text)) if r["id"] == "mae"]
    for column, value in (("name", NAME), ("full_name", FULL_NAME), ("summary", SUMMARY)):
        # a formula guard may prefix the cell (e.g. with '); the text itself must be there whole
        assert mae[column].endswith(value) and len(mae[column]) <= len(value) + 1, column


def test_download_bibtex(built: Path) -> None:
    bib = (built / "build" / "docs" / "downloads" / "ssl-kb.bib").read_text(encoding="utf-8")
    assert "{" + TITLE + "}" in bib_fields(bib, "title")
    assert AUTHORS in [a.split(" and ") for a in bib_fields(bib, "author")]
