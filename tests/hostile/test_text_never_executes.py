"""Text from records never executes: HTML, JavaScript, Markdown and Jinja in valid records.

The records below pass validation (text fields may hold any printable text), so ``ssl-kb build``
builds them into the site. The built HTML must show every one of them as text: no element,
attribute, script, link or template expression may come out of a record.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import make_project, ssl_kb

PROBE = """\
id: xss-probe
kind: method
name: "<script>alert(1)</script>"
full_name: "<img src=x onerror=alert(2)>"
aliases: ["{{ 7*7 }}", "{% raw %}", "**bold**"]
summary: >-
  Text {{ 7*7 }} and {% raw %} and [x](javascript:alert(3)) and **bold** and
  <script>alert(4)</script> and ${7*7} and {{ config }} </textarea><svg onload=alert(5)>
topics: [masked-predictions, xss-topic]
family: "masked-image-modeling"
paper:
  title: "<svg onload=alert(6)> {{ 7*7 }}"
  authors: ["<b onmouseover=alert(7)>Eve</b>", "[Mallory](javascript:alert(8))"]
  year: 2021
  arxiv: "2111.06377"
  source: "{% include 'x' %} <a href=javascript:alert(9)>src</a>"
  note: "</script><script>alert(10)</script>"
modalities: [image]
pretext_task: "{{ 7*7 }}"
architecture: "**bold** _em_ `code` # heading"
backbone: "<iframe src=javascript:alert(11)>"
training_data: "[x](javascript:alert(12)) <javascript:alert(13)>"
hyperparameters:
  - name: mask_ratio
    value: "<script>alert(14)</script>"
    description: "{{ 7*7 }}"
    source: "{% raw %}"
results:
  - dataset: imagenet-1k
    split: "<script>alert(15)</script>"
    task: "{{ 7*7 }}"
    metric: top-1-accuracy
    value: 80.0
    protocol: linear
    variant: "<img src=x onerror=alert(16)>"
    source: "[x](javascript:alert(17))"
lineage:
  - target: vit
    type: uses
    reason: "</a><script>alert(18)</script>{{ 7*7 }}"
lecture_claims:
  - slide: "<script>alert(19)</script>"
    claim: "{{ 7*7 }}"
    verdict: wrong
    correction: "[x](javascript:alert(20))"
    source: "**bold**"
notes:
  - "{% raw %}"
  - "{{ 7*7 }}"
  - "**bold**"
  - "[x](javascript:alert(21))"
  - "<!-- x --> ]]> &amp; &lt;"
  - "\\" onmouseover=\\"alert(22)"
  - "1. not a list"
  - "- not a list either"
  - "root: ![img](javascript:alert(23))"
"""

TOPIC = """\
id: xss-topic
kind: topic
name: "<script>alert(30)</script> topic"
order: 50
heading: "{{ 7*7 }} <img src=x onerror=alert(31)>"
summary: "**bold** [x](javascript:alert(32)) {% raw %}"
points:
  - "<script>alert(33)</script>"
  - "{{ 7*7 }}"
