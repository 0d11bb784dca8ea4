"""Tests of ssl_kb.losses.context_encoder: masked L2 + non-saturating adversarial term (Pathak et al. Eq. 1-3)."""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import context_encoder_loss


def _loop(pred, target, mask, logits=None, lam_rec=0.999, lam_adv=0.001):
    """Eq. 1 normalised by the number of missing elements, plus -log sigmoid(d) averaged over the batch."""
    b, c, h, w = pred.shape
    num, den = 0.0, 0.0
    for i in range(b):
        for ch in range(c):
            for y in range(h):
                for x in range(w):
                    m = float(mask[i, ch if mask.shape[1] > 1 else 0, y, x])
                    num += m * (float(pred[i, ch, y, x]) - float(target[i, ch, y, x])) ** 2
                    den += m
    loss = lam_rec * (num / den if den else 0.0)
    if logits is not None:
        # -log sigmoid(v) = log(1 + e^{-v}), written as max(-v, 0) + log1p(e^{-|v|}) so |v| = 1000 fits
        adv = [max(-float(v), 0.0) + math.log1p(math.exp(-abs(float(v)))) for v in logits.flatten()]
        loss += lam_adv * sum(adv) / len(adv)
    return loss


def _torch_loop(pred, target, mask, logits, lam_rec, lam_adv):
    """The sums of ``_loop``, element by element but with tensor ops, so that autograd differentiates it."""
    b, c, h, w = pred.shape
    num = torch.zeros((), dtype=torch.float64, device=pred.device)
    den = torch.zeros((), dtype=torch.float64, device=pred.device)
    for i in range(b):
        for ch in range(c):
            for y in range(h):
                for x in range(w):
                    m = mask[i, ch if mask.shape[1] > 1 else 0, y, x]
                    num = num + m * (pred[i, ch, y, x] - target[i, ch, y, x]) ** 2
                    den = den + m
    adv = sum(-torch.log(torch.sigmoid(v)) for v in logits.flatten()) / logits.numel()
    return lam_rec * num / den + lam_adv * adv


def _inputs(b=2, c=3, h=4, w=4, seed=0, channel_mask=False):
    g = torch.Generator().manual_seed(seed)
    pred = torch.randn(b, c, h, w, generator=g, dtype=torch.float64)
    target = torch.randn(b, c, h, w, generator=g, dtype=torch.float64)
    mask = (torch.rand(b, c if channel_mask else 1, h, w, generator=g) < 0.5).double()
    mask[0, 0, 0, 0] = 1.0
    logits = torch.randn(b, generator=g, dtype=torch.float64) * 3
    return pred, target, mask, logits


