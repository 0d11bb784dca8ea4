"""Tests of ssl_kb.losses.relative_position: class layout and the 8-way cross-entropy (Doersch et al.)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import relative_position_class, relative_position_loss
from ssl_kb.losses.relative_position import NEIGHBOUR_OFFSETS


def _loop(logits, target):
    total = 0.0
    for row, t in zip(logits.tolist(), target.tolist(), strict=True):
        lse = math.log(sum(math.exp(v) for v in row))
        total += lse - row[t]
    return total / len(target)


def test_layout_is_raster_order_around_the_centre():
    grid = [
        [relative_position_class(dy, dx) if (dy, dx) != (0, 0) else None for dx in (-1, 0, 1)]
        for dy in (-1, 0, 1)
    ]
    assert grid == [[0, 1, 2], [3, None, 4], [5, 6, 7]]
    assert [relative_position_class(*o) for o in NEIGHBOUR_OFFSETS] == list(range(8))
    with pytest.raises(ValueError, match=r"^\(dy, dx\): expected one of the 8 neighbours"):
        relative_position_class(2, 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_loop(seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(6, 8, generator=g, dtype=torch.float64) * 4
    target = torch.randint(0, 8, (6,), generator=g)
    assert relative_position_loss(logits, target).item() == pytest.approx(_loop(logits, target), rel=1e-12)


def test_closed_form_uniform_logits():
    assert relative_position_loss(torch.zeros(3, 8), torch.tensor([0, 4, 7])).item() == pytest.approx(
        math.log(8)
    )


def test_gradcheck():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 8, generator=g, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([1, 0, 7, 3])
    assert torch.autograd.gradcheck(lambda x: relative_position_loss(x, target), (logits,))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_large_logits(dtype):
    logits = torch.full((2, 8), -100.0, dtype=dtype)
    logits[:, 0] = 100.0
    out = relative_position_loss(logits, torch.tensor([0, 1]))
    assert out.dtype == torch.float32 and out.item() == pytest.approx(100.0, rel=1e-3)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(0, 10_000))
def test_batch_permutation_invariance(b, seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, 8, generator=g, dtype=torch.float64)
    target = torch.randint(0, 8, (b,), generator=g)
    perm = torch.randperm(b, generator=g)
    assert relative_position_loss(logits[perm], target[perm]).item() == pytest.approx(
        relative_position_loss(logits, target).item(), rel=1e-12
    )


def test_empty_batch_and_inputs_unmodified():
    x = torch.zeros(0, 8, requires_grad=True)
    out = relative_position_loss(x, torch.zeros(0, dtype=torch.long))
    assert out.item() == 0.0
    out.backward()
    logits, target = torch.randn(3, 8), torch.tensor([0, 1, 2])
    before = logits.clone()
    relative_position_loss(logits, target)
    assert torch.equal(logits, before)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^logits: expected \(B, K\) = \(4, 8\), got \(4, 9\)$"):
        relative_position_loss(torch.zeros(4, 9), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^target: expected \(B\) = \(4,\), got \(3,\)$"):
        relative_position_loss(torch.zeros(4, 8), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^target: expected class indices in 0\.\.7"):
        relative_position_loss(torch.zeros(1, 8), torch.tensor([8]))
    with pytest.raises(TypeError, match=r"^target: expected an integer tensor"):
        relative_position_loss(torch.zeros(1, 8), torch.tensor([1.0]))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_loss_and_gradient_match_the_loop_on_device(device, dtype):
    g = torch.Generator().manual_seed(11)
    logits = torch.randn(5, 8, generator=g, dtype=torch.float64) * 5
    target = torch.tensor([0, 3, 4, 7, 2])
    expected = _loop(logits, target)
    # d/dlogit_k of the mean cross-entropy: (softmax_k - [k == y]) / B, row by row from the equation
    grad = torch.zeros_like(logits)
    for b, (row, t) in enumerate(zip(logits.tolist(), target.tolist(), strict=True)):
        z = sum(math.exp(v) for v in row)
        for k, v in enumerate(row):
            grad[b, k] = (math.exp(v) / z - (1.0 if k == t else 0.0)) / len(target)
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    x = logits.to(device=device, dtype=dtype).clone().requires_grad_()
    out = relative_position_loss(x, target.to(device))
    out.backward()
    assert out.item() == pytest.approx(expected, rel=tol)
    torch.testing.assert_close(x.grad.cpu().double(), grad, rtol=tol, atol=tol)


def test_layout_matches_the_official_pos2lbl():
    """cdoersch/deepcontext train.py ``pos2lbl((dx, dy))``: dy = -1 -> dx + 1; dy = 0 -> (dx + 7) // 2; dy = 1 -> dx + 6."""

    def pos2lbl(dx, dy):
        return {-1: dx + 1, 0: (dx + 7) // 2, 1: dx + 6}[dy]

    for dy, dx in NEIGHBOUR_OFFSETS:
        assert relative_position_class(dy, dx) == pos2lbl(dx, dy)
