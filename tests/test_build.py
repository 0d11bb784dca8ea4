"""Build: where outputs go, the plan of the fixture KB, staleness before and after a write, the site stamp."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from ssl_kb import build
from ssl_kb.build import JOURNAL, STAGES, Outputs, plan, site_stamp, stale, write
from ssl_kb.errors import InvalidKB, NoSiteConfig
from ssl_kb.kb import load
from ssl_kb.output import MARKER, Change
from ssl_kb.project import Project

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(kb_copy: Path) -> Project:
    """A checkout in tmp: the fixture KB and the repository's mkdocs.yml."""
    shutil.copy(REPO / "mkdocs.yml", kb_copy.parent / "mkdocs.yml")
    return Project.locate(kb_copy)


@pytest.fixture(scope="module")
def fixture_plan(tmp_path_factory: pytest.TempPathFactory) -> build.Plan:
    root = tmp_path_factory.mktemp("plan")
    shutil.copytree(REPO / "tests" / "data" / "kb", root / "kb")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return plan(Project.locate(root / "kb"))


# ---------------------------------------------------------------------------- Outputs


def test_outputs_under_a_folder(tmp_path: Path) -> None:
    out = Outputs.under(tmp_path)
    assert out.store == tmp_path / "build" / "ssl-kb.sqlite"
    assert (out.docs, out.theme, out.config) == (
        tmp_path / "build" / "docs",
        tmp_path / "build" / "theme",
        tmp_path / "build" / "mkdocs.yml",
    )
    assert (out.quizzes, out.site) == (tmp_path / "quizzes", tmp_path / "site")
    assert out.journal == tmp_path / "build" / JOURNAL
    assert out.all == (out.store, out.docs, out.theme, out.config, out.quizzes, out.site)


def test_outputs_of_a_project_and_with_another_site_folder(project: Project, tmp_path: Path) -> None:
    assert Outputs.of(project) == Outputs.under(project.root)
    elsewhere = tmp_path / "public"
    out = Outputs.of(project, elsewhere)
    assert out.site == elsewhere and out.store == project.root / "build" / "ssl-kb.sqlite"


def test_show_is_relative_inside_the_project_only(tmp_path: Path) -> None:
    out = Outputs.under(tmp_path / "p")
    assert out.show(out.docs) == "build/docs"
    assert out.show(tmp_path / "other" / "site") == str(tmp_path / "other" / "site")


# ---------------------------------------------------------------------------- plan


def test_plan_of_the_fixture_kb(fixture_plan: build.Plan, tmp_path: Path) -> None:
    kb = load(REPO / "tests" / "data" / "kb")
    assert fixture_plan.records == len(kb.records) and fixture_plan.warnings == []
    assert fixture_plan.base_config == (REPO / "mkdocs.yml").read_bytes()
    # the store's bytes are a SQLite database holding every record
    db = tmp_path / "store.sqlite"
    db.write_bytes(fixture_plan.store)
    with sqlite3.connect(db) as conn:
        ids = sorted(row[0] for row in conn.execute("SELECT id FROM record"))
    assert ids == sorted(kb.records)
    # the graph's size as planned matches the records' lineage
    edges = sum(len(getattr(r, "lineage", [])) for r in kb.records.values())
    assert fixture_plan.edges == edges
    assert fixture_plan.works == len([r for r in kb.records.values() if r.kind in ("method", "concept")])
    # the site and the bank share their questions
    index = json.loads(fixture_plan.quizzes["index.json"])
    assert fixture_plan.site.questions > 0
    assert sum(t["default_deck"] for t in index["topics"]) == fixture_plan.site.questions
    assert fixture_plan.site.docs["downloads/ssl-kb.sqlite"] == fixture_plan.store


def test_plan_reports_each_stage_in_order(project: Project) -> None:
    seen: list[int] = []
    plan(project, lambda stage, note: seen.append(stage), quizzes=False)
    assert seen == [0, 1, 2, 3] and len(STAGES) == 7


def test_plan_without_quizzes_has_no_questions(project: Project) -> None:
    planned = plan(project, quizzes=False)
    assert planned.quizzes == {} and planned.site.questions == 0
    assert not any(p.startswith("quiz/") for p in planned.site.docs)


def test_plan_is_deterministic(project: Project, fixture_plan: build.Plan) -> None:
    again = plan(project)
    assert again.stamp == fixture_plan.stamp and again.store == fixture_plan.store
    assert again.quizzes == fixture_plan.quizzes


