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
    assert itm_loss(logits=s, target=y).item() == pytest.approx(loop, rel=1e-12)
    two_way = torch.stack([torch.zeros_like(s), s], dim=1)  # logit difference = s
    assert itm_loss(logits=two_way, target=y).item() == pytest.approx(loop, rel=1e-12)
    assert torch.autograd.gradcheck(lambda v: itm_loss(logits=v, target=y), (s.clone().requires_grad_(),))


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
    assert mrfr_loss(pred=pred, target=target, mask=mask).item() == pytest.approx(
        sum(vals) / len(vals), rel=1e-12
    )
    assert torch.autograd.gradcheck(
        lambda p: mrfr_loss(pred=p, target=target, mask=mask), (pred.requires_grad_(),)
    )


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
    assert mrc_kl_loss(logits=pred, target=soft, mask=mask).item() == pytest.approx(
        sum(vals) / len(vals), rel=1e-12
    )
    assert torch.autograd.gradcheck(
        lambda p: mrc_kl_loss(logits=p, target=soft, mask=mask), (pred.requires_grad_(),)
    )
    assert mrc_kl_loss(logits=torch.log(soft), target=soft, mask=mask).item() == pytest.approx(
        0.0, abs=1e-12
    )  # KL(c || c) = 0


@pytest.mark.parametrize("fn", [mrfr_loss, mrc_kl_loss])
def test_region_losses_with_no_masked_region(fn):
    pred, target, _ = _regions(0)
    x = pred.clone().requires_grad_()
    first = "pred" if fn is mrfr_loss else "logits"
    out = fn(**{first: x}, target=torch.softmax(target, -1), mask=torch.zeros(2, 4, dtype=torch.bool))
    assert out.item() == 0.0
    out.backward()
    assert torch.equal(x.grad, torch.zeros_like(x))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_give_float32(dtype):
    pred, target, mask = _regions(0, d=6)
    big = (pred * 100).to(dtype)
    assert (
        mrc_kl_loss(logits=big, target=torch.softmax(target, -1).to(dtype), mask=mask).dtype == torch.float32
    )
    assert torch.isfinite(mrc_kl_loss(logits=big, target=torch.softmax(target, -1).to(dtype), mask=mask))
    assert mrfr_loss(pred=big, target=target.to(dtype), mask=mask).dtype == torch.float32
    assert itm_loss(
        logits=torch.tensor([1000.0, -1000.0], dtype=dtype), target=torch.tensor([0, 1])
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


def _uniter_ot_dist(txt, img, txt_pad, img_pad, beta=0.5, iteration=50, k=1):
    """A float64 transcription of ChenRocks/UNITER model/ot.py (cost_matrix_cosine, ipot, trace)."""
    xn = torch.nn.functional.normalize(txt, p=2, dim=-1, eps=1e-5)
    yn = torch.nn.functional.normalize(img, p=2, dim=-1, eps=1e-5)
    cost = 1 - xn.matmul(yn.transpose(1, 2))  # [B, M_txt, N_img]
    joint_pad = txt_pad.unsqueeze(-1) | img_pad.unsqueeze(-2)
    cost = cost.masked_fill(joint_pad, 0)
    x_len = (txt_pad.size(1) - txt_pad.sum(1)).to(cost.dtype)
    y_len = (img_pad.size(1) - img_pad.sum(1)).to(cost.dtype)
    with torch.no_grad():
        c = cost.detach()
        b, m, n = c.size()
        sigma = (torch.ones(b, m, dtype=c.dtype, device=c.device) / x_len.unsqueeze(1)).masked_fill(
            txt_pad, 0
        )
        jp = joint_pad.transpose(1, 2)
        t = torch.ones(b, n, m, dtype=c.dtype, device=c.device).masked_fill(jp, 0)
        a = torch.exp(-c.transpose(1, 2) / beta).masked_fill(jp, 0)
        xl, yl = x_len[:, None, None], y_len[:, None, None]
        x_mask = (txt_pad.to(c.dtype) * 1e4).unsqueeze(1)
        y_mask = (img_pad.to(c.dtype) * 1e4).unsqueeze(1)
        for _ in range(iteration):
            q = a * t
            sigma = sigma.view(b, m, 1)
            for _ in range(k):
                delta = 1 / (yl * q.matmul(sigma).view(b, 1, n) + y_mask)
                sigma = 1 / (xl * delta.matmul(q) + x_mask)
            t = delta.view(b, n, 1) * q * sigma
        t = t.masked_fill(jp, 0)
    return torch.diagonal(cost.matmul(t), dim1=1, dim2=2).sum(-1)


def _wra_inputs(device, seed=11):
    g = _g(seed)
    txt = torch.randn(3, 5, 6, generator=g, dtype=torch.float64)
    img = torch.randn(3, 4, 6, generator=g, dtype=torch.float64)
    txt_pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 5])
    img_pad = torch.tensor([[False] * 4, [False] * 4, [False, False, True, True]])
    return [t.to(device) for t in (txt, img, torch.tensor([1, 0, 1]), txt_pad, img_pad)]


