"""Tests of ssl_kb.losses.beit: masked-token cross-entropy and the blockwise masking generator."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import beit_mim_loss, blockwise_masking


def _inputs(b, n, k, seed, dtype=torch.float64, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, n, k, generator=g, dtype=dtype).to(device).requires_grad_()
    tokens = torch.randint(0, k, (b, n), generator=g).to(device)
    masked = (torch.rand(b, n, generator=g) < 0.5).to(device)
    return logits, tokens, masked


def _equation_loop(logits, tokens, masked):
    """BEiT Eq. (1) averaged over all masked tokens of the batch."""
    terms = []
    for b in range(logits.shape[0]):
        for n in range(logits.shape[1]):
            if masked[b, n]:
                row = logits[b, n]
                terms.append(-(row[tokens[b, n]] - torch.log(torch.exp(row).sum())))
    return sum(terms) / len(terms)


@pytest.mark.parametrize(("b", "n", "k"), [(1, 4, 3), (3, 6, 8), (2, 9, 2)])
def test_matches_equation_loop(b, n, k):
    logits, tokens, masked = _inputs(b, n, k, seed=b)
    masked[0, 0] = True
    torch.testing.assert_close(beit_mim_loss(logits, tokens, masked), _equation_loop(logits, tokens, masked))


def test_value_and_gradients_match_the_equation_loop_on_device(device):
    logits, tokens, masked = _inputs(3, 7, 6, seed=12, device=device)
    masked[0, 0] = True
    loss = beit_mim_loss(logits, tokens, masked)
    want = _equation_loop(logits, tokens, masked)
    assert loss.device.type == torch.device(device).type
    torch.testing.assert_close(loss, want)
    (got,) = torch.autograd.grad(loss, logits)
    (ref,) = torch.autograd.grad(want, logits)
    torch.testing.assert_close(got, ref)
    assert torch.all(got[~masked] == 0)


def test_one_mean_over_all_masked_tokens_not_a_mean_of_image_means():
    logits = torch.zeros(2, 3, 4)
    logits[1, :, 0] = 5.0  # image 1 confidently predicts token 0
    tokens = torch.zeros(2, 3, dtype=torch.long)
    masked = torch.tensor([[True, False, False], [True, True, True]])
    per_token = torch.tensor([math.log(4)] + 3 * [-torch.log_softmax(logits[1, 0], 0)[0].item()])
    torch.testing.assert_close(beit_mim_loss(logits, tokens, masked), per_token.mean())


def test_unmasked_positions_do_not_matter():
    logits, tokens, masked = _inputs(2, 5, 4, seed=1)
    masked[0, 0] = True
    loss = beit_mim_loss(logits, tokens, masked)
    other_logits = logits.detach().clone()
    other_logits[~masked] = 100.0
    other_tokens = tokens.clone()
    other_tokens[~masked] = 3 - other_tokens[~masked]
    torch.testing.assert_close(beit_mim_loss(other_logits, other_tokens, masked), loss)


def test_empty_mask_gives_an_explicit_zero_with_zero_gradients():
    logits, tokens, _ = _inputs(2, 5, 4, seed=2)
    loss = beit_mim_loss(logits, tokens, torch.zeros(2, 5, dtype=torch.bool))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(logits.grad, torch.zeros_like(logits))


def test_gradcheck():
    logits, tokens, masked = _inputs(2, 3, 4, seed=3)
    masked[0, 0] = True
    assert torch.autograd.gradcheck(lambda x: beit_mim_loss(x, tokens, masked), (logits,))


@settings(max_examples=25, deadline=None)
@given(b=st.integers(1, 4), n=st.integers(1, 6), seed=st.integers(0, 2**16), data=st.data())
def test_invariant_to_batch_and_token_permutation(b, n, seed, data):
    logits, tokens, masked = _inputs(b, n, 5, seed)
    loss = beit_mim_loss(logits, tokens, masked)
    pb = torch.tensor(data.draw(st.permutations(range(b))))
    pn = torch.tensor(data.draw(st.permutations(range(n))))
    torch.testing.assert_close(beit_mim_loss(logits[pb][:, pn], tokens[pb][:, pn], masked[pb][:, pn]), loss)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_logits_accumulate_in_float32(device, dtype):
    logits, tokens, masked = _inputs(2, 8, 16, seed=4, dtype=torch.float32, device=device)
    big = (1e4 * logits.detach()).to(dtype).requires_grad_()  # |logits| up to ~4e4 < fp16 max
    loss = beit_mim_loss(big, tokens, masked)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss) and torch.isfinite(big.grad.float()).all()
    want = beit_mim_loss(big.detach().double(), tokens, masked)
    torch.testing.assert_close(loss.double(), want, rtol=1e-5, atol=1e-3)


def test_inputs_are_not_modified():
    logits, tokens, masked = _inputs(2, 5, 4, seed=5)
    before = [t.detach().clone() for t in (logits, tokens, masked)]
    beit_mim_loss(logits, tokens, masked).backward()
    assert all(torch.equal(u, v) for u, v in zip((logits, tokens, masked), before, strict=True))


def test_shape_and_argument_errors_name_the_argument():
    logits = torch.zeros(2, 5, 4)
    tokens = torch.zeros(2, 5, dtype=torch.long)
    masked = torch.ones(2, 5, dtype=torch.bool)
    with pytest.raises(ValueError, match=r"^logits: expected \(B, N, K\), got \(2, 5\)$"):
        beit_mim_loss(torch.zeros(2, 5), tokens, masked)
    with pytest.raises(ValueError, match=r"^target: expected \(B, N\) = \(2, 5\), got \(2, 4\)$"):
        beit_mim_loss(logits, torch.zeros(2, 4, dtype=torch.long), masked)
    with pytest.raises(ValueError, match=r"^mask: expected \(B, N\) = \(2, 5\), got \(5,\)$"):
        beit_mim_loss(logits, tokens, torch.ones(5, dtype=torch.bool))
    with pytest.raises(
        TypeError, match=r"^mask: expected a bool tensor \(True = masked\), got torch.float32$"
    ):
        beit_mim_loss(logits, tokens, masked.float())
    with pytest.raises(TypeError, match=r"^target: expected an integer tensor, got torch.float32$"):
        beit_mim_loss(logits, tokens.float(), masked)
    # -100 (cross_entropy's ignore_index) or K at a masked position: an error, not a silent 0 in the mean
    for bad, shown in ((-100, r"\[-100, 0\]"), (4, r"\[0, 4\]")):
        wrong = tokens.clone()
        wrong[1, 2] = bad
        with pytest.raises(
            ValueError,
            match=rf"^target: expected ids in \[0, K\) = \[0, 4\) at masked positions, got values in "
            rf"{shown}$",
        ):
            beit_mim_loss(logits, wrong, masked)
    unmasked_bad = tokens.clone()
    unmasked_bad[1, 2] = -100
    only_some = masked.clone()
    only_some[1, 2] = False
    assert torch.isfinite(beit_mim_loss(logits, unmasked_bad, only_some))  # unmasked ids are not read


def _official_generator(height, width, num_masked, min_num, max_num, min_aspect, uniform, randint):
    """``MaskingGenerator.__call__`` of the official BEiT code, written out with element loops and
    driven by the same random draws (uniform, uniform, randint, randint per try)."""
    mask = [[0] * width for _ in range(height)]
    log_ratio = (math.log(min_aspect), math.log(1 / min_aspect))
    count = 0
    while count < num_masked:
        max_mask = min(num_masked - count, max_num)
        delta = 0
        for _attempt in range(10):
            target_area = uniform(min_num, max_mask)
            aspect = math.exp(uniform(*log_ratio))
            h = round(math.sqrt(target_area * aspect))
            w = round(math.sqrt(target_area / aspect))
            if w < width and h < height:
                top = randint(0, height - h)
                left = randint(0, width - w)
                already = sum(mask[i][j] for i in range(top, top + h) for j in range(left, left + w))
                if 0 < h * w - already <= max_mask:
                    for i in range(top, top + h):
                        for j in range(left, left + w):
                            if mask[i][j] == 0:
                                mask[i][j] = 1
                                delta += 1
            if delta > 0:
                break
        if delta == 0:
            break
        count += delta
    return torch.tensor(mask, dtype=torch.bool)


@pytest.mark.parametrize(
    ("height", "width", "num_masked", "min_num"), [(14, 14, 75, 16), (8, 12, 30, 4), (6, 6, 36, 16)]
)
@pytest.mark.parametrize("seed", range(4))
def test_blockwise_masking_matches_the_official_generator(height, width, num_masked, min_num, seed):
    g = torch.Generator().manual_seed(seed)

    def uniform(lo, hi):
        return lo + (hi - lo) * float(torch.rand((), generator=g))

    def randint(lo, hi):
        return int(torch.randint(lo, hi + 1, (), generator=g))

    want = _official_generator(height, width, num_masked, min_num, num_masked, 0.3, uniform, randint)
    got = blockwise_masking(
        height, width, num_masked, min_num_patches=min_num, generator=torch.Generator().manual_seed(seed)
    )
    assert torch.equal(got, want)


@pytest.mark.parametrize("seed", range(4))
def test_blockwise_masking_matches_the_official_generator_with_options(seed):
    g = torch.Generator().manual_seed(seed)

    def uniform(lo, hi):
        return lo + (hi - lo) * float(torch.rand((), generator=g))

    def randint(lo, hi):
        return int(torch.randint(lo, hi + 1, (), generator=g))

    want = _official_generator(10, 12, 50, 6, 20, 0.5, uniform, randint)
    got = blockwise_masking(
        10,
        12,
        50,
        min_num_patches=6,
        max_num_patches=20,
        min_aspect=0.5,
        generator=torch.Generator().manual_seed(seed),
    )
    assert torch.equal(got, want) and int(got.sum()) <= 50


def test_blockwise_masking_defaults_count_and_determinism():
    state = torch.get_rng_state()
    masks = [blockwise_masking(generator=torch.Generator().manual_seed(s)) for s in range(30)]
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is untouched
    counts = [int(m.sum()) for m in masks]
    assert all(m.shape == (14, 14) and m.dtype == torch.bool for m in masks)
    assert max(counts) == 75 and min(counts) >= 60  # never more than asked, usually exactly
    assert torch.equal(masks[0], blockwise_masking(generator=torch.Generator().manual_seed(0)))
    assert len({tuple(m.flatten().tolist()) for m in masks}) == 30


def test_blockwise_masking_edge_cases_and_errors():
    assert not blockwise_masking(4, 4, 0).any()
    with pytest.raises(
        ValueError, match=r"^num_masked: expected 0 <= num_masked <= height \* width = 16, got 17$"
    ):
        blockwise_masking(4, 4, 17)
    with pytest.raises(ValueError, match=r"^height, width: expected a grid of at least 1 x 1, got 0 x 4$"):
        blockwise_masking(0, 4, 0)
    with pytest.raises(ValueError, match=r"^max_aspect: expected a positive number, got -1.0$"):
        blockwise_masking(4, 4, 4, max_aspect=-1.0)