@pytest.mark.parametrize("channel_mask", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_the_loop(seed, channel_mask):
    pred, target, mask, logits = _inputs(seed=seed, channel_mask=channel_mask)
    assert context_encoder_loss(pred=pred, target=target, mask=mask).item() == pytest.approx(
        _loop(pred, target, mask), rel=1e-12
    )
    got = context_encoder_loss(
        pred=pred, target=target, mask=mask, d_fake_logits=logits, lambda_rec=0.7, lambda_adv=0.3
    ).item()
    assert got == pytest.approx(_loop(pred, target, mask, logits, 0.7, 0.3), rel=1e-12)


@pytest.mark.parametrize("channel_mask", [False, True])
def test_value_and_gradients_match_the_loop_on_device(device, same_loss_and_grads, channel_mask):
    pred, target, mask, logits = (
        t.to(device) for t in _inputs(b=2, c=2, h=3, w=3, seed=7, channel_mask=channel_mask)
    )
    pred.requires_grad_()
    logits.requires_grad_()
    loss = context_encoder_loss(
        pred=pred, target=target, mask=mask, d_fake_logits=logits, lambda_rec=0.6, lambda_adv=0.4
    )
    want = _torch_loop(pred, target, mask, logits, 0.6, 0.4)
    same_loss_and_grads(loss, want, (pred, logits), device)


def test_closed_forms():
    x = torch.zeros(1, 1, 2, 2)
    m = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    pred = torch.tensor([[[[1.0, 3.0], [100.0, -100.0]]]])  # errors outside the mask do not count
    assert context_encoder_loss(pred=pred, target=x, mask=m, lambda_rec=1.0).item() == pytest.approx(5.0)
    # D(G) = 1/2: -log(1/2) = ln 2 for the adversarial term
    out = context_encoder_loss(
        pred=x, target=x, mask=m, d_fake_logits=torch.zeros(1, 1), lambda_rec=1.0, lambda_adv=1.0
    )
    assert out.item() == pytest.approx(math.log(2))
    # defaults 0.999 / 0.001
    assert context_encoder_loss(pred=pred, target=x, mask=m).item() == pytest.approx(0.999 * 5.0)


def test_adversarial_term_is_stable_at_large_logits():
    x = torch.zeros(2, 1, 2, 2)
    logits = torch.tensor([-1000.0, 1000.0], requires_grad=True)
    out = context_encoder_loss(
        pred=x, target=x, mask=torch.ones(2, 1, 2, 2), d_fake_logits=logits, lambda_rec=1.0, lambda_adv=1.0
    )
    assert out.item() == pytest.approx(500.0)  # softplus(1000) / 2 + softplus(-1000) / 2
    out.backward()
    assert torch.isfinite(logits.grad).all()


def test_gradcheck():
    pred, target, mask, logits = _inputs(b=2, c=2, h=3, w=3)
    assert torch.autograd.gradcheck(
        lambda p, d: context_encoder_loss(pred=p, target=target, mask=mask, d_fake_logits=d),
        (pred.requires_grad_(), logits.requires_grad_()),
    )


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_accumulate_in_float32(device, dtype):
    pred, target, mask, logits = (t.to(device) for t in _inputs())
    args = ((pred * 100).to(dtype), target.to(dtype), mask.to(dtype), (logits * 1000).to(dtype))
    out = context_encoder_loss(**dict(zip(("pred", "target", "mask", "d_fake_logits"), args, strict=True)))
    assert out.dtype == torch.float32 and torch.isfinite(out)
    # the same half-precision values, summed in float64: float32 accumulation loses almost nothing
    want = _loop(*(a.double().cpu() for a in args))
    assert out.item() == pytest.approx(want, rel=1e-5)


def test_empty_mask_gives_zero_reconstruction_with_a_gradient_path():
    pred, target, _, _ = _inputs()
    pred.requires_grad_()
    out = context_encoder_loss(pred=pred, target=target, mask=torch.zeros(2, 1, 4, 4))
    assert out.item() == 0.0
    out.backward()
    assert torch.equal(pred.grad, torch.zeros_like(pred))


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 4), st.integers(0, 10_000))
def test_batch_permutation_invariance(b, seed):
    pred, target, mask, logits = _inputs(b=b, seed=seed)
    perm = torch.randperm(b, generator=torch.Generator().manual_seed(seed))
    a = context_encoder_loss(pred=pred, target=target, mask=mask, d_fake_logits=logits)
    p = context_encoder_loss(
        pred=pred[perm], target=target[perm], mask=mask[perm], d_fake_logits=logits[perm]
    )
    assert p.item() == pytest.approx(a.item(), rel=1e-12)


def test_inputs_are_not_modified():
    tensors = _inputs()
    before = [t.clone() for t in tensors]
    pred, target, mask, logits = tensors
    context_encoder_loss(pred=pred, target=target, mask=mask, d_fake_logits=logits)
    assert all(torch.equal(a, b) for a, b in zip(tensors, before, strict=True))


def test_shape_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^pred: expected \(B, C, H, W\), got \(8, 16\)$"):
        context_encoder_loss(pred=torch.zeros(8, 16), target=torch.zeros(8, 16), mask=torch.zeros(8, 16))
    with pytest.raises(
        ValueError, match=r"^target: expected \(B, C, H, W\) = \(2, 3, 4, 4\), got \(2, 3, 4, 5\)$"
    ):
        context_encoder_loss(
            pred=torch.zeros(2, 3, 4, 4), target=torch.zeros(2, 3, 4, 5), mask=torch.zeros(2, 1, 4, 4)
        )
    with pytest.raises(ValueError, match=r"^mask: expected \(B, 1, H, W\) or \(B, C, H, W\)"):
        context_encoder_loss(
            pred=torch.zeros(2, 3, 4, 4), target=torch.zeros(2, 3, 4, 4), mask=torch.zeros(2, 2, 4, 4)
        )
    for shape in ((3,), (1, 2), (2, 1, 1)):
        with pytest.raises(
            ValueError,
            match=rf"^d_fake_logits: expected \(B,\) or \(B, 1\) with B = 2, got {re.escape(str(shape))}$",
        ):
            context_encoder_loss(
                pred=torch.zeros(2, 3, 4, 4),
                target=torch.zeros(2, 3, 4, 4),
                mask=torch.zeros(2, 1, 4, 4),
                d_fake_logits=torch.zeros(shape),
            )


def test_pred_target_and_mask_are_keyword_only():
    # with one channel the three have the same shape: a swapped positional call would run
    pred, target, mask, _ = _inputs(c=1)
    with pytest.raises(TypeError, match="positional"):
        context_encoder_loss(pred, target, mask)  # type: ignore[misc]
