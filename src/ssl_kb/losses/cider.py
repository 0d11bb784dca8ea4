r"""CIDEr-D as computed by the COCO caption evaluation (pycocoevalcap), in pure Python.

Vedantam, Zitnick, Parikh, "CIDEr: Consensus-based Image Description Evaluation", arXiv 1411.5726,
Sec. 3 (tf-idf n-gram vectors and their cosine, Eq. 1-3) and the paper's CIDEr-D variant (clipping of the
candidate's n-gram counts and a Gaussian length penalty, for robustness to gaming); the numbers reported as
"CIDEr" on COCO come from ``pycocoevalcap/cider/cider_scorer.py`` (tylin/coco-caption), which is this
CIDEr-D. This module follows that scorer exactly on whitespace-tokenised text (the standard pipeline first
runs the Java PTB tokenizer, which is out of scope here: tokenise before calling), including:

- document frequency :math:`\mathrm{df}(g)` = number of images whose reference set contains n-gram
  :math:`g`, from the references of the evaluated corpus; idf :math:`= \log N - \log \max(1, \mathrm{df})`
  with :math:`N` the number of images (so a one-image corpus scores 0 everywhere);
- the "length" in the penalty is the number of **bigrams** of a sentence (the scorer counts term frequency
  for ``n == 1``, the 0-based index of 2-grams), i.e. ``max(words - 1, 0)``; length differences of two
  sentences with at least one word each are therefore the word-count differences;
- a zero norm (e.g. no 4-grams in a 3-word sentence) gives similarity 0 for that n (the current scorer
  skips the division when a norm is 0; an older tylin/coco-caption version, commit 274cef6, divides 0 by 0
  and gives NaN there);
- per image: mean over n = 1..4 of the similarities summed over references, divided by the number of
  references, times 10; the corpus score is the mean over images.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["cider_d"]


def _ngrams(sentence: str, n: int) -> Counter[tuple[str, ...]]:
    words = sentence.split()
    counts: Counter[tuple[str, ...]] = Counter()
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            counts[tuple(words[i : i + k])] += 1
    return counts


#: A sentence's TF-IDF vectors per n-gram order, their norms and its length in unigrams.
Vector = tuple[list[dict[tuple[str, ...], float]], list[float], int]


def _vector(counts: Counter[tuple[str, ...]], df: Counter[tuple[str, ...]], log_n: float, n: int) -> Vector:
    vec: list[dict[tuple[str, ...], float]] = [{} for _ in range(n)]
    norm = [0.0] * n
    length = 0
    for gram, tf in counts.items():
        k = len(gram) - 1
        weight = float(tf) * (log_n - math.log(max(1.0, float(df[gram]))))
        vec[k][gram] = weight
        norm[k] += weight * weight
        if k == 1:
            length += tf
    return vec, [math.sqrt(v) for v in norm], length


def _similarity(hyp: Vector, ref: Vector, sigma: float, n: int) -> list[float]:
    vec_h, norm_h, len_h = hyp
    vec_r, norm_r, len_r = ref
    delta = float(len_h - len_r)
    penalty = math.exp(-(delta**2) / (2.0 * sigma**2))
    out = []
    for k in range(n):
        val = 0.0
        for gram, weight in vec_h[k].items():
            ref_weight = vec_r[k].get(gram, 0.0)
            val += min(weight, ref_weight) * ref_weight
        if norm_h[k] != 0 and norm_r[k] != 0:
            val /= norm_h[k] * norm_r[k]
        out.append(val * penalty)
    return out


def cider_d(
    candidates: Sequence[str] | Mapping[Any, str],
    references: Sequence[Sequence[str]] | Mapping[Any, Sequence[str]],
    sigma: float = 6.0,
    *,
    n: int = 4,
) -> tuple[float, list[float] | dict[Any, float]]:
    r"""Corpus CIDEr-D and per-image scores, equal to pycocoevalcap's ``Cider().compute_score``.

    .. math::
        \mathrm{CIDEr\text{-}D}_n(c, S) = \frac{10}{m} \sum_{j=1}^{m}
        e^{-\frac{(l_c - l_{s_j})^2}{2\sigma^2}}
        \frac{\sum_g \min(g^n(c), g^n(s_j))\, g^n(s_j)}{\|g^n(c)\|\,\|g^n(s_j)\|},\qquad
        \mathrm{CIDEr\text{-}D} = \frac{1}{4}\sum_{n=1}^{4} \mathrm{CIDEr\text{-}D}_n

    with :math:`g^n(\cdot)` the tf-idf vector of n-grams (tf = raw count, idf from the references), over the
    :math:`m` references :math:`s_j` of the image (:math:`l` as in the module docstring). ``sigma`` = 6, the
    scorer's default and the paper's CIDEr-D value.

    Args:
        candidates: one caption per image, aligned with ``references`` (a sequence), or keyed by image id
            (a mapping, then ``references`` must be a mapping with the same keys).
        references: the non-empty list of reference captions of each image.
        sigma: standard deviation of the length penalty; 6.0.
        n: largest n-gram order; 4.

    Returns:
        ``(corpus score, per-image scores)``; per-image scores are a list for sequence input, a dict keyed by
        image id for mapping input.

    >>> score, per_image = cider_d(["a b", "c d"], [["a b"], ["e f"]])
    >>> score, per_image  # image 1: (1 + 1 + 0 + 0) / 4 * 10; image 2 shares nothing
    (2.5, [5.0, 0.0])
    """
    if isinstance(candidates, Mapping):
        if not isinstance(references, Mapping) or set(candidates) != set(references):
            raise ValueError("references: expected a mapping with the same image ids as candidates")
        keys = list(candidates)
        cands = [candidates[k] for k in keys]
        refs = [references[k] for k in keys]
    else:
        if isinstance(references, Mapping) or len(candidates) != len(references):
            raise ValueError(
                f"references: expected a sequence of {len(candidates)} reference lists aligned with candidates"
            )
        keys, cands, refs = None, list(candidates), [list(r) for r in references]
    for i, (c, r) in enumerate(zip(cands, refs, strict=True)):
        if not isinstance(c, str):
            raise TypeError(f"candidates[{i}]: expected a str, got {type(c).__name__}")
        if isinstance(r, str) or len(r) == 0 or not all(isinstance(s, str) for s in r):
            raise ValueError(f"references[{i}]: expected a non-empty list of strings, got {r!r}")
    if sigma <= 0 or n < 1:
        raise ValueError(f"sigma, n: expected sigma > 0 and n >= 1, got {sigma}, {n}")
    if not cands:
        raise ValueError("candidates: expected at least one image")
    ref_counts = [[_ngrams(s, n) for s in r] for r in refs]
    df: Counter[tuple[str, ...]] = Counter()
    for image_refs in ref_counts:
        df.update({gram for counts in image_refs for gram in counts})
    log_n = math.log(float(len(cands)))
    scores = []
    for cand, image_refs in zip(cands, ref_counts, strict=True):
        hyp = _vector(_ngrams(cand, n), df, log_n, n)
        total = [0.0] * n
        for counts in image_refs:
            sim = _similarity(hyp, _vector(counts, df, log_n, n), sigma, n)
            total = [a + b for a, b in zip(total, sim, strict=True)]
        scores.append(sum(total) / n / len(image_refs) * 10.0)
    corpus = sum(scores) / len(scores)
    if keys is None:
        return corpus, scores
    return corpus, dict(zip(keys, scores, strict=True))