@pytest.mark.parametrize("iterations", [1, 3, 50])
def test_wra_equals_the_official_ot_code(iterations):
    # pretrain.py: ot_loss = (ot_pos.sum() - ot_neg.sum()) / (ot_pos.size(0) + ot_neg.size(0)); the same
    # iterates as ot.py (regions as IPOT's rows), so it agrees after any number of iterations, not only at 50
    txt, img, targets, txt_pad, img_pad = _wra_inputs("cpu")
    txt_a, img_a = txt.clone().requires_grad_(), img.clone().requires_grad_()
    txt_b, img_b = txt.clone().requires_grad_(), img.clone().requires_grad_()
    d = _uniter_ot_dist(txt_a, img_a, txt_pad, img_pad, iteration=iterations)
    expected = (d[targets == 1].sum() - d[targets == 0].sum()) / 3
    got = wra_loss(
        txt_emb=txt_b, img_emb=img_b, target=targets, txt_pad=txt_pad, img_pad=img_pad, iterations=iterations
    )
    assert got.item() == pytest.approx(expected.item(), rel=1e-12)
    expected.backward()
    got.backward()
    torch.testing.assert_close(txt_b.grad, txt_a.grad, rtol=1e-10, atol=1e-13)
    torch.testing.assert_close(img_b.grad, img_a.grad, rtol=1e-10, atol=1e-13)


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
    a = wra_loss(txt_emb=txt, img_emb=img, target=targets, img_pad=pad)
    p = wra_loss(txt_emb=txt[perm], img_emb=img[perm], target=targets[perm], img_pad=pad[perm])
    assert p.item() == pytest.approx(a.item(), rel=1e-10)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_wra_half_inputs(dtype):
    g = _g(2)
    txt = (torch.randn(2, 3, 8, generator=g) * 50).to(dtype).requires_grad_()
    img = (torch.randn(2, 4, 8, generator=g) * 50).to(dtype)
    out = wra_loss(txt_emb=txt, img_emb=img, target=torch.tensor([1, 0]))
    assert out.dtype == torch.float32 and torch.isfinite(out)
    out.backward()
    assert torch.isfinite(txt.grad.float()).all()


def test_inputs_are_not_modified():
    pred, target, mask = _regions(0)
    tensors = (pred, target, mask)
    before = [t.clone() for t in tensors]
    mrfr_loss(pred=pred, target=target, mask=mask)
    mrc_kl_loss(logits=pred, target=torch.softmax(target, -1), mask=mask)
    wra_loss(txt_emb=pred, img_emb=target, target=torch.tensor([1, 0]), txt_pad=mask)
    assert all(torch.equal(a, b) for a, b in zip(tensors, before, strict=True))


def _sigmoid(v):
    return 1 / (1 + math.exp(-v))


def _softmax(row):
    top = max(row)
    e = [math.exp(v - top) for v in row]
    return [v / sum(e) for v in e]


