"""Shared fixtures for the site tests: the fixture KB as a store, its graph, and a project copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssl_kb.graph import build as build_graph
from ssl_kb.project import Project
from ssl_kb.store import memory_engine

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURE_KB = DATA / "kb"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fixture_store():
    project = Project.locate(FIXTURE_KB)
    kb = project.load()
    engine = memory_engine(kb.records.values(), project.paths(kb))
    return engine, build_graph(engine)


def make_project(root: Path, kb: Path = FIXTURE_KB) -> Project:
    """A checkout in ``root``: a copy of ``kb`` and the repository's mkdocs.yml."""
    shutil.copytree(kb, root / "kb")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return Project.locate(root / "kb")
