"""Tests of ssl_kb.losses.colorization: the 313 bins, quantisation, soft encoding and the cross-entropies."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import (
    ab_bin_centers,
    colorization_loss,
    quantize_ab,
    quantize_lightness,
    soft_encode_ab,
    split_brain_loss,
)
from ssl_kb.losses.colorization import AB_GAMUT_ROWS, class_rebalancing_weights


def _srgb_to_lab(rgb):
    """sRGB in [0, 1] -> CIE Lab (D65), the formulas and constants of scikit-image's rgb2lab."""
    lin = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    m = torch.tensor(
        [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]],
        dtype=torch.float64,
    )
    xyz = (lin @ m.T) / torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)
    f = torch.where(xyz > 0.008856, xyz.pow(1 / 3), 7.787 * xyz + 16 / 116)
    return 116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])


def test_the_bin_set_has_313_points_on_the_grid_of_10():
    centers = ab_bin_centers(dtype=torch.float64)
    assert centers.shape == (313, 2)
    assert len({tuple(p) for p in centers.tolist()}) == 313
    assert torch.equal(centers.remainder(10), torch.zeros_like(centers))
    assert centers.tolist() == sorted(centers.tolist())  # ordered by a then b


def test_the_bin_set_matches_opencvs_transcription_of_pts_in_hull():
    """Checksums of the ``hull_pts`` literal of opencv/opencv samples/dnn/colorization.cpp (313 a, then 313 b).

    Computed once from that literal; the index-weighted sums pin the order as well as the set.
    """
    c = ab_bin_centers(dtype=torch.float64)
    a, b = c[:, 0], c[:, 1]
    i = torch.arange(313, dtype=torch.float64)
    got = [a.sum(), b.sum(), (a * b).sum(), (a * a).sum(), (b * b).sum(), (i * a).sum(), (i * b).sum()]
    assert [int(v) for v in got] == [4910, 2090, -348700, 916500, 961300, 2223730, -255780]
    # rows of the literal: how many bins share each a value, from a = -90 to a = 100
    counts = [int((a == v).sum()) for v in range(-90, 101, 10)]
    assert counts == [5, 8, 10, 12, 14, 15, 16, 16, 17, 18, 18, 18, 19, 20, 19, 20, 20, 19, 19, 10]


def test_derivation_from_the_srgb_gamut_is_a_subset_missing_few_boundary_points():
    """Grid points that are a corner of a 10 x 10 cell reached by the sRGB cube's surface."""
    v = torch.linspace(0, 1, 96, dtype=torch.float64)
    u, w = torch.meshgrid(v, v, indexing="ij")
    u, w = u.reshape(-1), w.reshape(-1)
    faces = []
    for c in (0.0, 1.0):
        k = torch.full_like(u, c)
        faces += [torch.stack([k, u, w], -1), torch.stack([u, k, w], -1), torch.stack([u, w, k], -1)]
    _, a, b = _srgb_to_lab(torch.cat(faces))
    derived = set()
    for fa in (torch.floor, torch.ceil):
        for fb in (torch.floor, torch.ceil):
            cells = torch.stack([fa(a / 10), fb(b / 10)], -1).long().unique(dim=0) * 10
            derived |= {tuple(p) for p in cells.tolist()}
    table = {tuple(int(x) for x in p) for p in ab_bin_centers().tolist()}
    assert derived <= table
    missing = table - derived
    assert len(missing) <= 8, sorted(missing)  # boundary points only: every one is next to a derived point
    assert all(any(abs(p[0] - q[0]) <= 10 and abs(p[1] - q[1]) <= 10 for q in derived) for p in missing)
    assert min(AB_GAMUT_ROWS) == -90 and max(AB_GAMUT_ROWS) == 100


def test_quantize_rounds_in_gamut_values_and_projects_the_rest():
    centers = ab_bin_centers()
    ab = torch.tensor([[[[1.0, 4.9, -96.0]], [[-4.0, 14.9, 60.0]]]])  # (0, 0), (0, 10), far outside
    idx = quantize_ab(ab)[0, 0]
    assert centers[idx[0]].tolist() == [0.0, 0.0] and centers[idx[1]].tolist() == [0.0, 10.0]
    far = torch.tensor([-96.0, 60.0])
    assert torch.cdist(far[None], centers).argmin().item() == idx[2].item()
    with pytest.raises(ValueError, match=r"^grid: only 10 is supported"):
        quantize_ab(ab, grid=5)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 312), st.floats(-4.9, 4.9), st.floats(-4.9, 4.9))
def test_bin_centres_and_their_cells_map_to_themselves(q, da, db):
    c = ab_bin_centers(dtype=torch.float64)[q]
    ab = (c + torch.tensor([da, db], dtype=torch.float64)).reshape(1, 2, 1, 1)
    assert quantize_ab(ab).item() == q