@pytest.mark.parametrize("name", ["itm", "mlm", "mrfr", "mrc_kl", "ipot", "wra"])
def test_value_and_gradient_match_the_reference_on_device(name, device):
    """Each loss against its float64 reference (plain-Python loop or the official-code transcription) on
    ``device``; gradients against the loop's closed form (or the transcription's autograd for WRA)."""
    g = _g(21)
    f64 = {"dtype": torch.float64}
    if name == "itm":
        s, y = torch.randn(7, generator=g, **f64) * 4, [1, 0, 0, 1, 1, 0, 1]
        loss_ref = (
            -sum(
                math.log(_sigmoid(v)) if t else math.log(1 - _sigmoid(v))
                for v, t in zip(s.tolist(), y, strict=True)
            )
            / 7
        )
        grad_ref = torch.tensor([(_sigmoid(v) - t) / 7 for v, t in zip(s.tolist(), y, strict=True)], **f64)
        x = s.to(device).requires_grad_()
        out = itm_loss(logits=x, target=torch.tensor(y, device=device))
    elif name in ("mlm", "mrc_kl"):
        logits = torch.randn(2, 5, 7, generator=g, **f64) * 3
        if name == "mlm":
            targets = torch.tensor([[-1, 3, -1, 0, 6], [5, -1, -1, -1, 2]])
            chosen = [(b, n) for b in range(2) for n in range(5) if targets[b, n] >= 0]
            soft = {(b, n): [float(k == targets[b, n]) for k in range(7)] for b, n in chosen}
            extra = {"target": targets.to(device)}
        else:
            soft_t = torch.softmax(torch.randn(2, 5, 7, generator=g, **f64) * 2, -1)
            soft_t[0, 1] = torch.tensor([0.0, 0.5, 0.5, 0, 0, 0, 0], **f64)
            mask = torch.tensor([[True, True, False, True, False], [False, True, True, False, False]])
            chosen = [(b, n) for b in range(2) for n in range(5) if mask[b, n]]
            soft = {(b, n): soft_t[b, n].tolist() for b, n in chosen}
            extra = {"target": soft_t.to(device), "mask": mask.to(device)}
        loss_ref, grad_ref = 0.0, torch.zeros(2, 5, 7, **f64)
        for b, n in chosen:
            p, c = _softmax(logits[b, n].tolist()), soft[(b, n)]
            loss_ref += sum(ci * (math.log(ci) - math.log(pi)) for ci, pi in zip(c, p, strict=True) if ci > 0)
            grad_ref[b, n] = torch.tensor(
                [(pi - ci) / len(chosen) for pi, ci in zip(p, c, strict=True)], **f64
            )
        loss_ref /= len(chosen)
        x = logits.to(device).requires_grad_()
        out = (mlm_loss if name == "mlm" else mrc_kl_loss)(logits=x, **extra)
    elif name == "mrfr":
        pred, target, mask = _regions(4, b=2, n=5, d=6)
        chosen = [(b, n) for b in range(2) for n in range(5) if mask[b, n]]
        loss_ref = sum(((pred[b, n] - target[b, n]) ** 2).sum().item() for b, n in chosen) / len(chosen) / 6
        grad_ref = torch.zeros_like(pred)
        for b, n in chosen:
            grad_ref[b, n] = 2 * (pred[b, n] - target[b, n]) / 6 / len(chosen)
        x = pred.to(device).requires_grad_()
        out = mrfr_loss(pred=x, target=target.to(device), mask=mask.to(device))
    elif name == "ipot":
        cost = torch.rand(2, 3, 4, generator=g, **f64) * 2
        loss_ref, grad_ref = 0.0, torch.zeros_like(cost)
        for b in range(2):
            d_b, t_b = _ipot_loop(cost[b].tolist(), 0.5, 50, 1)
            loss_ref += d_b
            grad_ref[b] = torch.tensor(t_b, **f64)
        x = cost.to(device).requires_grad_()
        out = ipot_distance(x)[0].sum()
    else:
        txt, img, targets, txt_pad, img_pad = _wra_inputs("cpu")
        ref_x = txt.clone().requires_grad_()
        d = _uniter_ot_dist(ref_x, img, txt_pad, img_pad)
        ref = (d[targets == 1].sum() - d[targets == 0].sum()) / 3
        ref.backward()
        loss_ref, grad_ref = ref.item(), ref_x.grad
        x = txt.to(device).requires_grad_()
        out = wra_loss(
            txt_emb=x,
            img_emb=img.to(device),
            target=targets.to(device),
            txt_pad=txt_pad.to(device),
            img_pad=img_pad.to(device),
        )
    assert out.device.type == torch.device(device).type and out.dtype == torch.float64
    assert out.item() == pytest.approx(loss_ref, rel=1e-10)
    out.backward()
    torch.testing.assert_close(x.grad.cpu(), grad_ref, rtol=1e-8, atol=1e-12)


