"""Tests of ssl_kb.losses.similarity: dense and chunked cross-entropy totals agree, in value and gradients."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode

from ssl_kb.losses.similarity import cross_entropy_total


def _inputs(m, n, d, seed, device="cpu", dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(m, d, generator=g, dtype=dtype).to(device).requires_grad_()
    k = torch.randn(n, d, generator=g, dtype=dtype).to(device).requires_grad_()
    s = torch.tensor(1.7, dtype=dtype, device=device, requires_grad=True)
    return q, k, s


def _loop_reference(q, k, s, positive, exclude, w_r, w_c):
    """w_r * sum of row cross-entropies + w_c * sum of column cross-entropies, entry by entry."""
    m, n = q.shape[0], k.shape[0]
    logits = [[s * (q[i] @ k[j]) for j in range(n)] for i in range(m)]
    keep = [[exclude is None or int(exclude[i]) != j for j in range(n)] for i in range(m)]
    total = 0.0
    for i in range(m):
        lse = torch.log(sum(torch.exp(logits[i][j]) for j in range(n) if keep[i][j]))
        total = total + w_r * (lse - logits[i][int(positive[i])])
    if w_c:
        for j in range(n):
            lse = torch.log(sum(torch.exp(logits[i][j]) for i in range(m) if keep[i][j]))
            row = next(i for i in range(m) if int(positive[i]) == j)
            total = total + w_c * (lse - logits[row][j])
    return total


@pytest.mark.parametrize("chunk_size", [None, 1, 3, 64])
@pytest.mark.parametrize("with_exclude", [False, True])
@pytest.mark.parametrize(("w_r", "w_c"), [(1.0, 0.0), (0.3, 0.7), (0.0, 2.0)])
def test_matches_entrywise_loop(chunk_size, with_exclude, w_r, w_c):
    q, k, s = _inputs(6, 6, 4, seed=0)
    positive = torch.tensor([3, 0, 5, 1, 4, 2])
    exclude = torch.tensor([0, 1, 2, 3, 0, 1]) if with_exclude else None
    got = cross_entropy_total(
        q, k, s, positive, row_weight=w_r, col_weight=w_c, exclude=exclude, chunk_size=chunk_size
    )
    torch.testing.assert_close(got, _loop_reference(q, k, s, positive, exclude, w_r, w_c))


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_rows_only_with_more_keys_than_queries(chunk_size):
    q, k, s = _inputs(3, 7, 4, seed=1)
    positive, exclude = torch.tensor([6, 0, 2]), torch.tensor([1, 2, 3])
    got = cross_entropy_total(q, k, s, positive, row_weight=0.5, exclude=exclude, chunk_size=chunk_size)
    torch.testing.assert_close(got, _loop_reference(q, k, s, positive, exclude, 0.5, 0.0))


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 12),
    n=st.integers(1, 12),
    chunk=st.integers(1, 13),
    w_c=st.sampled_from([0.0, 0.4, 1.5]),
    seed=st.integers(0, 2**16),
)
def test_chunked_equals_dense_values_and_gradients(device, m, n, chunk, w_c, seed):
    if w_c:
        n = m  # columns need a bijective positive
    q, k, s = _inputs(m, n, 3, seed, device)
    g = torch.Generator().manual_seed(seed)
    positive = torch.randperm(n, generator=g)[:m] if m <= n else torch.randint(0, n, (m,), generator=g)
    positive = positive.to(device)
    results = []
    for chunk_size in (None, chunk):
        total = cross_entropy_total(q, k, s, positive, row_weight=0.4, col_weight=w_c, chunk_size=chunk_size)
        results.append((total, *torch.autograd.grad(total, [q, k, s])))
    for dense, chunked in zip(*results, strict=True):
        torch.testing.assert_close(chunked, dense)


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_gradcheck_with_exclusion_and_columns(chunk_size):
    q, k, s = _inputs(5, 5, 3, seed=3)
    exclude, positive = torch.arange(5), torch.tensor([1, 2, 3, 4, 0])

    def f(q, k, s):
        return cross_entropy_total(
            q, k, s, positive, row_weight=0.6, col_weight=0.3, exclude=exclude, chunk_size=chunk_size
        )

    assert torch.autograd.gradcheck(f, (q, k, s))


def test_same_tensor_as_queries_and_keys_gets_both_gradients():
    q, _, s = _inputs(6, 1, 3, seed=4)
    positive = torch.tensor([3, 4, 5, 0, 1, 2])
    for chunk_size in (None, 4):
        assert torch.autograd.gradcheck(
            lambda q, s, c=chunk_size: cross_entropy_total(
                q, q, s, positive, row_weight=1.0, exclude=torch.arange(6), chunk_size=c
            ),
            (q, s),
        )


def test_zero_scale_has_a_finite_scale_gradient():
    q, k, _ = _inputs(4, 4, 3, seed=5)
    s = torch.zeros((), dtype=torch.float64, requires_grad=True)
    positive = torch.arange(4)
    for chunk_size in (None, 3):
        total = cross_entropy_total(q, k, s, positive, row_weight=1.0, chunk_size=chunk_size)
        (grad,) = torch.autograd.grad(total, [s])
        # d/ds sum_i [log sum_j exp(s q_i.k_j) - s q_i.k_i] at s = 0 is sum_i (mean_j q_i.k_j - q_i.k_i)
        torch.testing.assert_close(grad, (q @ k.T).mean(1).sum() - (q * k).sum())


class _LargestTensor(TorchDispatchMode):
    """Records the largest tensor any aten op produces."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, tuple | list) else (out,):
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


@pytest.mark.parametrize("w_c", [0.0, 1.0])
def test_chunked_path_never_holds_the_full_matrix(w_c):
    m = n = 64
    q, k, s = _inputs(m, n, 4, seed=6, dtype=torch.float32)
    sizes = {}
    for chunk_size in (None, 8):
        with _LargestTensor() as probe:
            cross_entropy_total(
                q, k, s, torch.arange(m), row_weight=1.0, col_weight=w_c, chunk_size=chunk_size
            ).backward()
        sizes[chunk_size] = probe.largest
    assert sizes[None] >= m * n  # the probe sees the dense matrix, so it would see a chunked one too
    assert sizes[8] <= max(8 * 8, m * 4)  # nothing bigger than a block or the inputs (64 x 4)


def test_rejects_bad_arguments():
    q, k, s = _inputs(2, 2, 2, seed=0)
    positive = torch.arange(2)
    with pytest.raises(ValueError, match="chunk_size: expected a positive int or None, got 0"):
        cross_entropy_total(q, k, s, positive, row_weight=1.0, chunk_size=0)
    with pytest.raises(TypeError, match="q, k, scale: expected one dtype"):
        cross_entropy_total(q.float(), k, s, positive, row_weight=1.0)
    with pytest.raises(
        ValueError, match=r"row_weight, col_weight: expected non-negative numbers, got 1.0, -1.0"
    ):
        cross_entropy_total(q, k, s, positive, row_weight=1.0, col_weight=-1.0)
    with pytest.raises(ValueError, match=r"^positive: expected \(2,\), got \(3,\)$"):
        cross_entropy_total(q, k, s, torch.arange(3), row_weight=1.0)
