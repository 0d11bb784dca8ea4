"""Tests of ssl_kb.losses.info_nce against SimCLR's equation, closed forms and the official TF formulation."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import info_nce


def _views(b, d, seed, dtype=torch.float64, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, d, generator=g, dtype=dtype).to(device).requires_grad_() for _ in range(2)]


def _equation_loop(z_a, z_b, tau):
    """SimCLR Eq. (1), averaged over the 2B rows as in Algorithm 1, one row at a time."""
    z = torch.cat([z_a, z_b])
    n = z.shape[0]
    b = n // 2
    total = 0.0
    for i in range(n):
        p = i + b if i < b else i - b

        def sim(u, v):
            return (u @ v) / (u.norm() * v.norm())

        numerator = torch.exp(sim(z[i], z[p]) / tau)
        denominator = sum(torch.exp(sim(z[i], z[k]) / tau) for k in range(n) if k != i)
        total = total - torch.log(numerator / denominator)
    return total / n


def _official_tf_formulation(z_a, z_b, tau):
    """``add_contrastive_loss`` of the SimCLR TF code: loss_a + loss_b, LARGE_NUM masking."""
    a, b = F.normalize(z_a, dim=1), F.normalize(z_b, dim=1)
    n = a.shape[0]
    large = 1e9 * torch.eye(n, dtype=a.dtype)
    logits_aa, logits_bb = a @ a.T / tau - large, b @ b.T / tau - large
    logits_ab, logits_ba = a @ b.T / tau, b @ a.T / tau
    labels = torch.arange(n)
    loss_a = F.cross_entropy(torch.cat([logits_ab, logits_aa], 1), labels)
    loss_b = F.cross_entropy(torch.cat([logits_ba, logits_bb], 1), labels)
    return loss_a + loss_b


@pytest.mark.parametrize("chunk_size", [None, 1, 4])
@pytest.mark.parametrize(("b", "d", "tau"), [(1, 3, 0.5), (3, 4, 0.5), (5, 2, 0.1), (6, 7, 1.3)])
def test_matches_equation_loop(b, d, tau, chunk_size):
    z_a, z_b = _views(b, d, seed=b)
    torch.testing.assert_close(info_nce(z_a, z_b, tau, chunk_size=chunk_size), _equation_loop(z_a, z_b, tau))


@pytest.mark.parametrize("tau", [0.1, 0.5, 2.0])
def test_is_half_of_the_official_tensorflow_value(tau):
    z_a, z_b = _views(5, 3, seed=1)
    torch.testing.assert_close(2 * info_nce(z_a, z_b, tau), _official_tf_formulation(z_a, z_b, tau))


@pytest.mark.parametrize("tau", [0.05, 0.5, 3.0])
@pytest.mark.parametrize("b", [1, 2, 7])
def test_identical_embeddings_give_log_2b_minus_1(b, tau):
    z = torch.ones(b, 4, dtype=torch.float64) * torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    for chunk_size in (None, 3):
        loss = info_nce(z, 3 * z, tau, chunk_size=chunk_size)
        torch.testing.assert_close(loss, torch.tensor(math.log(2 * b - 1), dtype=torch.float64))


@pytest.mark.parametrize("tau", [0.2, 1.0])
def test_orthonormal_pairs_closed_form(tau):
    # z_a = z_b = e_i: positive similarity 1, the other 2B - 2 rows orthogonal
    b = 4
    e = torch.eye(b, dtype=torch.float64)
    want = math.log(1 + (2 * b - 2) * math.exp(-1 / tau))
    torch.testing.assert_close(info_nce(e, e, tau), torch.tensor(want, dtype=torch.float64))


def test_batch_of_one_is_zero_with_zero_gradients():
    z_a, z_b = _views(1, 3, seed=2)
    loss = info_nce(z_a, z_b)
    loss.backward()
    assert loss.item() == 0.0
    assert torch.all(z_a.grad.abs() < 1e-12) and torch.all(z_b.grad.abs() < 1e-12)


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_gradcheck(chunk_size):
    z_a, z_b = _views(3, 4, seed=3)
    tau = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, t: info_nce(a, b, t, chunk_size=chunk_size), (z_a, z_b, tau))


@settings(max_examples=30, deadline=None)
@given(b=st.integers(1, 8), d=st.integers(1, 5), seed=st.integers(0, 2**16), data=st.data())
def test_properties_permutation_swap_and_scale(b, d, seed, data):
    z_a, z_b = (z.detach() for z in _views(b, d, seed))
    loss = info_nce(z_a, z_b)
    perm = torch.tensor(data.draw(st.permutations(range(b))))
    torch.testing.assert_close(info_nce(z_a[perm], z_b[perm]), loss)  # batch order does not matter
    torch.testing.assert_close(info_nce(z_b, z_a), loss)  # nor which view comes first
    scale = torch.rand(b, 1, dtype=torch.float64) + 0.5
    torch.testing.assert_close(info_nce(z_a * scale, z_b), loss)  # normalised inside


@pytest.mark.parametrize("chunk_size", [1, 3, 16])
def test_chunked_equals_dense(device, chunk_size):
    z_a, z_b = _views(9, 5, seed=4, dtype=torch.float32, device=device)
    dense = info_nce(z_a, z_b, 0.2)
    grads = torch.autograd.grad(dense, [z_a, z_b])
    chunked = info_nce(z_a, z_b, 0.2, chunk_size=chunk_size)
    torch.testing.assert_close(chunked, dense)
    for got, want in zip(torch.autograd.grad(chunked, [z_a, z_b]), grads, strict=True):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_parts_against_the_whole_batch_average_to_the_whole_batch_loss(chunk_size):
    # what info_nce_across_ranks does on each rank, here in one process: each part of the batch is
    # queried against the keys of the whole batch; the mean over parts is the whole batch's loss
    z_a, z_b = _views(6, 4, seed=5)
    whole = info_nce(z_a, z_b, 0.3)
    parts = [
        info_nce(z_a[r : r + 2], z_b[r : r + 2], 0.3, chunk_size=chunk_size, keys=(z_a, z_b), offset=r)
        for r in (0, 2, 4)
    ]
    torch.testing.assert_close(sum(parts) / 3, whole)
    for got, want in zip(
        torch.autograd.grad(sum(parts) / 3, [z_a, z_b]), torch.autograd.grad(whole, [z_a, z_b]), strict=True
    ):
        torch.testing.assert_close(got, want)


def test_keys_of_the_batch_itself_are_the_plain_loss():
    z_a, z_b = _views(4, 3, seed=5)
    torch.testing.assert_close(info_nce(z_a, z_b, keys=(z_a, z_b)), info_nce(z_a, z_b))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"offset": 1}, ValueError, r"^offset: expected 0 without keys, got 1$"),
        ({"keys": torch.zeros(8, 3)}, TypeError, r"^keys: expected a pair of \(N, D\) tensors, got Tensor$"),
        (
            {"keys": (torch.zeros(8, 3), torch.zeros(8, 2))},
            ValueError,
            r"^keys\[1\]: expected \(N, D\) = \(8, 3\)",
        ),
        (
            {"keys": (torch.zeros(8, 3),) * 2, "offset": 5},
            ValueError,
            r"^offset: expected 0 <= offset <= N - B = 4",
        ),
    ],
)
def test_bad_keys_or_offset_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        info_nce(torch.ones(4, 3), torch.ones(4, 3), **kwargs)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("chunk_size", [None, 4])
def test_half_inputs_accumulate_in_float32(device, dtype, chunk_size):
    views = _views(16, 8, seed=6, dtype=torch.float32, device=device)
    z_a, z_b = ((1e4 * z.detach()).to(dtype).requires_grad_() for z in views)  # |z| up to ~4e4
    loss = info_nce(z_a, z_b, 0.01, chunk_size=chunk_size)  # logits up to 100
    loss.backward()
    assert loss.dtype == torch.float32 and loss.dim() == 0
    assert torch.isfinite(loss) and torch.isfinite(z_a.grad.float()).all()
    want = info_nce(z_a.detach().double(), z_b.detach().double(), 0.01)
    torch.testing.assert_close(loss.double(), want, rtol=1e-4, atol=1e-4)


def test_inputs_are_not_modified():
    z_a, z_b = _views(4, 3, seed=7)
    before = (z_a.detach().clone(), z_b.detach().clone())
    for chunk_size in (None, 2):
        info_nce(z_a, z_b, chunk_size=chunk_size).backward()
    assert torch.equal(z_a, before[0]) and torch.equal(z_b, before[1])


def test_shape_and_argument_errors_name_the_argument():
    z = torch.zeros(8, 16)
    with pytest.raises(ValueError, match=r"^z_a: expected \(B, D\), got \(8, 16, 3\)$"):
        info_nce(torch.zeros(8, 16, 3), z)
    with pytest.raises(ValueError, match=r"^z_b: expected \(B, D\) = \(8, 16\), got \(8, 15\)$"):
        info_nce(z, torch.zeros(8, 15))
    with pytest.raises(ValueError, match=r"^temperature: expected a positive number, got 0.0$"):
        info_nce(z, z, 0.0)
    with pytest.raises(TypeError, match=r"^z_a: expected a floating-point tensor, got torch.int64$"):
        info_nce(torch.zeros(8, 16, dtype=torch.long), z)
    with pytest.raises(ValueError, match=r"^z_a: expected at least one row"):
        info_nce(torch.zeros(0, 16), torch.zeros(0, 16))
