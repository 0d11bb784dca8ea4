"""Tests of ssl_kb.losses.mae: masking as the official code, patch layout, and the loss on removed patches."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import mae_loss, patchify, random_masking


def _patchify_loop(imgs, p):
    """Patch (i, j) row-major; inside: for row r, column c, channel ch."""
    b, c, h, w = imgs.shape
    out = torch.empty(b, (h // p) * (w // p), p * p * c, dtype=imgs.dtype, device=imgs.device)
    for n in range(b):
        for i in range(h // p):
            for j in range(w // p):
                values = [
                    imgs[n, ch, i * p + r, j * p + q] for r in range(p) for q in range(p) for ch in range(c)
                ]
                out[n, i * (w // p) + j] = torch.stack(values)
    return out


def _loss_loop(pred, imgs, mask, p, norm_pix):
    """MAE's loss one patch at a time: unbiased variance, eps 1e-6 inside the square root."""
    target = _patchify_loop(imgs, p)
    num, den = 0.0, 0.0
    for b in range(pred.shape[0]):
        for n in range(pred.shape[1]):
            t = target[b, n]
            if norm_pix:
                mean = t.sum() / t.numel()
                var = ((t - mean) ** 2).sum() / (t.numel() - 1)
                t = (t - mean) / torch.sqrt(var + 1e-6)
            num = num + mask[b, n] * ((pred[b, n] - t) ** 2).sum() / t.numel()
            den = den + mask[b, n]
    return num / den


