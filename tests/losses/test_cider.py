"""Tests of ssl_kb.losses.cider: hand-computed CIDEr-D values, the scorer's quirks, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import cider_d


def _reference(cands, refs, sigma=6.0, n=4):
    """An independent float64 transcription of CIDEr-D with pycocoevalcap's conventions (module docstring)."""
    images = len(cands)

    def grams(s, k):
        w = s.split()
        return [tuple(w[i : i + k]) for i in range(len(w) - k + 1)]

    def df(g):
        return sum(any(g in grams(r, len(g)) for r in rs) for rs in refs)

    def vec(s, k):
        out = {}
        for g in set(grams(s, k)):
            out[g] = grams(s, k).count(g) * (math.log(images) - math.log(max(1.0, df(g))))
        return out

    scores = []
    for c, rs in zip(cands, refs, strict=True):
        total = 0.0
        for r in rs:
            pen = math.exp(-((len(grams(c, 2)) - len(grams(r, 2))) ** 2) / (2 * sigma**2))
            for k in range(1, n + 1):
                vc, vr = vec(c, k), vec(r, k)
                num = sum(min(v, vr.get(g, 0.0)) * vr.get(g, 0.0) for g, v in vc.items())
                nc = math.sqrt(sum(v * v for v in vc.values()))
                nr = math.sqrt(sum(v * v for v in vr.values()))
                total += pen * (num / (nc * nr) if nc and nr else num)
        scores.append(total / n / len(rs) * 10)
    return sum(scores) / len(scores), scores


CORPUS = (
    ["a man riding a horse", "two dogs play in the snow", "a plate of food", "a red bus on the street"],
    [
        ["a man rides a horse on the beach", "a person riding a brown horse"],
        ["two dogs playing in snow", "dogs running through the snow", "two puppies in the snow"],
        ["a plate with food on it", "food on a white plate"],
        ["a red double decker bus", "a bus driving down a street", "red bus on a city street"],
    ],
)


def test_hand_computed_two_images():
    # image 1: 1-grams and the 2-gram each have idf log 2 and cosine 1; no 3-/4-grams: (1 + 1 + 0 + 0) / 4 * 10
    score, per_image = cider_d(["a b", "c d"], [["a b"], ["e f"]])
    assert per_image == pytest.approx([5.0, 0.0])
    assert score == pytest.approx(2.5)


def test_length_penalty_hand_computed():
    # candidate "a b c" vs reference "a b c d e" (image 2 elsewhere): 2 vs 4 bigrams, length difference 2
    cands, refs = ["a b c", "x y"], [["a b c d e"], ["z w"]]
    idf = math.log(2)
    uni = (3 * idf * idf) / (math.sqrt(3) * idf * math.sqrt(5) * idf)
    bi = (2 * idf * idf) / (math.sqrt(2) * idf * math.sqrt(4) * idf)
    tri = (1 * idf * idf) / (1 * idf * math.sqrt(3) * idf)
    expected = (uni + bi + tri + 0.0) / 4 * math.exp(-4 / 72) * 10
    assert cider_d(cands, refs)[1][0] == pytest.approx(expected, rel=1e-12)


def test_clipping_hand_computed():
    # "a a a" vs "a b", N = 2, every idf log 2 = L. n = 1: min(3L, L) * L / (3L * sqrt(2) L) = 1 / (3 sqrt 2)
    # (unclipped CIDEr would give 1 / sqrt 2); (a, a) is not in the reference, the reference has no 3-gram;
    # lengths in bigrams 2 vs 1: penalty exp(-1/72)
    expected = 1 / (3 * math.sqrt(2)) * math.exp(-1 / 72) / 4 * 10
    assert cider_d(["a a a", "x y"], [["a b"], ["z w"]])[1][0] == pytest.approx(expected, rel=1e-12)


def test_document_frequency_counts_references_only():
    # df(b) = 1 (only image 1's reference has "b"); were the candidates counted, df(b) = 2 and idf(b) = 0.
    # image 2: "b c" vs "c d": n = 1 gives L^2 / (sqrt(2) L * sqrt(2) L) = 1/2, nothing else: 1/2 / 4 * 10
    _, per_image = cider_d(["a b", "b c"], [["a b"], ["c d"]])
    assert per_image == pytest.approx([5.0, 1.25], rel=1e-12)


def test_matches_the_independent_transcription():
    score, per_image = cider_d(*CORPUS)
    ref_score, ref_per_image = _reference(*CORPUS)
    assert per_image == pytest.approx(ref_per_image, rel=1e-12)
    assert score == pytest.approx(ref_score, rel=1e-12)
    assert cider_d(*CORPUS, sigma=2.0)[0] == pytest.approx(_reference(*CORPUS, sigma=2.0)[0], rel=1e-12)


def test_quirks():
    # one image: every idf is log(1) - log(1) = 0
    assert cider_d(["a cat on a mat"], [["a cat on a mat"]]) == (0.0, [0.0])
    # length counts bigrams: an empty and a one-word candidate both have length 0
    one = cider_d(["cat", "q"], [["cat sat", "cat"], ["r"]])[1][0]
    # vs "cat sat": unigram cos = idf^2 / (idf * sqrt(2) idf), penalty exp(-1/72); vs "cat": cos 1, no penalty
    assert one == pytest.approx((1 / math.sqrt(2) * math.exp(-1 / 72) + 1.0) / 4 / 2 * 10, rel=1e-12)
    assert cider_d(["", "q"], [["a"], ["r"]])[1][0] == 0.0


def test_perfect_caption_with_unique_ngrams_scores_10():
    cands = ["one two three four five", "six seven eight nine ten"]
    score, per_image = cider_d(cands, [[cands[0]], [cands[1]]])
    assert score == pytest.approx(10.0) and per_image == pytest.approx([10.0, 10.0])


def test_mapping_input_keeps_ids():
    score, per_image = cider_d({"b": "c d", "a": "a b"}, {"a": ["a b"], "b": ["e f"]})
    assert per_image == pytest.approx({"a": 5.0, "b": 0.0}) and score == pytest.approx(2.5)


@settings(max_examples=20, deadline=None)
@given(st.permutations(range(4)), st.permutations(range(3)))
def test_image_and_reference_order_invariance(image_order, ref_order):
    cands, refs = CORPUS
    base_score, base = cider_d(cands, refs)
    shuffled = [[r[i] for i in ref_order if i < len(r)] + r[len(ref_order) :] for r in refs]
    score, per_image = cider_d([cands[i] for i in image_order], [shuffled[i] for i in image_order])
    assert score == pytest.approx(base_score, rel=1e-12)
    assert per_image == pytest.approx([base[i] for i in image_order], rel=1e-12)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^references\[1\]: expected a non-empty list"):
        cider_d(["a", "b"], [["a"], []])
    with pytest.raises(ValueError, match=r"^references: expected a sequence of 2"):
        cider_d(["a", "b"], [["a"]])
    with pytest.raises(TypeError, match=r"^candidates\[0\]: expected a str"):
        cider_d([["a"]], [["a"]])
    with pytest.raises(ValueError, match=r"^references: expected a mapping with the same image ids"):
        cider_d({"a": "x"}, {"b": ["x"]})


def test_inputs_are_not_modified():
    cands, refs = [list(CORPUS[0]), [list(r) for r in CORPUS[1]]]
    cider_d(cands, refs)
    assert cands == CORPUS[0] and refs == CORPUS[1]
