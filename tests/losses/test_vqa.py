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


def test_all_annotators_agree_no_normalisation_on_either_side():
    # official a013f00: with len(set(answers)) == 1 only newlines/tabs and outer whitespace are handled
    assert vqa_accuracy(" yes\n", ["yes"] * 10) == 1.0
    assert vqa_accuracy("Yes", ["yes"] * 10) == 0.0
    assert vqa_accuracy("yes.", ["yes"] * 10) == 0.0
    assert vqa_accuracy("yes!", ["yes"] * 10) == 0.0
    assert vqa_accuracy("two", ["2"] * 10) == 0.0
    assert vqa_accuracy("two", ["Two"] * 10) == 0.0
    assert vqa_accuracy("Yes", ["yes"] * 10, normalize="symmetric") == 1.0
    # outer whitespace of the human answers is stripped before the agreement test
    assert vqa_accuracy("Yes", ["yes"] * 5 + ["yes "] * 5) == 0.0


@pytest.mark.parametrize(
    ("prediction", "humans", "expected"),
    [
        # k matches of 10 after normalising both sides: 1 -> 0.3, 2 -> 0.6, 3 -> 0.9, >= 4 -> 1
        ("Two", ["2"] * 2 + ["3"] * 8, 0.6),  # number word, case
        ("  the dog\n", ["dog"] * 3 + ["cat"] * 7, 0.9),  # whitespace, article
        ("none", ["0"] + ["1"] * 9, 0.3),  # "none" -> "0" (GT-Vision-Lab/VQA issue #7)
        ("2", ["two"] * 3 + ["2"] * 3 + ["3"] * 4, 1.0),  # the humans' "two" becomes "2" too: 6 matches
        ("yes", ["Yes"] * 3 + ["no"] * 7, 0.9),  # the humans are lower-cased too
        ("yes!", ["yes"] * 5 + ["no"] * 5, 1.0),  # "!" -> " ", then split/join
        ("yes.", ["yes"] + ["no"] * 9, 0.3),  # trailing period removed
        ("T-Shirt", ["t shirt"] * 2 + ["shirt"] * 8, 0.6),  # "-" -> " "
        ("t-shirt", ["t-shirt"] * 2 + ["shirt"] * 8, 0.6),
        ("dont", ["don't"] * 3 + ["no"] * 7, 0.9),  # contraction map, straight apostrophe; "'" is kept
        ("don't", ["dont"] * 3 + ["no"] * 7, 0.9),  # and the humans' "dont" is mapped as well
        ("a.m.", ["am"] + ["pm"] * 9, 0.3),  # both periods go
        ("3.5", ["35"] + ["3.5"] + ["4"] * 8, 0.3),  # a period before a digit stays
        ("1,000", ["1000"] * 2 + ["100"] * 8, 0.6),  # digit-comma-digit: the comma is deleted
    ],
)
def test_official_values_when_annotators_disagree(prediction, humans, expected):
    # each expected value worked by hand from vqaEval.py a013f00 (module docstring, quirks 2-6)
    assert vqa_accuracy(prediction, humans) == pytest.approx(expected, abs=1e-15)


def test_symmetric_and_exact_options():
    assert vqa_accuracy("Two.", ["2"] * 10, normalize="symmetric") == 1.0
    assert vqa_accuracy("Two", ["2"] * 2 + ["3"] * 8, normalize=None) == 0.0
    assert vqa_accuracy("2", ["2"] * 2 + ["3"] * 8, normalize="none") == pytest.approx(0.6)


def test_punctuation_quirks():
    assert process_punctuation("don't") == "don't"  # "'" is not in the official list
    assert process_punctuation("a: b#c$") == "a: b#c$"  # neither are ":", "#", "$"
    assert process_punctuation("a (b) c") == "a b c"  # next to a space: deleted
    assert process_punctuation("(b)c") == " b c"  # not next to a space: replaced by a space
    assert process_punctuation("1,000 a;b") == "1000 ab"  # digit,comma,digit: all punctuation deleted
    assert process_punctuation("a;b") == "a b"
    assert process_punctuation("yes!") == "yes "
    assert process_punctuation("{x}") == " x "
    assert process_punctuation("3.5 p.m.") == "3.5 pm"  # '.' kept only before a digit
    assert process_punctuation("a.b" * 20) == "ab" * 20  # 20 periods, under the 32 limit
    assert process_punctuation("." * 40) == "." * 8  # re.UNICODE (32) passed as count
    assert process_digit_article("An Apple and THE three") == "apple and 3"
    assert process_digit_article("Im") == "im"  # capitalised keys never match after lower-casing
    assert process_digit_article("somebody'd") == "somebodyd"  # the table maps this one backwards
    assert process_digit_article("he'dve whats") == "he'd've what's"


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^human_answers: expected a non-empty sequence"):
        vqa_accuracy("yes", [])
    with pytest.raises(ValueError, match=r"^human_answers: expected a non-empty sequence"):
        vqa_accuracy("yes", "yes")
    with pytest.raises(TypeError, match=r"^human_answers\[1\]: expected a str"):
        vqa_accuracy("yes", ["yes", 1])
    with pytest.raises(TypeError, match=r"^prediction: expected a str"):
        vqa_accuracy(None, ["yes"])
    with pytest.raises(ValueError, match=r"^normalize: expected"):
        vqa_accuracy("yes", ["yes"], normalize="loose")


def test_inputs_are_not_modified():
    humans = ["yes.", "No"] * 5
    before = list(humans)
    vqa_accuracy("yes", humans)
    assert humans == before
