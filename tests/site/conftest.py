"""Shared fixtures for the site tests: the fixture KB as a store, its graph, and a project copy; the
same KB with the design-space overlay of tests/data/design/, and the real kb/, as further stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssl_kb.graph import build as build_graph
from ssl_kb.project import Project
from ssl_kb.store import memory_engine

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURE_KB = DATA / "kb"
DESIGN_OVERLAY = DATA / "design"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fixture_store():
    project = Project.locate(FIXTURE_KB)
    kb = project.load()
    engine = memory_engine(kb.records.values(), project.paths(kb))
    return engine, build_graph(engine)


@pytest.fixture(scope="session")
def real_store():
    """The project's real kb/ as a store and its graph."""
    project = Project.locate(REPO / "kb")
    kb = project.load()
    engine = memory_engine(kb.records.values(), project.paths(kb))
    return engine, build_graph(engine)


def with_design(root: Path) -> Path:
    """A copy of the fixture KB under ``root`` with the design overlay copied over it."""
    kb = root / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    for path in sorted(DESIGN_OVERLAY.rglob("*.yaml")):
        dest = kb / path.relative_to(DESIGN_OVERLAY)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest)
    return kb


@pytest.fixture(scope="session")
def design_store(tmp_path_factory: pytest.TempPathFactory):
    """The fixture KB with vocabularies, MAE's and BEiT's design blocks and MAE's ablations."""
    project = Project.locate(with_design(tmp_path_factory.mktemp("design")))
    kb = project.load()
    errors = [d for d in kb.diagnostics if d.code != "KB303"]  # the other fixture methods have no design
    assert errors == [], errors
    engine = memory_engine(kb.records.values(), project.paths(kb))
    return engine, build_graph(engine)


def make_project(root: Path, kb: Path = FIXTURE_KB) -> Project:
    """A checkout in ``root``: a copy of ``kb`` and the repository's mkdocs.yml."""
    shutil.copytree(kb, root / "kb")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return Project.locate(root / "kb")
