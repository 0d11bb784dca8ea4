"""Scaffold: new record files from templates: ids checked, taken ids refused, written only into kb/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from ssl_kb import scaffold
from ssl_kb.design import FACETS
from ssl_kb.record_kinds import RecordKind
from ssl_kb.scaffold import ScaffoldError, check_new_id, create, existing, render, target


@pytest.mark.parametrize("good", ["mae", "vit-b-16", "a", "x1", "a" * 64])
def test_well_formed_ids_pass(good: str) -> None:
    check_new_id(good)


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("", "empty"),
        ("a" * 65, "65 characters"),
        ("MAE", "e.g. 'mae'"),
        ("my method", "e.g. 'my-method'"),
        ("a--b", "malformed"),
        ("-a", "malformed"),
        ("mae\n", "malformed"),
        ("../x", "e.g. 'x'"),
        ("a/b", "malformed"),
    ],
)
def test_malformed_ids_are_refused_with_a_suggestion(bad: str, words: str) -> None:
    with pytest.raises(ScaffoldError, match=words.replace(".", r"\.")):
        check_new_id(bad)


def test_no_suggestion_when_nothing_is_left() -> None:
    with pytest.raises(ScaffoldError) as caught:
        check_new_id("!!!")
    assert "e.g." not in str(caught.value)


@pytest.mark.parametrize("kind", [k.value for k in RecordKind])
def test_render_names_the_id_and_the_kind(kind: str) -> None:
    rid = "target" if kind == "vocabulary" else "new-thing"  # a vocabulary's id is its facet's
    data = yaml.safe_load(render(kind, rid))
    assert data["id"] == rid and data["kind"] == kind


def test_every_kind_has_its_template() -> None:
    templates = Path(scaffold.__file__).parent / "templates" / "records"
    assert sorted(p.name for p in templates.glob("[!_]*.yaml.j2")) == sorted(
        f"{k.value}.yaml.j2" for k in RecordKind
    )


def test_a_vocabulary_is_rendered_only_for_a_facet() -> None:
    with pytest.raises(ScaffoldError, match="'pretext' is no design facet's vocabulary"):
        render("vocabulary", "pretext")
    for facet in FACETS:
        assert yaml.safe_load(render("vocabulary", facet.vocabulary))["id"] == facet.vocabulary


def test_the_method_template_has_a_design_block_of_todos() -> None:
    design = yaml.safe_load(render("method", "new-thing"))["design"]
    assert list(design) == [f.key for f in FACETS]
    assert all(facet["value"] == ["TODO"] and facet["source"].startswith("TODO") for facet in design.values())


def test_render_refuses_an_unknown_kind_and_a_bad_id() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        render("paper", "x")
    with pytest.raises(ScaffoldError):
        render("method", "Bad Id")


def test_target_is_the_kinds_folder() -> None:
    assert target(Path("kb"), "dataset", "coco") == Path("kb/datasets/coco.yaml")


def test_existing_finds_a_file_name_or_an_id_line(kb_copy: Path) -> None:
    assert existing(kb_copy, "mae") == kb_copy / "methods" / "mae.yaml"
    other = kb_copy / "methods" / "renamed.yaml"
    other.write_text("id: 'hidden-id'  # a comment\nkind: method\n")
    assert existing(kb_copy, "hidden-id") == other
    assert existing(kb_copy, "hidden") is None  # a prefix of an id is not the id
    assert existing(kb_copy, "never-used") is None


def test_existing_is_not_fooled_by_a_fifo(kb_copy: Path) -> None:
    os.mkfifo(kb_copy / "methods" / "pipe.yaml")
    assert existing(kb_copy, "never-used") is None  # returns, does not hang


def test_create_writes_a_new_file_and_refuses_to_overwrite(kb_copy: Path) -> None:
    path = create(kb_copy, "method", "new-method")
    assert path == kb_copy / "methods" / "new-method.yaml"
    assert path.read_text() == render("method", "new-method")
    with pytest.raises(ScaffoldError, match="already used"):
        create(kb_copy, "concept", "new-method")
    with pytest.raises(ScaffoldError, match="already used"):
        create(kb_copy, "method", "mae")
    assert (kb_copy / "methods" / "mae.yaml").read_text().startswith("id: mae\n")


def test_create_makes_a_missing_kind_folder(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    assert create(kb, "metric", "recall").is_file()


def test_create_never_writes_through_a_linked_folder(tmp_path: Path) -> None:
    kb, outside = tmp_path / "kb", tmp_path / "outside"
    kb.mkdir()
    outside.mkdir()
    (kb / "methods").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ScaffoldError, match="not a folder inside kb"):
        create(kb, "method", "sneaky")
    assert list(outside.iterdir()) == []