def test_soft_encoding_is_the_5nn_gaussian():
    ab = torch.tensor([[[[3.0]], [[-2.0]]]], dtype=torch.float64)
    z = soft_encode_ab(ab)[0, :, 0, 0]
    centers = ab_bin_centers(dtype=torch.float64)
    d = torch.cdist(ab.reshape(1, 2), centers)[0]
    nearest = d.argsort()[:5]
    w = torch.exp(-(d[nearest] ** 2) / 50)
    expected = torch.zeros(313, dtype=torch.float64)
    expected[nearest] = w / w.sum()
    torch.testing.assert_close(z, expected)


def test_class_rebalancing_weights_follow_eq_4():
    g = torch.Generator().manual_seed(4)
    counts = torch.rand(313, generator=g, dtype=torch.float64) ** 4 * 1000
    w = class_rebalancing_weights(counts)
    p = (counts / counts.sum()).tolist()
    raw = [1.0 / (0.5 * pq + 0.5 / 313) for pq in p]
    scale = sum(pq * r for pq, r in zip(p, raw, strict=True))
    torch.testing.assert_close(w, torch.tensor([r / scale for r in raw], dtype=torch.float64))
    assert float((w * torch.tensor(p, dtype=torch.float64)).sum()) == pytest.approx(1.0)
    # lambda = 1: uniform weights; lambda = 0: inverse prior (rare bins up-weighted)
    torch.testing.assert_close(class_rebalancing_weights(counts, lam=1.0), torch.ones_like(w))
    w0 = class_rebalancing_weights(counts, lam=0.0)
    assert int(w0.argmax()) == int(counts.argmin())
    with pytest.raises(ValueError, match=r"^lam: expected a value in \[0, 1\]"):
        class_rebalancing_weights(counts, lam=1.5)
    with pytest.raises(ValueError, match=r"^prior: expected non-negative values"):
        class_rebalancing_weights(-counts)
    with pytest.raises(ValueError, match=r"^prior: expected \(Q\), got \(2, 3\)$"):
        class_rebalancing_weights(torch.ones(2, 3))


def _ce_loop(logits, target_dist, weights=None, hard=None):
    b, q, h, w = logits.shape
    total = 0.0
    for i in range(b):
        for y in range(h):
            for x in range(w):
                row = logits[i, :, y, x].tolist()
                lse = math.log(sum(math.exp(v) for v in row))
                ce = sum(target_dist[i, k, y, x].item() * (lse - row[k]) for k in range(q))
                if weights is not None:
                    ce *= weights[hard[i, y, x]].item()
                total += ce
    return total / (b * h * w)


