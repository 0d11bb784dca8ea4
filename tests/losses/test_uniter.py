"""Tests of ssl_kb.losses.uniter: ITM, MLM, MRFR, MRC-kl against loops; IPOT against Algorithm 1 and exact OT."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import ipot_distance, itm_loss, mlm_loss, mrc_kl_loss, mrfr_loss, wra_loss

G = torch.Generator


def _g(seed):
    return G().manual_seed(seed)


# ---------------------------------------------------------------- ITM / MLM / MRFR / MRC-kl


def test_itm_matches_the_loop_and_the_two_way_head():
    g = _g(0)
    s = torch.randn(6, generator=g, dtype=torch.float64) * 3
    y = torch.tensor([1, 0, 1, 1, 0, 0])
    loop = (
        -sum(
            math.log(1 / (1 + math.exp(-v))) if t else math.log(1 - 1 / (1 + math.exp(-v)))
            for v, t in zip(s.tolist(), y.tolist(), strict=True)
        )
        / 6
    )
    assert itm_loss(s, y).item() == pytest.approx(loop, rel=1e-12)
    two_way = torch.stack([torch.zeros_like(s), s], dim=1)  # logit difference = s
    assert itm_loss(two_way, y).item() == pytest.approx(loop, rel=1e-12)
    assert torch.autograd.gradcheck(lambda v: itm_loss(v, y), (s.clone().requires_grad_(),))


def test_mlm_matches_the_loop_and_ignores_unmasked():
    g = _g(1)
    logits = torch.randn(2, 5, 6, generator=g, dtype=torch.float64)
    targets = torch.tensor([[-1, 3, -1, 0, -1], [5, -1, -1, -1, 2]])
    total, count = 0.0, 0
    for b in range(2):
        for n in range(5):
            if targets[b, n] >= 0:
                row = logits[b, n].tolist()
                total += math.log(sum(math.exp(v) for v in row)) - row[targets[b, n]]
                count += 1
    assert mlm_loss(logits, targets).item() == pytest.approx(total / count, rel=1e-12)
    assert torch.autograd.gradcheck(lambda v: mlm_loss(v, targets), (logits.clone().requires_grad_(),))
    x = logits.clone().requires_grad_()
    none = mlm_loss(x, torch.full((2, 5), -1))
    assert none.item() == 0.0
    none.backward()


def _regions(seed, b=2, n=4, d=3):
    g = _g(seed)
    pred = torch.randn(b, n, d, generator=g, dtype=torch.float64)
    target = torch.randn(b, n, d, generator=g, dtype=torch.float64)
    mask = torch.rand(b, n, generator=g) < 0.5
    mask[0, 0] = True
    return pred, target, mask


@pytest.mark.parametrize("seed", [0, 1])
def test_mrfr_matches_the_loop(seed):
    pred, target, mask = _regions(seed)
    vals = [
        ((pred[b, n] - target[b, n]) ** 2).mean().item() for b in range(2) for n in range(4) if mask[b, n]
    ]
    assert mrfr_loss(pred, target, mask).item() == pytest.approx(sum(vals) / len(vals), rel=1e-12)
    assert torch.autograd.gradcheck(lambda p: mrfr_loss(p, target, mask), (pred.requires_grad_(),))


@pytest.mark.parametrize("seed", [0, 1])
def test_mrc_kl_matches_the_loop(seed):
    pred, raw, mask = _regions(seed, d=5)
    soft = torch.softmax(raw * 2, -1)
    soft[0, 0] = torch.tensor([1.0, 0, 0, 0, 0], dtype=torch.float64)  # zeros: 0 log 0 = 0
    vals = []
    for b in range(2):
        for n in range(4):
            if mask[b, n]:
                g = torch.softmax(pred[b, n], -1).tolist()
                c = soft[b, n].tolist()
                vals.append(
                    sum(ci * (math.log(ci) - math.log(gi)) for ci, gi in zip(c, g, strict=True) if ci > 0)
                )
    assert mrc_kl_loss(pred, soft, mask).item() == pytest.approx(sum(vals) / len(vals), rel=1e-12)
    assert torch.autograd.gradcheck(lambda p: mrc_kl_loss(p, soft, mask), (pred.requires_grad_(),))
    assert mrc_kl_loss(torch.log(soft), soft, mask).item() == pytest.approx(0.0, abs=1e-12)  # KL(c || c) = 0


@pytest.mark.parametrize("fn", [mrfr_loss, mrc_kl_loss])
def test_region_losses_with_no_masked_region(fn):
    pred, target, _ = _regions(0)
    x = pred.clone().requires_grad_()
    out = fn(x, torch.softmax(target, -1), torch.zeros(2, 4, dtype=torch.bool))
    assert out.item() == 0.0
    out.backward()
    assert torch.equal(x.grad, torch.zeros_like(x))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_give_float32(dtype):
    pred, target, mask = _regions(0, d=6)
    big = (pred * 100).to(dtype)
    assert mrc_kl_loss(big, torch.softmax(target, -1).to(dtype), mask).dtype == torch.float32
    assert torch.isfinite(mrc_kl_loss(big, torch.softmax(target, -1).to(dtype), mask))
    assert mrfr_loss(big, target.to(dtype), mask).dtype == torch.float32
    assert itm_loss(
        torch.tensor([1000.0, -1000.0], dtype=dtype), torch.tensor([0, 1])
    ).item() == pytest.approx(1000.0)
    logits = torch.randn(2, 4, 9).mul(100).to(dtype)
    out = mlm_loss(logits, torch.tensor([[1, -1, 2, -1], [-1, -1, 8, 0]]))
    assert out.dtype == torch.float32 and torch.isfinite(out)


# ---------------------------------------------------------------- IPOT and WRA


def _ipot_loop(cost, beta, iterations, inner):
    """Xie et al. Algorithm 1 with uniform marginals, in plain Python lists (float64)."""
    n, m = len(cost), len(cost[0])
    g = [[math.exp(-cost[i][j] / beta) for j in range(m)] for i in range(n)]
    t = [[1.0] * m for _ in range(n)]
    sigma = [1.0 / m] * m
    delta = [1.0 / n] * n
    for _ in range(iterations):
        q = [[g[i][j] * t[i][j] for j in range(m)] for i in range(n)]
        for _ in range(inner):
            delta = [1.0 / (n * sum(q[i][j] * sigma[j] for j in range(m))) for i in range(n)]
            sigma = [1.0 / (m * sum(q[i][j] * delta[i] for i in range(n))) for j in range(m)]
        t = [[delta[i] * q[i][j] * sigma[j] for j in range(m)] for i in range(n)]
    return sum(cost[i][j] * t[i][j] for i in range(n) for j in range(m)), t


@pytest.mark.parametrize(("n", "m", "inner"), [(3, 4, 1), (4, 2, 3)])
def test_ipot_matches_algorithm_1(n, m, inner):
    cost = torch.rand(2, n, m, generator=_g(n), dtype=torch.float64) * 2
    d, plan = ipot_distance(cost, beta=0.5, iterations=20, inner=inner)
    for b in range(2):
        ref_d, ref_t = _ipot_loop(cost[b].tolist(), 0.5, 20, inner)
        assert d[b].item() == pytest.approx(ref_d, rel=1e-10)
        torch.testing.assert_close(plan[b], torch.tensor(ref_t, dtype=torch.float64), rtol=1e-10, atol=1e-14)


def test_ipot_converges_to_the_exact_assignment():
    # uniform marginals with n = m: the exact OT plan is a permutation (Birkhoff), OT = min over permutations / n
    cost = torch.rand(1, 4, 4, generator=_g(7), dtype=torch.float64)
    exact = min(sum(cost[0, i, p[i]].item() for i in range(4)) / 4 for p in itertools.permutations(range(4)))
    d, plan = ipot_distance(cost, beta=0.1, iterations=2000)
    assert d.item() == pytest.approx(exact, abs=1e-6)
    torch.testing.assert_close(plan.sum(2), torch.full((1, 4), 0.25, dtype=torch.float64))
    torch.testing.assert_close(plan.sum(1), torch.full((1, 4), 0.25, dtype=torch.float64))


def test_ipot_padding_equals_the_trimmed_problem():
    cost = torch.rand(1, 5, 6, generator=_g(3), dtype=torch.float64)
    x_pad = torch.tensor([[False, False, False, True, True]])
    y_pad = torch.tensor([[False, True, False, False, True, True]])
    d, plan = ipot_distance(cost, x_pad=x_pad, y_pad=y_pad)
    trimmed = cost[:, :3][:, :, [0, 2, 3]]
    d_ref, plan_ref = ipot_distance(trimmed)
    assert d.item() == pytest.approx(d_ref.item(), rel=1e-12)
    assert plan[0, 3:].abs().sum() == 0 and plan[0, :, [1, 4, 5]].abs().sum() == 0
    torch.testing.assert_close(plan[:, :3][:, :, [0, 2, 3]], plan_ref)


def test_ipot_gradient_is_the_plan():
    cost = torch.rand(2, 3, 4, generator=_g(5), dtype=torch.float64, requires_grad=True)
    d, plan = ipot_distance(cost)
    d.sum().backward()
    torch.testing.assert_close(cost.grad, plan)


def test_wra_loss_sign_and_normalisation():
    g = _g(11)
    txt = torch.randn(3, 4, 5, generator=g, dtype=torch.float64)
    img = torch.randn(3, 6, 5, generator=g, dtype=torch.float64)
    targets = torch.tensor([1, 0, 1])
    xn = torch.nn.functional.normalize(txt, dim=-1, eps=1e-5)
    yn = torch.nn.functional.normalize(img, dim=-1, eps=1e-5)
    d, _ = ipot_distance(1 - xn @ yn.transpose(1, 2))
    expected = (d[0] - d[1] + d[2]) / 3
    assert wra_loss(txt, img, targets).item() == pytest.approx(expected.item(), rel=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(0, 10_000))
def test_wra_batch_permutation_invariance(b, seed):
    g = _g(seed)
    txt = torch.randn(b, 3, 4, generator=g, dtype=torch.float64)
    img = torch.randn(b, 5, 4, generator=g, dtype=torch.float64)
    targets = torch.randint(0, 2, (b,), generator=g)
    pad = torch.rand(b, 5, generator=g) < 0.3
    pad[:, 0] = False
    perm = torch.randperm(b, generator=g)
    a = wra_loss(txt, img, targets, img_pad=pad)
    p = wra_loss(txt[perm], img[perm], targets[perm], img_pad=pad[perm])
    assert p.item() == pytest.approx(a.item(), rel=1e-10)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_wra_half_inputs(dtype):
    g = _g(2)
    txt = (torch.randn(2, 3, 8, generator=g) * 50).to(dtype).requires_grad_()
    img = (torch.randn(2, 4, 8, generator=g) * 50).to(dtype)
    out = wra_loss(txt, img, torch.tensor([1, 0]))
    assert out.dtype == torch.float32 and torch.isfinite(out)
    out.backward()
    assert torch.isfinite(txt.grad.float()).all()


def test_inputs_are_not_modified():
    pred, target, mask = _regions(0)
    tensors = (pred, target, mask)
    before = [t.clone() for t in tensors]
    mrfr_loss(*tensors)
    mrc_kl_loss(pred, torch.softmax(target, -1), mask)
    wra_loss(pred, target, torch.tensor([1, 0]), txt_pad=mask)
    assert all(torch.equal(a, b) for a, b in zip(tensors, before, strict=True))


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^scores: expected \(B,\) or \(B, 2\), got \(8, 16\)$"):
        itm_loss(torch.zeros(8, 16), torch.zeros(8))
    with pytest.raises(ValueError, match=r"^targets: expected \(B, N\) = \(2, 3\), got \(2, 4\)$"):
        mlm_loss(torch.zeros(2, 3, 5), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(
        ValueError, match=r"^target_feats: expected \(B, N, D\) = \(2, 3, 4\), got \(2, 3, 5\)$"
    ):
        mrfr_loss(torch.zeros(2, 3, 4), torch.zeros(2, 3, 5), torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"^region_mask: expected \(B, N\) = \(2, 3\), got \(2,\)$"):
        mrc_kl_loss(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), torch.zeros(2))
    with pytest.raises(ValueError, match=r"^cost: expected \(B, N, M\), got \(3, 3\)$"):
        ipot_distance(torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"^y_pad: expected \(B, M\) = \(1, 3\), got \(1, 4\)$"):
        ipot_distance(torch.zeros(1, 2, 3), y_pad=torch.zeros(1, 4, dtype=torch.bool))
    with pytest.raises(
        ValueError, match=r"^img_emb: expected \(B, M, D\) = \(2, M, 4\)|^img_emb: expected \(B, M, D\), got"
    ):
        wra_loss(torch.zeros(2, 3, 4), torch.zeros(2, 3), torch.zeros(2))


def test_examples_run_and_give_a_finite_scalar():
    from ssl_kb.losses import uniter as module

    for name, factory in module.EXAMPLES.items():
        args, kwargs = factory(2, torch.device("cpu"), torch.float32, torch.Generator().manual_seed(0))
        out = getattr(module, name)(*args, **kwargs)
        assert out.dim() == 0 and out.dtype == torch.float32 and torch.isfinite(out), name
        out.backward()
