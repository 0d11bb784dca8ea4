"""Tests of ssl_kb.losses.flamingo: identity at initialisation, gates, per-image masking against a loop."""

from __future__ import annotations

import math

import pytest
import torch

from ssl_kb.losses import GatedCrossAttentionDense, media_index_from_locations


def _block(seed=0, dim=8, dim_visual=6, dtype=torch.float64):
    torch.manual_seed(seed)  # parameter init only, inside the test
    return GatedCrossAttentionDense(dim, dim_visual=dim_visual, heads=2, dim_head=4).to(dtype)


def _inputs(b=2, n=5, t=3, m=2, dim=8, dim_visual=6, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    y = torch.randn(b, n, dim, generator=g, dtype=dtype)
    x = torch.randn(b, t, m, dim_visual, generator=g, dtype=dtype)
    return y, x


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16, torch.float16])
def test_identity_at_initialisation_exactly(dtype):
    block = _block(dtype=dtype)
    y, x = _inputs(dtype=dtype)
    y = y * 100
    index = torch.tensor([[-1, 0, 0, 2, 1], [-1, -1, -1, -1, -1]])  # includes tokens that see no image
    before = y.clone()
    for kwargs in ({}, {"media_index": index}):
        out = block(y, media=x, **kwargs)
        assert out.dtype == dtype and torch.equal(out, y)
    assert torch.equal(y, before)


def _reference(block, y, x, index):
    """Gated xattn then gated FFW, one token and one head at a time (Flamingo Fig. 4)."""
    b, n, _ = y.shape
    _, t, m, _ = x.shape
    h, dh = block.heads, block.dim_head
    out = torch.zeros_like(y)
    yn = block.norm(y)
    for i in range(b):
        k_all, v_all = block.to_kv(x[i].reshape(t * m, -1)).chunk(2, -1)
        for j in range(n):
            q = block.to_q(yn[i, j])
            keys = [s for s in range(t * m) if index is None or s // m == int(index[i, j])]
            heads = []
            for head in range(h):
                sl = slice(head * dh, (head + 1) * dh)
                if not keys:
                    heads.append(torch.zeros(dh, dtype=y.dtype))
                    continue
                scores = [float(q[sl] @ k_all[s, sl]) / math.sqrt(dh) for s in keys]
                mx = max(scores)
                w = [math.exp(v - mx) for v in scores]
                total = sum(w)
                heads.append(sum(w[a] / total * v_all[s, sl] for a, s in enumerate(keys)))
            out[i, j] = block.to_out(torch.cat(heads))
    y1 = y + math.tanh(block.alpha_xattn.item()) * out
    return y1 + math.tanh(block.alpha_dense.item()) * block.ff(y1)


@pytest.mark.parametrize("use_index", [False, True])
def test_matches_the_loop_with_open_gates(use_index):
    block = _block()
    with torch.no_grad():
        block.alpha_xattn.fill_(0.7)
        block.alpha_dense.fill_(-0.3)
    y, x = _inputs()
    index = torch.tensor([[-1, 0, 0, 2, 1], [1, 1, 2, -1, 0]]) if use_index else None
    with torch.no_grad():
        torch.testing.assert_close(block(y, media=x, media_index=index), _reference(block, y, x, index))


def test_token_without_image_gets_no_cross_attention():
    block = _block()
    with torch.no_grad():
        block.alpha_xattn.fill_(1.0)
    y, x = _inputs()
    index = torch.full((2, 5), -1)
    with torch.no_grad():
        torch.testing.assert_close(block.attention(y, x, index), torch.zeros_like(y))
        # changing an image another token does not look at changes nothing for this token
        index = torch.tensor([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
        x2 = x.clone()
        x2[:, 1:] = torch.randn_like(x2[:, 1:])
        torch.testing.assert_close(
            block(y, media=x, media_index=index), block(y, media=x2, media_index=index)
        )


def test_gates_get_gradients_at_initialisation():
    block = _block()
    y, x = _inputs()
    block(y, media=x).sum().backward()
    assert block.alpha_xattn.grad.abs().item() > 0 and block.alpha_dense.grad.abs().item() > 0


def test_gradcheck_with_open_gates():
    block = _block()
    with torch.no_grad():
        block.alpha_xattn.fill_(0.5)
        block.alpha_dense.fill_(0.5)
    y, x = _inputs(b=1, n=3, t=2, m=2)
    index = torch.tensor([[-1, 0, 1]])
    assert torch.autograd.gradcheck(
        lambda a, v: block(a, media=v, media_index=index), (y.requires_grad_(), x.requires_grad_())
    )


def test_media_index_and_single_image_input():
    loc = torch.tensor([[True, False, False, True], [False, False, True, False]])
    assert media_index_from_locations(loc).tolist() == [[0, 0, 0, 1], [-1, -1, 0, 0]]
    block = _block()
    y, x = _inputs(t=1)
    with torch.no_grad():
        block.alpha_xattn.fill_(1.0)
        torch.testing.assert_close(block(y, media=x[:, 0]), block(y, media=x))


def test_errors_name_the_argument():
    block = _block()
    y, x = _inputs()
    with pytest.raises(ValueError, match=r"^y: expected \(B, N, D\), got \(8, 16\)$"):
        block(torch.zeros(8, 16, dtype=torch.float64), media=x)
    with pytest.raises(ValueError, match=r"^media_index: expected \(B, N\) = \(2, 5\), got \(2, 4\)$"):
        block(y, media=x, media_index=torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^media_index: expected values in -1\.\.2"):
        block(y, media=x, media_index=torch.full((2, 5), 3))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_matches_the_loop_on_device(device, dtype):
    """Open gates, per-image masking from ``media_locations``; block on ``device`` vs the float64 CPU loop."""
    block = _block(seed=3)
    with torch.no_grad():
        block.alpha_xattn.fill_(0.9)
        block.alpha_dense.fill_(0.4)
    y, x = _inputs(b=2, n=6, t=2, m=3, seed=4)
    loc = torch.tensor([[False, True, False, False, True, False], [False, False, False, True, False, False]])
    index = media_index_from_locations(loc)
    assert index.tolist() == [[-1, 0, 0, 0, 1, 1], [-1, -1, -1, 0, 0, 0]]
    with torch.no_grad():
        expected = _reference(block, y, x, index)
        moved = _block(seed=3).to(device=device, dtype=dtype)
        moved.load_state_dict(block.state_dict())
        out = moved(y.to(device, dtype), media=x.to(device, dtype), media_index=index.to(device))
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    torch.testing.assert_close(out.cpu().double(), expected, rtol=tol, atol=tol)
    # gates at 0 on the device: exactly the input
    with torch.no_grad():
        moved.alpha_xattn.zero_()
        moved.alpha_dense.zero_()
        yd = y.to(device, dtype)
        assert torch.equal(moved(yd, media=x.to(device, dtype), media_index=index.to(device)), yd)


def test_media_locations_and_index_dtypes_are_checked():
    with pytest.raises(TypeError, match=r"^media_locations: expected a bool tensor"):
        media_index_from_locations(torch.zeros(1, 3))
    block = _block()
    y, x = _inputs()
    with pytest.raises(TypeError, match=r"^media_index: expected a long tensor"):
        block(y, media=x, media_index=torch.zeros(2, 5, dtype=torch.bool))


def test_media_is_keyword_only():
    # one image's tokens [B, M, D] have the text's shape when D_v = D: no positional call
    block = _block(dim=8, dim_visual=8)
    y = torch.zeros(2, 5, 8, dtype=torch.float64)
    with pytest.raises(TypeError, match="positional"):
        block(y, y)
