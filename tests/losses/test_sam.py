"""Tests of ssl_kb.losses.sam: focal and dice against float64 loops, SAM's 20:1 mix, stability, shapes."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import dice_loss, focal_loss, sam_mask_loss


def _focal_loop(x, y, alpha=0.25, gamma=2.0):
    """Lin et al. Eq. 5, one pixel at a time, per-mask mean then mean over masks."""
    per_mask = []
    for n in range(x.shape[0]):
        total, count = 0.0, 0
        for v, t in zip(x[n].flatten().tolist(), y[n].flatten().tolist(), strict=True):
            p = 1.0 / (1.0 + math.exp(-v))
            pt = p if t == 1 else 1.0 - p
            at = alpha if t == 1 else 1.0 - alpha
            total += -at * (1.0 - pt) ** gamma * math.log(pt)
            count += 1
        per_mask.append(total / count)
    return sum(per_mask) / len(per_mask)


def _dice_loop(x, y):
    per_mask = []
    for n in range(x.shape[0]):
        p = [1.0 / (1.0 + math.exp(-v)) for v in x[n].flatten().tolist()]
        t = y[n].flatten().tolist()
        inter = sum(a * b for a, b in zip(p, t, strict=True))
        per_mask.append(1.0 - (2.0 * inter + 1.0) / (sum(p) + sum(t) + 1.0))
    return sum(per_mask) / len(per_mask)


def _inputs(n=3, h=4, w=5, seed=0, scale=3.0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    x = (torch.randn(n, 1, h, w, generator=g, dtype=torch.float64) * scale).to(dtype)
    y = (torch.rand(n, 1, h, w, generator=g) < 0.4).to(dtype)
    return x, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_focal_and_dice_match_the_loops(seed):
    x, y = _inputs(seed=seed)
    assert focal_loss(logits=x, target=y).item() == pytest.approx(_focal_loop(x, y), rel=1e-12)
    assert focal_loss(logits=x, target=y, alpha=0.6, gamma=0.5).item() == pytest.approx(
        _focal_loop(x, y, 0.6, 0.5), rel=1e-12
    )
    assert dice_loss(logits=x, target=y).item() == pytest.approx(_dice_loop(x, y), rel=1e-12)
    expected = 20 * _focal_loop(x, y) + _dice_loop(x, y)
    assert sam_mask_loss(logits=x, target=y).item() == pytest.approx(expected, rel=1e-12)


def test_closed_forms():
    zeros = torch.zeros(2, 1, 4, 4)
    # p = 1/2 everywhere, all background: focal 0.75 * 0.25 * ln 2, dice 1 - 1 / (8 + 1)
    focal = 0.75 * 0.25 * math.log(2)
    assert focal_loss(logits=zeros, target=zeros).item() == pytest.approx(focal, rel=1e-6)
    assert dice_loss(logits=zeros, target=zeros).item() == pytest.approx(8 / 9, rel=1e-6)
    # gamma = 0 and alpha < 0: plain binary cross-entropy
    x, y = _inputs()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(x, y)
    assert focal_loss(logits=x, target=y, alpha=-1, gamma=0).item() == pytest.approx(bce.item(), rel=1e-12)
    # perfect, confident predictions
    assert dice_loss(logits=torch.full((1, 1, 3, 3), 100.0), target=torch.ones(1, 1, 3, 3)).item() == 0.0
    assert focal_loss(logits=torch.full((1, 1, 3, 3), -100.0), target=torch.zeros(1, 1, 3, 3)).item() == 0.0


@pytest.mark.parametrize("fn", [focal_loss, dice_loss, sam_mask_loss])
def test_gradcheck(fn):
    x, y = _inputs(n=2, h=3, w=3)
    assert torch.autograd.gradcheck(lambda v: fn(logits=v, target=y), (x.requires_grad_(),))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("fn", [focal_loss, dice_loss, sam_mask_loss])
def test_half_inputs_large_logits_are_float32_and_finite(fn, dtype):
    x, y = _inputs()
    x = torch.where(x > 0, 100.0, -100.0).to(dtype)
    x[0, 0, 0, 0] = -100.0  # a confidently wrong pixel
    y[0, 0, 0, 0] = 1.0
    xr = x.clone().requires_grad_()
    out = fn(logits=xr, target=y.to(dtype))
    assert out.dtype == torch.float32 and torch.isfinite(out)
    out.backward()
    assert torch.isfinite(xr.grad.float()).all()
    reference = fn(logits=x.double(), target=y)
    assert out.item() == pytest.approx(reference.item(), rel=1e-5)


def test_wrong_pixel_at_logit_100_costs_its_cross_entropy():
    x = torch.tensor([[[[-100.0]]]])
    y = torch.ones(1, 1, 1, 1)
    # p_t = sigmoid(-100), 1 - p_t ~ 1: 0.25 * 100
    assert focal_loss(logits=x, target=y).item() == pytest.approx(25.0, rel=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.integers(0, 10_000))
def test_mask_permutation_invariance(n, seed):
    x, y = _inputs(n=n, seed=seed)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    for fn in (focal_loss, dice_loss, sam_mask_loss):
        assert fn(logits=x[perm], target=y[perm]).item() == pytest.approx(
            fn(logits=x, target=y).item(), rel=1e-12
        )


def test_no_masks_gives_zero_with_a_gradient_path():
    x = torch.zeros(0, 1, 4, 4, requires_grad=True)
    out = sam_mask_loss(logits=x, target=torch.zeros(0, 1, 4, 4))
    assert out.item() == 0.0
    out.backward()
    assert x.grad.shape == x.shape


def test_empty_target_mask_is_an_ordinary_mask():
    x = torch.full((1, 1, 4, 4), -100.0)
    assert dice_loss(logits=x, target=torch.zeros(1, 1, 4, 4)).item() == pytest.approx(0.0, abs=1e-12)
    assert torch.isfinite(sam_mask_loss(logits=torch.randn(1, 1, 4, 4), target=torch.zeros(1, 1, 4, 4)))


def test_inputs_are_not_modified():
    x, y = _inputs()
    x0, y0 = x.clone(), y.clone()
    sam_mask_loss(logits=x, target=y)
    assert torch.equal(x, x0) and torch.equal(y, y0)


def test_shape_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^logits: expected \(N, 1, H, W\), got \(8, 16\)$"):
        focal_loss(logits=torch.zeros(8, 16), target=torch.zeros(8, 16))
    with pytest.raises(
        ValueError, match=r"^logits: expected \(N, 1, H, W\) = \(2, 1, 4, 4\), got \(2, 3, 4, 4\)"
    ):
        dice_loss(logits=torch.zeros(2, 3, 4, 4), target=torch.zeros(2, 1, 4, 4))
    with pytest.raises(
        ValueError, match=r"^target: expected \(N, 1, H, W\) = \(2, 1, 4, 4\), got \(2, 1, 4, 5\)"
    ):
        sam_mask_loss(logits=torch.zeros(2, 1, 4, 4), target=torch.zeros(2, 1, 4, 5))
    with pytest.raises(TypeError, match=r"^logits: expected a floating-point tensor"):
        focal_loss(logits=torch.zeros(2, 1, 4, 4, dtype=torch.long), target=torch.zeros(2, 1, 4, 4))


def _focal_grad_loop(x, y, alpha=0.25, gamma=2.0):
    """d FL / dx per pixel (Lin et al. Eq. 5 differentiated by hand), divided by H W and by N."""
    n = x.shape[0]
    pixels = x[0].numel()
    grad = torch.zeros_like(x)
    for idx in range(x.numel()):
        v, t = x.flatten()[idx].item(), y.flatten()[idx].item()
        p = 1.0 / (1.0 + math.exp(-v))
        pt, at, s = (p, alpha, 1.0) if t == 1 else (1.0 - p, 1.0 - alpha, -1.0)
        # FL = -at (1 - pt)^g log pt, d pt / dx = s p (1 - p)
        dfl_dpt = at * (gamma * (1.0 - pt) ** (gamma - 1) * math.log(pt) - (1.0 - pt) ** gamma / pt)
        grad.view(-1)[idx] = dfl_dpt * s * p * (1.0 - p) / (pixels * n)
    return grad


def _dice_grad_loop(x, y):
    n = x.shape[0]
    grad = torch.zeros_like(x)
    for i in range(n):
        p = [1.0 / (1.0 + math.exp(-v)) for v in x[i].flatten().tolist()]
        t = y[i].flatten().tolist()
        num = 2.0 * sum(a * b for a, b in zip(p, t, strict=True)) + 1.0
        den = sum(p) + sum(t) + 1.0
        for k, (pk, tk) in enumerate(zip(p, t, strict=True)):
            d_ratio = (2.0 * tk * den - num) / den**2  # d (num / den) / d p_k
            grad[i].view(-1)[k] = -d_ratio * pk * (1.0 - pk) / n
    return grad


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_sam_mask_loss_and_gradient_match_the_loops_on_device(device, dtype):
    x, y = _inputs(n=3, h=3, w=4, seed=7)
    expected = 20 * _focal_loop(x, y) + _dice_loop(x, y)
    expected_grad = 20 * _focal_grad_loop(x, y) + _dice_grad_loop(x, y)
    tol = 1e-10 if dtype == torch.float64 else 2e-5
    xd = x.to(device=device, dtype=dtype).clone().requires_grad_()
    out = sam_mask_loss(logits=xd, target=y.to(device=device, dtype=dtype))
    out.backward()
    assert out.device.type == torch.device(device).type
    assert out.item() == pytest.approx(expected, rel=tol)
    torch.testing.assert_close(xd.grad.cpu().double(), expected_grad, rtol=tol, atol=tol)
    # |logit| = 100 on the device: finite loss and gradient, a confidently wrong pixel costs 0.25 * 100
    big = torch.full((1, 1, 2, 2), -100.0, device=device, dtype=dtype)
    tgt = torch.zeros(1, 1, 2, 2, device=device, dtype=dtype)
    tgt[0, 0, 0, 0] = 1.0
    assert focal_loss(logits=big, target=tgt).item() == pytest.approx(25.0 / 4, rel=1e-5)


@pytest.mark.parametrize("fn", [focal_loss, dice_loss, sam_mask_loss])
def test_logits_and_target_are_keyword_only(fn):
    # same shape, so a swapped positional call would run: only keywords are accepted
    x, y = _inputs(n=1, h=2, w=2)
    with pytest.raises(TypeError, match="positional"):
        fn(x, y)
