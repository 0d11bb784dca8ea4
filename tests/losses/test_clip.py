"""Tests of ssl_kb.losses.clip against CLIP's pseudocode, closed forms and properties."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import clip_loss


def _features(b, d, seed, dtype=torch.float64, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, d, generator=g, dtype=dtype).to(device).requires_grad_() for _ in range(2)]


def _equation_loop(img, txt, s):
    """Sec. 2.3 / Figure 3 of CLIP, one row and one column at a time."""
    b = img.shape[0]

    def logit(i, j):
        return s * (img[i] @ txt[j]) / (img[i].norm() * txt[j].norm())

    loss_i = sum(
        -torch.log(torch.exp(logit(i, i)) / sum(torch.exp(logit(i, j)) for j in range(b))) for i in range(b)
    )
    loss_t = sum(
        -torch.log(torch.exp(logit(j, j)) / sum(torch.exp(logit(i, j)) for i in range(b))) for j in range(b)
    )
    return (loss_i / b + loss_t / b) / 2


def _dense_formula(img, txt, s):
    """The usual implementation: cross-entropy on the full logit matrix, both directions."""
    logits = s * F.normalize(img, dim=1) @ F.normalize(txt, dim=1).T
    labels = torch.arange(img.shape[0], device=img.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


@pytest.mark.parametrize("chunk_size", [None, 1, 3])
@pytest.mark.parametrize(("b", "d", "s"), [(1, 3, 14.3), (4, 3, 1.0), (6, 5, 100.0)])
def test_matches_equation_loop(b, d, s, chunk_size):
    img, txt = _features(b, d, seed=b)
    torch.testing.assert_close(clip_loss(img, txt, s, chunk_size=chunk_size), _equation_loop(img, txt, s))


@pytest.mark.parametrize("b", [1, 3, 10])
def test_identical_features_give_log_b(b):
    f = torch.ones(b, 4, dtype=torch.float64)
    for chunk_size in (None, 2):
        torch.testing.assert_close(
            clip_loss(f, f, 50.0, chunk_size=chunk_size), torch.tensor(math.log(b), dtype=torch.float64)
        )


@pytest.mark.parametrize("s", [0.5, 10.0])
def test_orthonormal_pairs_closed_form(s):
    b = 5
    e = torch.eye(b, dtype=torch.float64)
    torch.testing.assert_close(
        clip_loss(e, e, s), torch.tensor(math.log(1 + (b - 1) * math.exp(-s)), dtype=torch.float64)
    )


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_gradcheck_including_logit_scale(chunk_size):
    img, txt = _features(4, 3, seed=1)
    s = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda i, t, s: clip_loss(i, t, s, chunk_size=chunk_size), (img, txt, s))


def test_logit_scale_is_applied_as_given_and_float_equals_tensor():
    img, txt = _features(5, 3, seed=2)
    s = torch.tensor([7.0], dtype=torch.float64, requires_grad=True)  # one-element, not 0-dim
    loss = clip_loss(img, txt, s)
    torch.testing.assert_close(loss, clip_loss(img, txt, 7.0))
    torch.testing.assert_close(loss, _dense_formula(img, txt, 7.0))  # no exp, no clamp
    (grad,) = torch.autograd.grad(loss, [s])
    (want,) = torch.autograd.grad(_dense_formula(img, txt, s), [s])
    assert grad.shape == s.shape
    torch.testing.assert_close(grad, want)


@settings(max_examples=30, deadline=None)
@given(
    b=st.integers(1, 8),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    s=st.floats(0.0, 100.0),
    data=st.data(),
)
def test_properties_permutation_symmetry_and_scale(b, d, seed, s, data):
    img, txt = (f.detach() for f in _features(b, d, seed))
    loss = clip_loss(img, txt, s)
    perm = torch.tensor(data.draw(st.permutations(range(b))))
    torch.testing.assert_close(clip_loss(img[perm], txt[perm], s), loss)  # batch order
    torch.testing.assert_close(clip_loss(txt, img, s), loss)  # swapping images and texts
    torch.testing.assert_close(clip_loss(img * 3.0, txt, s), loss)  # normalised inside


@pytest.mark.parametrize("chunk_size", [1, 4, 32])
def test_chunked_equals_dense_including_logit_scale_gradient(device, chunk_size):
    img, txt = _features(11, 6, seed=3, dtype=torch.float32, device=device)
    s = torch.tensor(20.0, device=device, requires_grad=True)
    dense = clip_loss(img, txt, s)
    want = torch.autograd.grad(dense, [img, txt, s])
    chunked = clip_loss(img, txt, s, chunk_size=chunk_size)
    torch.testing.assert_close(chunked, dense)
    for got, exp in zip(torch.autograd.grad(chunked, [img, txt, s]), want, strict=True):
        torch.testing.assert_close(got, exp)
    torch.testing.assert_close(dense, _dense_formula(img, txt, s))


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_parts_against_the_whole_batch_average_to_the_whole_batch_loss(chunk_size):
    # what clip_loss_across_ranks does on each rank, in one process (open_clip's local_loss=True)
    img, txt = _features(6, 4, seed=5)
    s = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    whole = clip_loss(img, txt, s)
    parts = [
        clip_loss(img[r : r + 3], txt[r : r + 3], s, chunk_size=chunk_size, keys=(img, txt), offset=r)
        for r in (0, 3)
    ]
    torch.testing.assert_close(sum(parts) / 2, whole)
    for got, want in zip(
        torch.autograd.grad(sum(parts) / 2, [img, txt, s]),
        torch.autograd.grad(whole, [img, txt, s]),
        strict=True,
    ):
        torch.testing.assert_close(got, want)


def test_bad_offset_names_the_argument():
    img, txt = _features(4, 3, seed=5)
    with pytest.raises(ValueError, match=r"^offset: expected 0 <= offset <= N - B = 0"):
        clip_loss(img, txt, 3.0, keys=(img, txt), offset=1)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("chunk_size", [None, 4])
def test_half_inputs_accumulate_in_float32(device, dtype, chunk_size):
    feats = _features(16, 8, seed=6, dtype=torch.float32, device=device)
    img, txt = ((1e4 * f.detach()).to(dtype).requires_grad_() for f in feats)  # fp16 max 65504
    s = torch.tensor(100.0, device=device, dtype=dtype, requires_grad=True)  # CLIP's cap
    loss = clip_loss(img, txt, s, chunk_size=chunk_size)
    loss.backward()
    assert loss.dtype == torch.float32 and loss.dim() == 0
    assert torch.isfinite(loss) and torch.isfinite(img.grad.float()).all() and torch.isfinite(s.grad.float())
    want = clip_loss(img.detach().double(), txt.detach().double(), 100.0)
    torch.testing.assert_close(loss.double(), want, rtol=1e-4, atol=1e-4)


def test_inputs_are_not_modified():
    img, txt = _features(4, 3, seed=7)
    s = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    before = (img.detach().clone(), txt.detach().clone(), s.detach().clone())
    for chunk_size in (None, 2):
        clip_loss(img, txt, s, chunk_size=chunk_size).backward()
    assert all(torch.equal(x, y) for x, y in zip((img, txt, s), before, strict=True))


def test_shape_and_argument_errors_name_the_argument():
    f = torch.zeros(8, 16)
    with pytest.raises(ValueError, match=r"^image_features: expected \(B, D\), got \(8, 16, 3\)$"):
        clip_loss(torch.zeros(8, 16, 3), f, 1.0)
    with pytest.raises(ValueError, match=r"^text_features: expected \(B, D\) = \(8, 16\), got \(7, 16\)$"):
        clip_loss(f, torch.zeros(7, 16), 1.0)
    with pytest.raises(
        ValueError, match=r"^logit_scale: expected a float or a one-element tensor, got \(2,\)$"
    ):
        clip_loss(f, f, torch.ones(2))
    with pytest.raises(
        TypeError, match=r"^text_features: expected a floating-point tensor, got torch.int64$"
    ):
        clip_loss(f, torch.zeros(8, 16, dtype=torch.long), 1.0)
