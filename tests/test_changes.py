"""Changes: field-by-field differences of parsed records, and the comparison of two KB snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssl_kb.changes import ABSENT, FieldChange, compare, field_changes, snapshot, to_dict, to_text


def changes(old: object, new: object) -> list[tuple[str, str, object, object]]:
    return [(c.field, c.change, c.old, c.new) for c in field_changes(old, new)]


# ---------------------------------------------------------------------------- field_changes


def test_equal_values_have_no_changes() -> None:
    assert field_changes({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) == []


def test_values_of_another_type_are_changed_even_if_equal() -> None:
    assert changes(1, 1.0) == [("(record)", "changed", 1, 1.0)]
    # inside mappings and lists too (``1 == True`` and ``{"v": 1} == {"v": 1.0}`` in Python)
    assert changes({"v": 1}, {"v": 1.0}) == [("v", "changed", 1, 1.0)]
    assert changes({"v": 1}, {"v": True}) == [("v", "changed", 1, True)]
    assert changes({"a": {"b": [0]}}, {"a": {"b": [False]}}) == [("a.b[0]", "changed", 0, False)]


def test_a_hyperparameter_that_became_a_bool_is_a_changed_record(tmp_path: Path, fixture_kb: Path) -> None:
    import shutil

    sides = {}
    for label, value in (("base", "1"), ("head", "true")):
        kb = tmp_path / label
        shutil.copytree(fixture_kb, kb)
        path = kb / "methods" / "mae.yaml"
        path.write_text(path.read_text().replace("value: 0.75", f"value: {value}"))
        sides[label] = snapshot(kb, label)
    out = compare(sides["base"], sides["head"])
    assert [c.id for c in out.changed] == ["mae"]
    assert [(f.field, f.old, f.new) for f in out.changed[0].fields] == [("hyperparameters[0].value", 1, True)]


def test_mapping_keys_in_new_order_then_removed_keys() -> None:
    old = {"a": 1, "gone": 2, "b": 3}
    new = {"b": 4, "new": 5, "a": 1}
    assert changes(old, new) == [
        ("b", "changed", 3, 4),
        ("new", "added", ABSENT, 5),
        ("gone", "removed", 2, ABSENT),
    ]


def test_nested_paths_are_dotted_with_indexes() -> None:
    old = {"paper": {"year": 2020}, "results": [{"value": 1.0, "unit": "%"}]}
    new = {"paper": {"year": 2021}, "results": [{"value": 2.0, "unit": "%"}]}
    assert changes(old, new) == [
        ("paper.year", "changed", 2020, 2021),
        ("results[0].value", "changed", 1.0, 2.0),
    ]


def test_list_items_are_aligned_like_lines() -> None:
    assert changes({"t": ["a", "b", "c"]}, {"t": ["x", "a", "b", "c"]}) == [("t[0]", "added", ABSENT, "x")]
    assert changes({"t": ["a", "b", "c"]}, {"t": ["a", "c"]}) == [("t[1]", "removed", "b", ABSENT)]
    assert changes({"t": ["a", "b"]}, {"t": ["a", "B", "c"]}) == [
        ("t[1]", "changed", "b", "B"),
        ("t[2]", "added", ABSENT, "c"),
    ]


def test_an_item_changed_in_place_is_compared_field_by_field() -> None:
    old = {"lineage": [{"target": "vit", "type": "uses"}, {"target": "bert", "type": "uses"}]}
    new = {"lineage": [{"target": "vit", "type": "uses"}, {"target": "bert", "type": "extends"}]}
    assert changes(old, new) == [("lineage[1].type", "changed", "uses", "extends")]


def test_a_whole_record_and_a_list_for_a_mapping() -> None:
    assert changes(None, {"id": "x"}) == [("(record)", "changed", None, {"id": "x"})]
    assert changes({"t": ["a"]}, {"t": {"a": 1}}) == [("t", "changed", ["a"], {"a": 1})]


def test_field_change_to_dict_shows_absent_as_null() -> None:
    assert FieldChange("a", ABSENT, 1).to_dict() == {"field": "a", "change": "added", "old": None, "new": 1}
    assert FieldChange("a", 1, ABSENT).to_dict()["change"] == "removed"
    assert repr(ABSENT) == "(absent)"


# ---------------------------------------------------------------------------- compare


@pytest.fixture
def two(kb_copy: Path, fixture_kb: Path):
    """(base, head): the fixture KB and a copy that a test edits before calling ``head()``."""
    base = snapshot(fixture_kb, "base")
    return base, lambda: snapshot(kb_copy, "head"), kb_copy


def test_identical_snapshots_change_nothing(two) -> None:
    base, head, _ = two
    out = compare(base, head())
    assert (out.added, out.removed, out.changed, out.pages) == ([], [], [], {})
    assert out.questions_added == [] and out.questions_removed == [] and out.questions_updated == []


def test_a_changed_value_names_its_field_its_page_and_its_questions(two) -> None:
    base, head, kb = two
    path = kb / "methods" / "mae.yaml"
    path.write_text(path.read_text().replace("value: 87.8", "value: 85.1"))
    out = compare(base, head())
    assert [c.id for c in out.changed] == ["mae"] and not out.added and not out.removed
    assert [(f.field, f.old, f.new) for f in out.changed[0].fields] == [("results[0].value", 87.8, 85.1)]
    assert out.pages["methods/mae.md"] == ["mae changed"]
    # a question's id names its slot, not its value: the result question is updated, not replaced
    assert out.questions_added == [] and out.questions_removed == []
    updated = [q for q in out.questions_updated if q["kind"] == "result"]
    assert [(q["old_answer"], q["answer"]) for q in updated] == [("87.8%", "85.1%")]
    assert "questions updated" in out.pages["quiz/masked-predictions.md"]
    assert "quiz questions updated (" in to_text(out) and "answer: 87.8% -> 85.1%" in to_text(out)
    # the value is no link: the dataset's page is not touched
    assert "datasets/imagenet-1k.md" not in out.pages


def test_removing_a_record_touches_the_pages_it_linked(two) -> None:
    base, head, kb = two
    (kb / "methods" / "simclr.yaml").unlink()
    out = compare(base, head())
    assert [(c.id, c.kind, c.path) for c in out.removed] == [("simclr", "method", "methods/simclr.yaml")]
    for page in ("methods/simclr.md", "topics/contrastive.md", "datasets/imagenet-1k.md"):
        assert page in out.pages, page
    assert out.pages["topics/contrastive.md"] == ["simclr removed, linked here"]


def test_an_invalid_side_is_compared_as_written_without_questions(two) -> None:
    base, head, kb = two
    (kb / "methods" / "mae.yaml").write_text("id: mae\nkind: method\nname: MAE\n")
    (kb / "methods" / "broken.yaml").write_text("id: [unclosed\n")
    out = compare(base, head())
    assert out.questions_added is None and out.questions_removed is None
    by_id = {c.id: c for c in out.changed}
    assert {f.field for f in by_id["mae"].fields} >= {"summary", "paper", "results"}
    assert [c.id for c in out.added] == ["broken"] and out.added[0].kind is None
    text = to_text(out)
    assert "does not validate" in text and "quiz questions: not compared" in text
    data = to_dict(out)
    assert data["questions"] is None and data["head"]["valid"] is False and data["base"]["valid"] is True


def test_a_moved_record_is_changed_with_its_old_path(two) -> None:
    base, head, kb = two
    (kb / "methods" / "mae.yaml").rename(kb / "methods" / "mae-moved.yaml")
    out = compare(base, head())
    (change,) = out.changed
    assert (change.id, change.path, change.old_path, change.fields) == (
        "mae",
        "methods/mae-moved.yaml",
        "methods/mae.yaml",
        [],
    )
    assert change.to_dict()["old_path"] == "methods/mae.yaml"


def test_display_labels_the_diagnostics(kb_copy: Path) -> None:
    (kb_copy / "methods" / "mae.yaml").write_text("id: mae\n")
    snap = snapshot(kb_copy, "main", display="main:kb/")
    assert snap.errors and all(d.path.startswith("main:kb/") for d in snap.errors)
