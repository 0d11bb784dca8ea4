"""Tests of ssl_kb.losses.language_model: shift by one, mean over kept targets, all-ignored gives 0."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import next_token_loss


def _loop(logits, targets, ignore_index=-100):
    total, count = 0.0, 0
    for b in range(logits.shape[0]):
        for t in range(logits.shape[1] - 1):
            y = int(targets[b, t + 1])
            if y == ignore_index:
                continue
            row = logits[b, t].tolist()
            total += math.log(sum(math.exp(v) for v in row)) - row[y]
            count += 1
    return total / count if count else 0.0


def _inputs(b=2, n=6, k=7, seed=0, ignore=0.3):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, n, k, generator=g, dtype=torch.float64) * 3
    targets = torch.randint(0, k, (b, n), generator=g)
    targets[torch.rand(b, n, generator=g) < ignore] = -100
    return logits, targets


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_loop(seed):
    logits, targets = _inputs(seed=seed)
    assert next_token_loss(logits, targets).item() == pytest.approx(_loop(logits, targets), rel=1e-12)
    t2 = targets.clone()
    t2[t2 == -100] = 3  # another ignore index: class 3 ignored
    assert next_token_loss(logits, t2, ignore_index=3).item() == pytest.approx(
        _loop(logits, t2, 3), rel=1e-12
    )


def test_shift_by_one():
    # position t predicts targets[t + 1]: a perfect shifted model has loss ~0, an unshifted one does not
    targets = torch.tensor([[0, 1, 2, 3]])
    logits = torch.full((1, 4, 4), -50.0)
    for t in range(3):
        logits[0, t, targets[0, t + 1]] = 50.0
    assert next_token_loss(logits, targets).item() == pytest.approx(0.0, abs=1e-6)
    assert next_token_loss(torch.zeros(1, 4, 5), targets).item() == pytest.approx(math.log(5))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_all_targets_ignored_gives_zero_with_a_gradient_path(dtype):
    logits = torch.randn(2, 5, 7).to(dtype).requires_grad_()
    out = next_token_loss(logits, torch.full((2, 5), -100))
    assert out.item() == 0.0 and not torch.isnan(out)
    out.backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))
    assert next_token_loss(torch.randn(2, 1, 7), torch.zeros(2, 1, dtype=torch.long)).item() == 0.0  # N = 1


def test_gradcheck():
    logits, targets = _inputs(b=2, n=4, k=3)
    assert torch.autograd.gradcheck(lambda x: next_token_loss(x, targets), (logits.requires_grad_(),))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_accumulate_in_float32(dtype):
    logits, targets = _inputs(b=4, n=64, k=50)
    big = (logits * 30).to(dtype)
    out = next_token_loss(big, targets)
    assert out.dtype == torch.float32 and torch.isfinite(out)
    assert out.item() == pytest.approx(next_token_loss(big.double(), targets).item(), rel=1e-5)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(0, 10_000))
def test_batch_permutation_invariance(b, seed):
    logits, targets = _inputs(b=b, seed=seed)
    perm = torch.randperm(b, generator=torch.Generator().manual_seed(seed))
    assert next_token_loss(logits[perm], targets[perm]).item() == pytest.approx(
        next_token_loss(logits, targets).item(), rel=1e-12
    )


def test_inputs_are_not_modified():
    logits, targets = _inputs()
    before = (logits.clone(), targets.clone())
    next_token_loss(logits, targets)
    assert torch.equal(logits, before[0]) and torch.equal(targets, before[1])


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^logits: expected \(B, N, K\), got \(8, 16\)$"):
        next_token_loss(torch.zeros(8, 16), torch.zeros(8, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^target: expected \(B, N\) = \(2, 3\), got \(2, 4\)$"):
        next_token_loss(torch.zeros(2, 3, 5), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(TypeError, match=r"^target: expected an integer tensor"):
        next_token_loss(torch.zeros(2, 3, 5), torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"^target: expected token ids in 0\.\.4"):
        next_token_loss(torch.zeros(1, 2, 5), torch.tensor([[0, 5]]))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_loss_and_gradient_match_the_loop_on_device(device, dtype):
    logits, targets = _inputs(b=2, n=5, k=6, seed=9, ignore=0.3)
    expected = _loop(logits, targets)
    # gradient from the equation: (softmax - onehot(y_{t+1})) / |S| at kept positions t, 0 elsewhere
    kept = [(b, t) for b in range(2) for t in range(4) if int(targets[b, t + 1]) != -100]
    grad = torch.zeros_like(logits)
    for b, t in kept:
        row = logits[b, t].tolist()
        z = sum(math.exp(v) for v in row)
        for k, v in enumerate(row):
            grad[b, t, k] = (math.exp(v) / z - (1.0 if k == int(targets[b, t + 1]) else 0.0)) / len(kept)
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    x = logits.to(device=device, dtype=dtype).clone().requires_grad_()
    out = next_token_loss(x, targets.to(device))
    out.backward()
    assert out.item() == pytest.approx(expected, rel=tol)
    torch.testing.assert_close(x.grad.cpu().double(), grad, rtol=tol, atol=tol)
    # every target ignored on the device: 0, not NaN, with a zero gradient
    x = torch.randn(2, 4, 6, device=device, dtype=dtype, requires_grad=True)
    out = next_token_loss(x, torch.full((2, 4), -100, device=device))
    out.backward()
    assert out.item() == 0.0 and torch.equal(x.grad, torch.zeros_like(x))