def _inputs(b, c, h, w, p, seed, dtype=torch.float64, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randn(b, c, h, w, generator=g, dtype=dtype).to(device)
    pred = (
        torch.randn(b, (h // p) * (w // p), p * p * c, generator=g, dtype=dtype).to(device).requires_grad_()
    )
    mask = (torch.rand(b, (h // p) * (w // p), generator=g) < 0.6).to(dtype).to(device)
    mask[:, 0] = 1
    return pred, imgs, mask


@pytest.mark.parametrize(("c", "h", "w", "p"), [(3, 4, 4, 2), (1, 6, 4, 2), (2, 3, 6, 3)])
def test_patchify_layout_is_row_column_channel(c, h, w, p):
    imgs = torch.randn(2, c, h, w, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(patchify(imgs, p), _patchify_loop(imgs, p))


@pytest.mark.parametrize("norm_pix", [True, False])
@pytest.mark.parametrize(("c", "h", "w", "p"), [(3, 4, 4, 2), (2, 6, 3, 3)])
def test_loss_matches_patch_loop(c, h, w, p, norm_pix):
    pred, imgs, mask = _inputs(2, c, h, w, p, seed=1)
    torch.testing.assert_close(
        mae_loss(pred, imgs, mask, p, norm_pix), _loss_loop(pred, imgs, mask, p, norm_pix)
    )


@pytest.mark.parametrize("norm_pix", [True, False])
def test_value_and_gradients_match_the_patch_loop_on_device(device, same_loss_and_grads, norm_pix):
    pred, imgs, mask = _inputs(2, 3, 4, 6, 2, seed=11, device=device)
    imgs.requires_grad_()  # the normalised target is differentiable too, as in the official code
    loss = mae_loss(pred, imgs, mask, 2, norm_pix)
    want = _loss_loop(pred, imgs, mask, 2, norm_pix)
    same_loss_and_grads(loss, want, (pred, imgs), device)


def test_only_removed_patches_count_and_bool_mask_equals_float():
    pred, imgs, mask = _inputs(2, 3, 4, 4, 2, seed=2)
    loss = mae_loss(pred, imgs, mask, 2)
    changed = pred.detach().clone()
    changed[mask == 0] += 10.0  # kept patches: not reconstructed, not counted
    torch.testing.assert_close(mae_loss(changed, imgs, mask, 2), loss)
    torch.testing.assert_close(mae_loss(pred, imgs, mask.bool(), 2), loss)
    (grad,) = torch.autograd.grad(loss, [pred])
    assert torch.all(grad[mask == 0] == 0) and torch.any(grad[mask == 1] != 0)


def test_empty_mask_gives_an_explicit_zero_with_zero_gradients():
    pred, imgs, mask = _inputs(2, 3, 4, 4, 2, seed=3)
    loss = mae_loss(pred, imgs, torch.zeros_like(mask), 2)
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(loss)
    assert torch.equal(pred.grad, torch.zeros_like(pred))


def test_constant_patch_with_norm_pix_is_finite():
    imgs = torch.ones(1, 1, 2, 2, dtype=torch.float64)  # variance 0: the eps keeps it finite
    loss = mae_loss(torch.zeros(1, 1, 4, dtype=torch.float64), imgs, torch.ones(1, 1), 2)
    assert loss.item() == 0.0


@pytest.mark.parametrize("norm_pix", [True, False])
def test_gradcheck(norm_pix):
    pred, imgs, mask = _inputs(1, 2, 4, 4, 2, seed=4)
    assert torch.autograd.gradcheck(lambda y: mae_loss(y, imgs, mask, 2, norm_pix), (pred,))


@settings(max_examples=25, deadline=None)
@given(b=st.integers(1, 4), seed=st.integers(0, 2**16), data=st.data())
def test_loss_is_invariant_to_batch_permutation(b, seed, data):
    pred, imgs, mask = _inputs(b, 2, 4, 4, 2, seed)
    pred = pred.detach()
    loss = mae_loss(pred, imgs, mask, 2)
    perm = torch.tensor(data.draw(st.permutations(range(b))))
    torch.testing.assert_close(mae_loss(pred[perm], imgs[perm], mask[perm], 2), loss)


@pytest.mark.parametrize(
    ("length", "ratio"), [(196, 0.75), (10, 0.33), (7, 0.0), (7, 1.0), (5, 0.5), (10, 0.9), (100, 0.9)]
)
def test_random_masking_keeps_int_l_times_one_minus_ratio(length, ratio):
    x = torch.randn(3, length, 4, generator=torch.Generator().manual_seed(0))
    kept, mask, ids_restore = random_masking(x, ratio, torch.Generator().manual_seed(1))
    keep = int(length * (1 - ratio))  # the official formula, float rounding included (10, 0.9 -> 0)
    assert kept.shape == (3, keep, 4) and mask.shape == (3, length) and ids_restore.shape == (3, length)
    assert torch.all(mask.sum(1) == length - keep)
    # restoring: kept tokens followed by placeholders, gathered with ids_restore, land where mask == 0
    filler = torch.full((3, length - keep, 4), float("nan"))
    restored = torch.gather(torch.cat([kept, filler], 1), 1, ids_restore[:, :, None].expand(-1, -1, 4))
    assert torch.equal(restored[mask == 0], x[mask == 0])
    assert torch.isnan(restored[mask == 1]).all()


def test_random_masking_follows_the_noise_and_is_reproducible():
    x = torch.randn(2, 8, 3, generator=torch.Generator().manual_seed(0))
    noise = torch.rand(2, 8, generator=torch.Generator().manual_seed(5))
    kept, mask, ids_restore = random_masking(x, 0.5, noise=noise)
    assert torch.equal(ids_restore, torch.argsort(torch.argsort(noise, 1), 1))
    ids_keep = torch.argsort(noise, 1)[:, :4]
    assert torch.equal(kept, torch.gather(x, 1, ids_keep[:, :, None].expand(-1, -1, 3)))
    assert torch.equal(mask, (torch.argsort(torch.argsort(noise, 1), 1) >= 4).float())
    state = torch.get_rng_state()
    first = random_masking(x, 0.5, torch.Generator().manual_seed(3))
    second = random_masking(x, 0.5, torch.Generator().manual_seed(3))
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is untouched
    assert all(torch.equal(u, v) for u, v in zip(first, second, strict=True))
    assert not torch.equal(first[1], random_masking(x, 0.5, torch.Generator().manual_seed(4))[1])


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_accumulate_in_float32(device, dtype):
    pred, imgs, mask = _inputs(2, 3, 8, 8, 4, seed=5, dtype=torch.float32, device=device)
    pred16 = (100 * pred.detach()).to(dtype).requires_grad_()
    loss = mae_loss(pred16, (100 * imgs).to(dtype), mask, 4)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss) and torch.isfinite(pred16.grad.float()).all()
    want = mae_loss(pred16.detach().double(), (100 * imgs).to(dtype).double(), mask.double(), 4)
    torch.testing.assert_close(loss.double(), want, rtol=1e-4, atol=1e-4)


def test_random_masking_with_a_cpu_generator_on_any_device(device):
    x = torch.randn(2, 6, 3, device=device)
    kept, mask, ids_restore = random_masking(x, 0.5, torch.Generator().manual_seed(0))
    assert kept.device == mask.device == ids_restore.device == x.device


def test_inputs_are_not_modified():
    pred, imgs, mask = _inputs(2, 3, 4, 4, 2, seed=6)
    before = [t.detach().clone() for t in (pred, imgs, mask)]
    mae_loss(pred, imgs, mask, 2).backward()
    x = torch.randn(2, 5, 3)
    x_before = x.clone()
    random_masking(x, 0.4, torch.Generator().manual_seed(0))
    assert all(torch.equal(u, v) for u, v in zip((pred, imgs, mask), before, strict=True))
    assert torch.equal(x, x_before)


def test_shape_and_argument_errors_name_the_argument():
    imgs = torch.zeros(2, 3, 4, 4)
    with pytest.raises(ValueError, match=r"^pred: expected \(B, N, P\) = \(2, 4, 12\), got \(2, 4, 11\)$"):
        mae_loss(torch.zeros(2, 4, 11), imgs, torch.ones(2, 4), 2)
    with pytest.raises(ValueError, match=r"^mask: expected \(B, N\) = \(2, 4\), got \(2, 5\)$"):
        mae_loss(torch.zeros(2, 4, 12), imgs, torch.ones(2, 5), 2)
    with pytest.raises(ValueError, match=r"^imgs: expected \(B, C, H, W\), got \(3, 4, 4\)$"):
        mae_loss(torch.zeros(2, 4, 12), torch.zeros(3, 4, 4), torch.ones(2, 4), 2)
    with pytest.raises(
        ValueError, match=r"^imgs: expected H and W multiples of patch_size=3, got \(2, 3, 4, 4\)$"
    ):
        patchify(imgs, 3)
    with pytest.raises(ValueError, match=r"^mask_ratio: expected a number in \[0, 1\], got 1.5$"):
        random_masking(torch.zeros(2, 4, 3), 1.5)
    with pytest.raises(ValueError, match=r"^x: expected \(B, N, D\), got \(2, 4\)$"):
        random_masking(torch.zeros(2, 4), 0.5)
    with pytest.raises(ValueError, match=r"^noise: expected \(B, N\) = \(2, 4\), got \(2, 3\)$"):
        random_masking(torch.zeros(2, 4, 3), 0.5, noise=torch.zeros(2, 3))
    with pytest.raises(
        ValueError, match=r"^imgs: norm_pix needs at least 2 values per patch \(p \* p \* C\), got 1$"
    ):
        mae_loss(torch.zeros(2, 16, 1), torch.zeros(2, 1, 4, 4), torch.ones(2, 16), 1)
    assert (
        mae_loss(torch.zeros(2, 16, 1), torch.ones(2, 1, 4, 4), torch.ones(2, 16), 1, norm_pix=False) == 1.0
    )
    with pytest.raises(TypeError, match=r"^pred: expected a torch.Tensor, got list$"):
        mae_loss([[0.0]], imgs, torch.ones(2, 4), 2)