def _loop_inputs(seed, w, span, soft):
    """Logits [2, 313, 2, w], ab in [-span/2, span/2], class weights, hard bins and the target distribution."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 313, 2, w, generator=g, dtype=torch.float64)
    ab = torch.rand(2, 2, 2, w, generator=g, dtype=torch.float64) * span - span / 2
    weights = torch.rand(313, generator=g, dtype=torch.float64) + 0.5
    hard = quantize_ab(ab)
    dist = soft_encode_ab(ab) if soft else torch.nn.functional.one_hot(hard, 313).permute(0, 3, 1, 2).double()
    return logits, ab, weights, hard, dist


@pytest.mark.parametrize("soft", [False, True])
def test_colorization_loss_matches_the_loop(soft):
    logits, ab, weights, hard, dist = _loop_inputs(0, 3, 160, soft)
    assert colorization_loss(logits, ab, soft_encoding=soft).item() == pytest.approx(
        _ce_loop(logits, dist), rel=1e-10
    )
    got = colorization_loss(logits, ab, soft_encoding=soft, class_weights=weights).item()
    assert got == pytest.approx(_ce_loop(logits, dist, weights, hard), rel=1e-10)


@pytest.mark.parametrize("soft", [False, True])
def test_colorization_loss_and_gradient_match_the_loop_on_device(device, soft):
    logits, ab, weights, hard, dist = _loop_inputs(5, 2, 180, soft)
    # float64 loop of Eq. 2 and its gradient: d/dlogit_q = v (softmax_q - Z_q) / (B H W)
    expected = _ce_loop(logits, dist, weights, hard)
    grad = (torch.softmax(logits, 1) - dist) * weights[hard].unsqueeze(1) / 8
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-5)):
        x = logits.to(device=device, dtype=dtype).clone().requires_grad_()
        out = colorization_loss(
            x, ab.to(device=device, dtype=dtype), soft_encoding=soft, class_weights=weights.to(device)
        )
        out.backward()
        assert out.item() == pytest.approx(expected, rel=tol)
        torch.testing.assert_close(x.grad.cpu().double(), grad, rtol=tol, atol=tol)


def test_split_brain_is_the_sum_of_both_directions():
    g = torch.Generator().manual_seed(1)
    ab_logits = torch.randn(1, 313, 2, 2, generator=g, dtype=torch.float64)
    l_logits = torch.randn(1, 10, 2, 2, generator=g, dtype=torch.float64)
    lab = torch.cat([torch.tensor([[[[0.0, 9.99], [10.0, 100.0]]]]), torch.zeros(1, 2, 2, 2)], 1).double()
    l_bins = quantize_lightness(lab[:, :1], 10)
    assert l_bins.tolist() == [[[0, 0], [1, 9]]]
    expected = colorization_loss(ab_logits, lab[:, 1:]) + torch.nn.functional.cross_entropy(l_logits, l_bins)
    assert split_brain_loss(ab_logits=ab_logits, l_logits=l_logits, lab=lab).item() == pytest.approx(
        expected.item(), rel=1e-12
    )
    assert split_brain_loss(
        ab_logits=torch.zeros(1, 313, 1, 1), l_logits=torch.zeros(1, 50, 1, 1), lab=torch.zeros(1, 3, 1, 1)
    ).item() == (pytest.approx(math.log(313) + math.log(50)))


def test_gradcheck():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(1, 313, 1, 2, generator=g, dtype=torch.float64, requires_grad=True)
    l_logits = torch.randn(1, 4, 1, 2, generator=g, dtype=torch.float64, requires_grad=True)
    lab = torch.tensor([[[[20.0, 70.0]], [[5.0, -33.0]], [[12.0, 41.0]]]], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda x: colorization_loss(x, lab[:, 1:], soft_encoding=True), (logits,), fast_mode=True
    )
    assert torch.autograd.gradcheck(
        lambda x, y: split_brain_loss(ab_logits=x, l_logits=y, lab=lab), (logits, l_logits), fast_mode=True
    )


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_large_logits(dtype):
    g = torch.Generator().manual_seed(3)
    logits = (torch.randn(2, 313, 3, 3, generator=g) * 100).to(dtype).requires_grad_()
    ab = (torch.rand(2, 2, 3, 3, generator=g) * 100 - 50).to(dtype)
    out = colorization_loss(logits, ab, soft_encoding=True)
    assert out.dtype == torch.float32 and torch.isfinite(out)
    out.backward()
    assert torch.isfinite(logits.grad.float()).all()


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3), st.integers(0, 10_000))
def test_batch_permutation_invariance(b, seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, 313, 2, 2, generator=g, dtype=torch.float64)
    ab = torch.rand(b, 2, 2, 2, generator=g, dtype=torch.float64) * 160 - 80
    perm = torch.randperm(b, generator=g)
    assert colorization_loss(logits[perm], ab[perm]).item() == pytest.approx(
        colorization_loss(logits, ab).item(), rel=1e-12
    )


def test_inputs_are_not_modified():
    logits, ab = torch.randn(1, 313, 2, 2), torch.rand(1, 2, 2, 2) * 50
    before = (logits.clone(), ab.clone())
    colorization_loss(logits, ab, soft_encoding=True)
    assert torch.equal(logits, before[0]) and torch.equal(ab, before[1])


def test_errors_name_the_argument():
    with pytest.raises(
        ValueError, match=r"^logits: expected \(B, Q, H, W\) = \(1, 313, 2, 2\), got \(1, 312, 2, 2\)$"
    ):
        colorization_loss(torch.zeros(1, 312, 2, 2), torch.zeros(1, 2, 2, 2))
    with pytest.raises(ValueError, match=r"^ab_target: expected \(B, C, H, W\)"):
        colorization_loss(torch.zeros(1, 313, 2, 2), torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r"^ab: expected \(B, C, H, W\), got \(8, 16\)$"):
        quantize_ab(torch.zeros(8, 16))
    with pytest.raises(ValueError, match=r"^l_logits: expected \(B, K, H, W\)"):
        split_brain_loss(
            ab_logits=torch.zeros(1, 313, 2, 2), l_logits=torch.zeros(1, 5, 3, 2), lab=torch.zeros(1, 3, 2, 2)
        )


def test_split_brain_logits_are_keyword_only():
    # with K_L = 313 the two logit tensors have the same shape: a swapped positional call would run
    logits, lab = torch.zeros(1, 313, 2, 2), torch.zeros(1, 3, 2, 2)
    with pytest.raises(TypeError, match="positional"):
        split_brain_loss(logits, logits, lab)  # type: ignore[misc]