def test_plan_needs_the_site_configuration(project: Project) -> None:
    (project.root / "mkdocs.yml").unlink()
    with pytest.raises(NoSiteConfig, match=r"mkdocs\.yml"):
        plan(project)


def test_plan_refuses_an_invalid_kb(project: Project) -> None:
    (project.kb_dir / "methods" / "mae.yaml").write_text("id: mae\nkind: method\n")
    with pytest.raises(InvalidKB):
        plan(project)


def test_stamp_follows_what_the_site_is_rendered_from(fixture_plan: build.Plan) -> None:
    from dataclasses import replace

    base = fixture_plan.stamp
    assert len(base) == 64
    docs = dict(fixture_plan.site.docs)
    docs["index.md"] = str(docs["index.md"]) + "\nmore"
    assert replace(fixture_plan, site=replace(fixture_plan.site, docs=docs)).stamp != base
    assert replace(fixture_plan, base_config=b"site_name: other\n").stamp != base
    # the store and the quiz bank are not rendered by MkDocs: they do not change the stamp
    assert replace(fixture_plan, store=b"", quizzes={}).stamp == base


# ---------------------------------------------------------------------------- stale and write


def test_stale_on_a_fresh_folder_lists_every_output(fixture_plan: build.Plan, tmp_path: Path) -> None:
    out = Outputs.under(tmp_path)
    changes = stale(fixture_plan, out)
    assert all(c.op == "added" for c in changes)
    paths = [c.path for c in changes]
    assert paths[:2] == ["build/ssl-kb.sqlite", "build/mkdocs.yml"]
    assert paths[-1] == "site/"
    expected = (
        {f"build/docs/{p}" for p in [*fixture_plan.site.docs, MARKER]}
        | {f"build/theme/{p}" for p in [*fixture_plan.site.theme, MARKER]}
        | {f"quizzes/{p}" for p in [*fixture_plan.quizzes, MARKER]}
    )
    assert set(paths[2:-1]) == expected and len(paths) == len(set(paths))


def test_write_then_nothing_is_stale(project: Project) -> None:
    planned = plan(project)
    out = Outputs.of(project)
    seen: list[int] = []
    warnings = write(planned, out, project, lambda stage, note: seen.append(stage))
    assert warnings == [] and seen == [4, 5, 6]
    assert stale(planned, out) == []
    assert site_stamp(out.site) == planned.stamp and (out.site / "index.html").is_file()
    # one changed page makes its docs file and the site stale, nothing else
    page = out.docs / "methods" / "mae.md"
    page.write_text("edited by hand")
    (out.quizzes / "stray.json").write_text("{}")
    assert stale(planned, out) == [
        Change("changed", "build/docs/methods/mae.md"),
        Change("removed", "quizzes/stray.json"),
    ]
    (out.site / MARKER).write_text("source-digest: 0\n")
    assert stale(planned, out)[-1] == Change("changed", "site/")


def test_an_interrupted_build_is_the_only_change(fixture_plan: build.Plan, tmp_path: Path) -> None:
    out = Outputs.under(tmp_path)
    out.journal.parent.mkdir(parents=True)
    out.journal.write_text("{}")
    assert stale(fixture_plan, out) == [Change("interrupted", f"build/{JOURNAL}")]


def test_write_refuses_a_site_folder_of_the_users(project: Project, tmp_path: Path) -> None:
    from ssl_kb.output import OutputError

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    planned = plan(project, quizzes=False)
    with pytest.raises(OutputError):
        write(planned, Outputs.of(project, mine), project)
    assert (mine / "notes.txt").read_text() == "keep"
    assert not (project.root / "build").exists()


# ---------------------------------------------------------------------------- site_stamp


def test_site_stamp(tmp_path: Path) -> None:
    assert site_stamp(tmp_path / "none") is None
    tmp_path.joinpath(MARKER).write_text("This folder...\n")
    assert site_stamp(tmp_path) is None
    tmp_path.joinpath(MARKER).write_text("text\nsource-digest: aaa\nsource-digest:  bbb \n")
    assert site_stamp(tmp_path) == "bbb"
    tmp_path.joinpath(MARKER).write_bytes(b"source-digest: \xff\xfe\n")
    assert site_stamp(tmp_path) is None