"""

CONCEPT = """\
id: xss-concept
kind: concept
name: "</title><script>alert(41)</script>{{ 7*7 }}"
summary: "<style>body{display:none}</style> <form action=javascript:alert(40)><button>x</button></form>"
topics: [xss-topic]
"""

VISIBLE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "{{ 7*7 }}",
    "{% raw %}",
    "**bold**",
    "[x](javascript:alert(3))",
]
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}


class Page(HTMLParser):
    """Every element, attribute, script body and text node of one HTML page.

    Parsed as a browser would where it matters: the document's ``<title>`` holds text only (tags
    inside it are not elements, but ``</title>`` ends it), so a record that closes the title and
    opens a script is caught, and one that merely shows ``<script>`` in the title is not.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._body: list[str] = []
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "body":
            self._in_body = True
        if tag == "title" and not self._in_body:
            self.set_cdata_mode("title")  # RCDATA, as in browsers
        if tag == "script":
            self._script, self._body = dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._body)))
            self._script = None

    def handle_data(self, data: str) -> None:
        (self._body if self._script is not None else self.text).append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("xss") / "project")
    (root / "kb" / "methods" / "xss-probe.yaml").write_text(PROBE, encoding="utf-8")
    (root / "kb" / "topics" / "xss-topic.yaml").write_text(TOPIC, encoding="utf-8")
    (root / "kb" / "concepts" / "xss-concept.yaml").write_text(CONCEPT, encoding="utf-8")
    check = ssl_kb("check", "--kb", "kb", cwd=root)
    assert check.returncode == 0, f"the hostile records must be valid:\n{check.stderr}"
    proc = ssl_kb("build", "--kb", "kb", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "site"


def pages(site: Path) -> dict[str, Page]:
    out = {}
    for path in sorted(site.rglob("*.html")):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        out[path.relative_to(site).as_posix()] = page
    return out


def test_records_are_on_the_site(site: Path) -> None:
    assert (site / "methods" / "xss-probe.html").is_file()
    assert (site / "topics" / "xss-topic.html").is_file()
    assert (site / "concepts" / "xss-concept.html").is_file()


def test_no_script_from_records(site: Path) -> None:
    for name, page in pages(site).items():
        for attrs, body in page.scripts:
            kind = (attrs.get("type") or "text/javascript").lower()
            if "json" in kind:
                json.loads(body)  # still well-formed: no record text closed the element early
            else:
                assert "alert(" not in body, f"{name}: executable script from a record: {body[:200]}"


def test_no_element_or_handler_from_records(site: Path) -> None:
    for name, page in pages(site).items():
        for tag, attrs in page.tags:
            assert tag not in ("iframe", "form", "style", "button") or not any(
                "alert" in (v or "") for _, v in attrs
            ), name
            assert not (tag == "img" and ("src", "x") in attrs), f"{name}: an <img> from a record"
            for attr, value in attrs:
                value = value or ""
                if attr.startswith("on"):
                    assert "alert" not in value, f"{name}: event handler from a record: {attr}={value!r}"
                if attr in URL_ATTRS:
                    scheme = re.sub(r"[\s\x00-\x1f]", "", html.unescape(value)).lower()
                    assert not scheme.startswith(("javascript:", "vbscript:", "data:text/html")), (
                        f"{name}: {attr}={value!r}"
                    )
        body_tags = [tag for tag, _ in page.tags]
        assert body_tags.count("textarea") == 0 or name.startswith("search"), name


def test_text_is_shown_literally(site: Path) -> None:
    page = pages(site)["methods/xss-probe.html"]
    text = " ".join(" ".join(page.text).split())
    for value in VISIBLE:
        assert value in text, f"{value!r} is not shown as text"
    for value in (
        "${7*7}",
        "{{ config }}",
        "1. not a list",
        "- not a list either",
        "<!-- x --> ]]> &amp; &lt;",
    ):
        assert value in text, f"{value!r} is not shown as text"


def test_templates_are_not_evaluated(site: Path) -> None:
    """``{{ 7*7 }}`` never becomes 49, in Jinja (page generation) or in MkDocs (rendering)."""
    for name in ("methods/xss-probe.html", "topics/xss-topic.html", "concepts/xss-concept.html"):
        page = pages(site)[name]
        text = " ".join(page.text)
        assert "{{ 7*7 }}" in " ".join(text.split()), name
        assert not re.search(r"(?<![\d.])49(?![\d.])", text), f"{name}: a template was evaluated"


def test_markdown_in_records_is_not_rendered(site: Path) -> None:
    raw = (site / "methods" / "xss-probe.html").read_text(encoding="utf-8")
    assert "<strong>bold</strong>" not in raw
    assert "<em>em</em>" not in raw
    assert '<a href="javascript' not in raw.lower()


def test_search_index_holds_no_markup_from_records(site: Path) -> None:
    index = site / "search" / "search_index.json"
    if not index.is_file():
        pytest.skip("the site has no search index")
    data = json.loads(index.read_text(encoding="utf-8"))
    for doc in data.get("docs", []):
        for key in ("title", "text"):
            value = doc.get(key) or ""
            for bad in ("<script", "<img", "<svg onload", "<iframe", "<b onmouseover", "<form", "<style"):
                assert bad not in value.lower(), f"{doc.get('location')}: {bad} in the search index"
