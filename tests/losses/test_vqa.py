"""Tests of ssl_kb.losses.vqa: hand-worked accuracies and the official normalisation's quirks."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import vqa_accuracy
from ssl_kb.losses.vqa import process_digit_article, process_punctuation


def _subsets(answer, humans):
    """The 10-choose-9 definition, literally."""
    scores = [
        min(1.0, sum(h == answer for h in subset) / 3)
        for subset in itertools.combinations(humans, len(humans) - 1)
    ]
    return sum(scores) / len(scores)


@pytest.mark.parametrize(
    ("matches", "expected"),
    [(0, 0.0), (1, 0.3), (2, 0.6), (3, 0.9), (4, 1.0), (10, 1.0)],
)
def test_hand_worked_counts(matches, expected):
    # k matches of 10: k annotators see k-1 others, 10-k see k; e.g. 3 -> (3 * 2/3 + 7 * 1) / 10 = 0.9
    humans = ["cat"] * matches + ["dog", "bird", "fish", "cow", "pig", "hen", "owl", "ant", "bee", "elk"][
        : 10 - matches
    ]
    assert vqa_accuracy("cat", humans) == pytest.approx(expected)
    assert vqa_accuracy("cat", humans) == pytest.approx(_subsets("cat", humans))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from(["yes", "no", "2", "red"]), min_size=1, max_size=10),
    st.sampled_from(["yes", "2"]),
)
def test_equals_the_subset_definition_and_is_order_invariant(humans, answer):
    got = vqa_accuracy(answer, humans, normalize=None)
    assert got == pytest.approx(_subsets(answer, humans) if len(humans) > 1 else 0.0)
    assert vqa_accuracy(answer, list(reversed(humans)), normalize=None) == pytest.approx(got)


def test_prediction_normalisation():
    assert vqa_accuracy("Two", ["2"] * 10) == 1.0  # number word, case
    assert vqa_accuracy("  the dog\n", ["dog"] * 10) == 1.0  # whitespace, article
    assert vqa_accuracy("yes.", ["yes"] * 10) == 1.0  # trailing period
    assert vqa_accuracy("none", ["0"] * 10) == 1.0  # "none" maps to 0
    assert vqa_accuracy("dont know", ["don’t know"] * 10) == 1.0  # contraction map, curly apostrophe


def test_human_answers_only_get_punctuation_and_only_when_they_differ():
    # all identical: left untouched, so "Two" never matches the normalised prediction "2"
    assert vqa_accuracy("two", ["Two"] * 10) == 0.0
    # differing: punctuation processed ("yes!" keeps "!", "yes." loses "."), but no lower-casing
    humans = ["yes."] * 3 + ["Yes"] * 7
    assert vqa_accuracy("yes", humans) == pytest.approx(0.9)
    assert vqa_accuracy("yes", humans, normalize="symmetric") == 1.0


def test_punctuation_quirks():
    assert process_punctuation("don't") == "don t"  # replaced by a space, so the contraction map misses it
    assert process_punctuation("it's 'ok'") == "its ok"  # a quote next to a space: every "'" deleted
    assert process_punctuation("1,000 a;b") == "1000 ab"  # digit,comma,digit: all punctuation deleted
    assert process_punctuation("a;b") == "a b"
    assert process_punctuation("3.5 p.m.") == "3.5 pm"  # '.' kept only before a digit
    assert process_punctuation("a.b" * 20).count(".") == 20 - 20  # 20 periods, under the 32 limit
    assert process_punctuation("." * 40) == "." * 8  # re.UNICODE (32) passed as count
    assert process_punctuation("yes!") == "yes!"  # '!' is not in the list
    assert process_digit_article("An Apple and THE three") == "apple and 3"
    assert process_digit_article("Im") == "im"  # capitalised keys never match after lower-casing


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^human_answers: expected a non-empty sequence"):
        vqa_accuracy("yes", [])
    with pytest.raises(ValueError, match=r"^human_answers: expected a non-empty sequence"):
        vqa_accuracy("yes", "yes")
    with pytest.raises(ValueError, match=r"^normalize: expected"):
        vqa_accuracy("yes", ["yes"], normalize="loose")


def test_inputs_are_not_modified():
    humans = ["yes.", "no"] * 5
    before = list(humans)
    vqa_accuracy("yes", humans)
    assert humans == before
