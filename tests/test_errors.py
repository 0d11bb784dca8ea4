"""Errors: one family of domain exceptions, raised where the user's input is wrong, importable
from the modules that raise them."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from ssl_kb import errors
from ssl_kb.errors import NoKnowledgeBase, NoSiteConfig, NoStore, SslKbError, UnknownRecord

OLD_HOMES = {
    "ssl_kb.output": ["OutputError"],
    "ssl_kb.transaction": ["Busy"],
    "ssl_kb.project": ["InvalidKB"],
    "ssl_kb.revision": ["RevisionError", "UnsafeTree"],
    "ssl_kb.sandbox": ["QueryError", "QueryRefused", "QueryStopped", "QueryFailed"],
    "ssl_kb.quiz.history": ["HistoryError"],
    "ssl_kb.store": ["ForeignDatabase"],
    "ssl_kb.scaffold": ["ScaffoldError"],
    "ssl_kb.site.renderer": ["RenderError"],
}


def test_every_error_is_a_domain_error_and_keeps_its_old_import() -> None:
    defined = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, BaseException)]
    assert all(issubclass(cls, SslKbError) for cls in defined)
    for module, names in OLD_HOMES.items():
        for name in names:
            assert getattr(importlib.import_module(module), name) is getattr(errors, name), (module, name)


def test_unknown_record_says_which_id_and_is_still_a_key_error() -> None:
    exc = UnknownRecord("nope")
    assert str(exc) == "no record with id 'nope' (see `ssl-kb list`)"
    assert isinstance(exc, KeyError) and exc.record_id == "nope"


def test_graph_lookups_raise_unknown_record() -> None:
    import networkx as nx

    from ssl_kb import graph

    with pytest.raises(UnknownRecord, match="'nope'"):
        graph.ego(nx.DiGraph(), "nope")


def test_missing_inputs_are_domain_errors(tmp_path: Path) -> None:
    from ssl_kb import build, kb, project, store

    with pytest.raises(NoKnowledgeBase, match="no knowledge base"):
        kb.load(tmp_path / "kb")
    with pytest.raises(NoKnowledgeBase, match="use --kb PATH"):
        project.Project.locate(tmp_path / "kb").load()
    with pytest.raises(NoStore, match="run `ssl-kb db` first"):
        store.engine_for(f"sqlite:///{tmp_path / 'missing.sqlite'}", read_only=True)
    (tmp_path / "kb").mkdir()
    with pytest.raises(NoSiteConfig, match="no MkDocs configuration"):
        build.plan(project.Project.locate(tmp_path / "kb"))
    assert issubclass(NoStore, FileNotFoundError)  # callers that caught FileNotFoundError still do
