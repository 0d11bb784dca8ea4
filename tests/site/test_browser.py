"""The built fixture site in headless Chromium: pages, search, pictures, quiz; nothing leaves 127.0.0.1.

Needs Debian's chromium at /usr/bin/chromium (never `playwright install`). The timeline screenshot
is saved to build/test-artifacts/timeline.png.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
from typer.testing import CliRunner

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "build" / "test-artifacts"

# CI sets SSL_KB_REQUIRE_BROWSER=1 (scripts/test.sh installs chromium): there a missing browser fails
# the run instead of silently skipping the page tests.
if not CHROMIUM.exists() and os.environ.get("SSL_KB_REQUIRE_BROWSER") == "1":
    raise RuntimeError("SSL_KB_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(root: Path, kb: Path) -> Iterator[str]:
    """Build the project at ``root`` (its kb/ copied from ``kb``) and serve its site on 127.0.0.1."""
    from ssl_kb.cli import app

    if kb != root / "kb":
        shutil.copytree(kb, root / "kb")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    result = CliRunner().invoke(app, ["build", "--kb", str(root / "kb")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "site")))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("browser"), REPO / "tests" / "data" / "kb")


@pytest.fixture(scope="module")
def design_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture KB with the design overlay (tests/data/design/): vocabularies and ablations."""
    from .conftest import with_design

    root = tmp_path_factory.mktemp("browser-design")
    yield from _serve(root, with_design(root))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []

    def route(r) -> None:
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert errors == [], f"console errors: {errors}"


def _visible_svg(page, selector: str) -> None:
    svg = page.locator(selector)
    svg.wait_for(state="visible")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0


def test_home_topic_and_method_pages(page, server) -> None:
    page.goto(server)
    assert "Self-supervised learning in vision" in page.title()
    page.get_by_role("link", name="Masked Predictions").first.click()
    page.wait_for_url("**/topics/masked-predictions.html")
    assert page.locator("h1").inner_text().startswith("1. Masked Predictions")
    page.locator("article a[href$='methods/mae.html']").first.click()
    page.wait_for_url("**/methods/mae.html")
    assert page.locator("h1").inner_text().rstrip("¶") == "MAE"
    assert "he2021masked" in page.locator("code").filter(has_text="@inproceedings").inner_text()
    _visible_svg(page, "svg.sslkb-ego")


def test_loss_formulas_are_typeset_as_mathml(page, server) -> None:
    page.goto(server + "methods/simclr.html")
    page.get_by_role("heading", name="Reference implementation").wait_for()
    display = page.locator("math[display='block']").first
    box = display.bounding_box()
    assert box is not None and box["height"] > 20  # a fraction laid out as MathML, not a line of text
    assert page.locator("math[display='inline']").count() > 10
    fallback = page.locator("article p > code, article li > code").filter(has_text="\\")
    assert fallback.count() == 0  # no formula fell back to showing its LaTeX source


def test_search_finds_mae(page, server) -> None:
    page.goto(server)
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").press_sequentially("masked autoencoder", delay=40)
    hit = page.locator(".md-search-result a[href*='methods/mae.html']").first
    hit.wait_for(state="visible", timeout=15_000)


def test_timeline_and_lineage_pictures(page, server) -> None:
    page.goto(server + "timeline.html")
    _visible_svg(page, "svg.sslkb-timeline")
    assert page.locator("svg.sslkb-timeline circle").count() == 6
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "timeline.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"timeline screenshot: {shot}")
    page.goto(server + "lineage.html")
    _visible_svg(page, "svg.sslkb-lineage")
    page.locator("svg.sslkb-lineage a[href$='methods/mae.html']").click()
    page.wait_for_url("**/methods/mae.html")


def test_quiz_page_checks_answers(page, server) -> None:
    page.goto(server + "quiz/masked-predictions.html")
    first = page.locator(".sslkb-question").first
    first.wait_for(state="visible")
    options = first.locator("button.sslkb-option")
    assert options.count() >= 2
    options.first.click()
    assert first.locator(".sslkb-right").count() == 1
    assert first.locator(".sslkb-explanation").count() == 1
    assert page.locator(".sslkb-score").inner_text().startswith("Score: ")
    assert options.nth(1).is_disabled()


def test_ablation_charts_keep_their_size_and_readable_labels_on_a_1280_px_screen(page, design_server) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(design_server + "methods/mae.html")
    charts = page.locator(".sslkb-ablation svg")
    assert charts.count() == 2
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        shown = chart.evaluate(
            """svg => {
                const box = svg.getBoundingClientRect();
                const scale = box.width / svg.viewBox.baseVal.width;
                const sizes = [...svg.querySelectorAll('text')].map(
                    t => parseFloat(getComputedStyle(t).fontSize) * scale);
                return {width: box.width, drawn: svg.viewBox.baseVal.width, smallest: Math.min(...sizes)};
            }"""
        )
        assert shown["width"] == shown["drawn"] <= 640, shown  # not shrunk by Material's max-width
        assert shown["smallest"] >= 11, shown
        assert chart.locator(".sslkb-legend").nth(1).inner_html().count("chosen by the paper") == 1
    page.set_viewport_size(
        {"width": 480, "height": 900}
    )  # narrower than the chart: it scrolls, never shrinks
    assert charts.first.evaluate("svg => svg.getBoundingClientRect().width") == 560
    page.locator("a[href='../vocabularies/corruption.html#random-patch-masking']").first.click()
    page.wait_for_url("**/vocabularies/corruption.html#random-patch-masking")
    assert page.locator("h2#random-patch-masking").is_visible()
