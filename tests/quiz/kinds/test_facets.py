"""Facet wording: every vocabulary value reads back to itself, and special values read naturally."""

from __future__ import annotations

from ssl_kb.design import FACETS
from ssl_kb.quiz.kinds.facets import WORDING, designed, holders, phrase, value_of_name

from .real import real_model


def test_every_facet_has_wording_and_every_value_name_reads_back() -> None:
    model = real_model()
    assert set(WORDING) == {f.key for f in FACETS}
    for info in FACETS:
        vocabulary = model.vocabulary(info.key)
        assert vocabulary, info.key
        for value in vocabulary.values():
            assert value_of_name(model, info.key, value.name) == value.id
            assert phrase(model, info.key, value.id)


def test_special_values_read_as_what_they_mean() -> None:
    model = real_model()
    assert phrase(model, "negatives", "none") == "uses no negative examples"
    assert "fixed" in phrase(model, "collapse_prevention", "fixed-target")
    assert phrase(model, "target", "normalized-pixels") == "predicts normalised pixels"


def test_holders_are_the_methods_whose_design_lists_the_value() -> None:
    model = real_model()
    assert designed(model)
    for info in FACETS:
        for value in model.vocabulary(info.key):
            expected = [r for r in model.ids("method") if value in (model.facet_values(r, info.key) or ())]
            assert holders(model, info.key, value) == expected
