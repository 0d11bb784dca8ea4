"""MkDocs renders the generated pages strictly, and hostile record text stays text."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from ssl_kb import build as pipeline
from ssl_kb.site.renderer import RenderError

from .conftest import make_project

HOSTILE = {
    "summary": "<script>alert('x')</script> {{ 7*7 }} {% if 1 %}y{% endif %} [x](javascript:alert(1)) **bold** `tick`",
    "full_name": "<img src=x onerror=alert(1)> | not | a | table",
    "claim": "- a list?\n\n# a heading?\n\n    code? <b>b</b>",
    "reason": '<a href="javascript:alert(1)">link</a> & &amp; ~~strike~~ $x$',
}


class _Text(HTMLParser):
    """Visible text and every tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _build(root: Path, kb_dir: Path | None = None) -> Path:
    """The real build (:mod:`ssl_kb.build`) of a fixture project; MkDocs must not warn."""
    project = make_project(root, kb_dir) if kb_dir else make_project(root)
    outputs = pipeline.Outputs.of(project)
    warnings = pipeline.write(pipeline.plan(project), outputs, project)
    assert warnings == []
    return outputs.site


def test_fixture_builds_strictly_with_zero_warnings(tmp_path: Path) -> None:
    site = _build(tmp_path)
    for page in (
        "index.html",
        "timeline.html",
        "lineage.html",
        "methods/mae.html",
        "topics/masked-predictions.html",
    ):
        assert (site / page).is_file(), page
    assert (site / "search" / "search_index.json").is_file()
    html = (site / "index.html").read_text()
    assert "fonts.googleapis" not in html and "fonts.gstatic" not in html


def test_hostile_record_text_is_shown_never_run(tmp_path: Path) -> None:
    from .conftest import FIXTURE_KB

    kb = tmp_path / "hostile-kb"
    import shutil

    shutil.copytree(FIXTURE_KB, kb)
    mae = kb / "methods" / "mae.yaml"
    data = yaml.safe_load(mae.read_text())
    data["summary"] = HOSTILE["summary"]
    data["full_name"] = HOSTILE["full_name"]
    data["lecture_claims"][0] = data["lecture_claims"][0] | {
        "claim": HOSTILE["claim"],
        "verdict": "wrong",
        "correction": HOSTILE["summary"],
    }
    data["lineage"][0]["reason"] = HOSTILE["reason"]
    mae.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    site = _build(tmp_path / "root", kb)
    for page in ("methods/mae.html", "errata.html", "timeline.html", "methods/index.html"):
        html = (site / page).read_text()
        parser = _Text()
        parser.feed(html)
        visible = " ".join("".join(parser.text).split())
        assert "<script>alert" not in html, page
        for tag, attrs in parser.tags:
            assert tag != "img", (page, attrs)
            for name, value in attrs.items():
                assert not name.startswith("on"), (page, tag, attrs)
                assert not (value or "").lower().startswith("javascript:"), (page, tag, attrs)
        if page in ("methods/mae.html", "methods/index.html"):
            assert " ".join(HOSTILE["summary"].split()) in visible, page
            assert "49" not in visible.split("{{ 7*7 }}")[1][:3]
    mae_html = (site / "methods" / "mae.html").read_text()
    parser = _Text()
    parser.feed(mae_html)
    visible = " ".join("".join(parser.text).split())
    assert " ".join(HOSTILE["full_name"].split()) in visible
    assert " ".join(HOSTILE["claim"].split()) in visible
    assert " ".join(HOSTILE["reason"].split()) in visible
    article = mae_html[mae_html.index("<article") :]
    assert (
        "<strong>bold</strong>" not in article
        and "<del>" not in article
        and "<h1" not in article[article.index("</h1>") :]
    )


def test_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    plan = pipeline.plan(project)
    plan.site.docs["compare.md"] = "# Compare\n\n[gone](missing.md)\n"
    with pytest.raises(RenderError) as info:
        pipeline.write(plan, pipeline.Outputs.of(project), project)
    assert any("missing.md" in w for w in info.value.warnings)
    assert not (tmp_path / "site").exists() and not (tmp_path / "build" / "docs").exists()


def test_design_space_links_reach_their_value_anchors(tmp_path: Path) -> None:
    """Value links of "How it works" land on a heading of the vocabulary page whose id is the value's;
    MkDocs checks anchors too, so a missing one fails the strict build."""
    import re

    from .conftest import with_design

    site = _build(tmp_path / "root", with_design(tmp_path / "design"))
    mae = (site / "methods" / "mae.html").read_text()
    links = set(re.findall(r'href="\.\./vocabularies/([a-z-]+)\.html#([a-z0-9-]+)"', mae))
    assert ("corruption", "random-patch-masking") in links and len(links) >= 10
    for vocabulary, value in links:
        page = (site / "vocabularies" / f"{vocabulary}.html").read_text()
        assert re.search(rf'<h2 id="{value}"', page), (vocabulary, value)
    assert '<h3 id="ablation-decoder-depth"' in mae
    project = make_project(tmp_path / "broken")
    plan = pipeline.plan(project)
    plan.site.docs["compare.md"] = "# Compare\n\n[gone](vocabularies/index.md#no-such-value)\n"
    with pytest.raises(RenderError) as info:
        pipeline.write(plan, pipeline.Outputs.of(project), project)
    assert any("no-such-value" in w for w in info.value.warnings)
