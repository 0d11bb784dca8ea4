"""Project: where a checkout keeps its KB and outputs; load, paths and the store it opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssl_kb import queries
from ssl_kb.errors import InvalidKB, NoKnowledgeBase
from ssl_kb.project import Project
from ssl_kb.store import write_store


def test_locate_puts_the_root_above_the_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project.locate(tmp_path / "checkout" / "kb")
    assert project.root == tmp_path / "checkout" and project.kb_dir == tmp_path / "checkout" / "kb"
    assert project.build_dir == tmp_path / "checkout" / "build"
    assert project.site_dir == tmp_path / "checkout" / "site"
    assert project.quiz_dir == tmp_path / "checkout" / "quizzes"
    assert project.store_url == f"sqlite:///{tmp_path / 'checkout' / 'build' / 'ssl-kb.sqlite'}"
    monkeypatch.chdir(tmp_path)
    default = Project.locate()
    assert default.kb_dir == Path("kb") and default.root == tmp_path


def test_load_checks_the_kb(fixture_kb: Path, kb_copy: Path, tmp_path: Path) -> None:
    assert len(Project.locate(fixture_kb).load().records) == 21
    with pytest.raises(NoKnowledgeBase, match="--kb"):
        Project.locate(tmp_path / "nowhere").load()
    (kb_copy / "methods" / "mae.yaml").write_text("id: mae\n")
    with pytest.raises(InvalidKB):
        Project.locate(kb_copy).load()


def test_strict_load_refuses_warnings(kb_copy: Path) -> None:
    from ssl_kb.kb import load

    project = Project.locate(kb_copy)
    assert not [d for d in load(kb_copy).diagnostics if d.severity.value == "warning"]
    assert project.load(strict=True).records  # no warnings: strict passes too


def test_paths_are_relative_to_the_checkout(fixture_kb: Path) -> None:
    project = Project.locate(fixture_kb)
    paths = project.paths(project.load())
    assert paths["mae"] == "kb/methods/mae.yaml"
    assert paths["imagenet-1k"] == "kb/datasets/imagenet-1k.yaml"
    assert len(paths) == 21 and all((project.root / p).is_file() for p in paths.values())


def test_open_store_in_memory_reads_the_checked_kb(fixture_kb: Path) -> None:
    engine = Project.locate(fixture_kb).open_store()
    try:
        assert queries.counts(engine)["method"] == 6
        assert {r.id: r.path for r in queries.record_rows(engine)}["mae"] == "kb/methods/mae.yaml"
    finally:
        engine.dispose()


def test_open_store_at_a_url_is_read_only_and_never_loads_the_kb(fixture_kb: Path, tmp_path: Path) -> None:
    from ssl_kb.kb import load

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    write_store(load(fixture_kb).records.values(), url)
    engine = Project.locate(tmp_path / "no-kb-here").open_store(url)
    try:
        assert len(queries.record_rows(engine)) == 21
    finally:
        engine.dispose()
    with pytest.raises(FileNotFoundError):
        Project.locate(fixture_kb).open_store(f"sqlite:///{tmp_path / 'missing.sqlite'}")
    assert not (tmp_path / "missing.sqlite").exists()