def test_mrfr_feature_sum_is_eq_5():
    pred, target, mask = _regions(2)
    vals = [((pred[b, n] - target[b, n]) ** 2).sum().item() for b in range(2) for n in range(4) if mask[b, n]]
    got = mrfr_loss(pred=pred, target=target, mask=mask, feature_reduction="sum")
    assert got.item() == pytest.approx(sum(vals) / len(vals), rel=1e-12)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^logits: expected \(B,\) or \(B, 2\), got \(8, 16\)$"):
        itm_loss(logits=torch.zeros(8, 16), target=torch.zeros(8))
    with pytest.raises(ValueError, match=r"^target: expected \(B, N\) = \(2, 3\), got \(2, 4\)$"):
        mlm_loss(torch.zeros(2, 3, 5), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^target: expected \(B, N, D\) = \(2, 3, 4\), got \(2, 3, 5\)$"):
        mrfr_loss(pred=torch.zeros(2, 3, 4), target=torch.zeros(2, 3, 5), mask=torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"^mask: expected \(B, N\) = \(2, 3\), got \(2,\)$"):
        mrc_kl_loss(logits=torch.zeros(2, 3, 4), target=torch.zeros(2, 3, 4), mask=torch.zeros(2))
    with pytest.raises(ValueError, match=r"^cost: expected \(B, N, M\), got \(3, 3\)$"):
        ipot_distance(torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"^y_pad: expected \(B, M\) = \(1, 3\), got \(1, 4\)$"):
        ipot_distance(torch.zeros(1, 2, 3), y_pad=torch.zeros(1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"^img_emb: expected \(B, M, D\), got \(2, 3\)$"):
        wra_loss(txt_emb=torch.zeros(2, 3, 4), img_emb=torch.zeros(2, 3), target=torch.zeros(2))
    with pytest.raises(ValueError, match=r"^txt_pad: expected \(B, N\) = \(2, 3\), got \(2, 5\)$"):
        wra_loss(
            txt_emb=torch.zeros(2, 3, 4),
            img_emb=torch.zeros(2, 5, 4),
            target=torch.zeros(2),
            txt_pad=torch.zeros(2, 5),
        )
    with pytest.raises(ValueError, match=r"^img_pad: expected \(B, M\) = \(2, 5\), got \(2, 3\)$"):
        wra_loss(
            txt_emb=torch.zeros(2, 3, 4),
            img_emb=torch.zeros(2, 5, 4),
            target=torch.zeros(2),
            img_pad=torch.zeros(2, 3),
        )
    with pytest.raises(ValueError, match=r"^feature_reduction: expected 'mean' or 'sum'"):
        mrfr_loss(
            pred=torch.zeros(2, 3, 4),
            target=torch.zeros(2, 3, 4),
            mask=torch.zeros(2, 3),
            feature_reduction="max",
        )


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (itm_loss, (torch.zeros(2), torch.zeros(2))),
        (mrfr_loss, (torch.zeros(1, 2, 3), torch.zeros(1, 2, 3), torch.ones(1, 2))),
        (mrc_kl_loss, (torch.zeros(1, 2, 3), torch.zeros(1, 2, 3), torch.ones(1, 2))),
        (wra_loss, (torch.zeros(1, 2, 3), torch.zeros(1, 2, 3), torch.ones(1))),
    ],
)
def test_swappable_roles_are_keyword_only(fn, args):
    # prediction and target (or words and regions) of the same shape: no positional call
    with pytest.raises(TypeError, match="positional"):
        fn(*args)
