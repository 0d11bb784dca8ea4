"""Tests of ssl_kb.losses.dino against DINO's Eq. (3)/(4), the official code's formulation and properties."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from ssl_kb.losses import dino_loss, update_center


def _crops(v, b, k, seed, dtype=torch.float64, device="cpu", grad=True):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, k, generator=g, dtype=dtype).to(device).requires_grad_(grad) for _ in range(v)]


def _equation_loop(student, teacher, center, ts, tt):
    """Eq. (3): sum over global crops i and crops v != i of H(P_t(i), P_s(v)), batch mean, pair mean."""
    total, pairs = 0.0, 0
    for i, t in enumerate(teacher):
        for v, s in enumerate(student):
            if v == i:
                continue
            per_sample = []
            for b in range(t.shape[0]):
                p_t = torch.exp((t[b] - center[0]) / tt) / torch.exp((t[b] - center[0]) / tt).sum()
                log_p_s = s[b] / ts - torch.log(torch.exp(s[b] / ts).sum())
                per_sample.append(-(p_t * log_p_s).sum())
            total = total + sum(per_sample) / len(per_sample)
            pairs += 1
    return total / pairs


def _official_formulation(student, teacher, center, ts, tt):
    """``DINOLoss.forward`` of facebookresearch/dino on the concatenated crops."""
    student_out = (torch.cat(student) / ts).chunk(len(student))
    teacher_out = F.softmax((torch.cat(teacher) - center) / tt, dim=-1).detach().chunk(2)
    total_loss, n_loss_terms = 0, 0
    for iq, q in enumerate(teacher_out):
        for v in range(len(student_out)):
            if v == iq:
                continue
            loss = torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)
            total_loss += loss.mean()
            n_loss_terms += 1
    return total_loss / n_loss_terms


@pytest.mark.parametrize(
    ("v", "b", "k", "ts", "tt"), [(2, 3, 4, 0.1, 0.04), (5, 2, 6, 0.1, 0.07), (10, 4, 3, 0.5, 1.0)]
)
def test_matches_equation_loop_and_official_code(v, b, k, ts, tt):
    student = _crops(v, b, k, seed=v)
    teacher = _crops(2, b, k, seed=v + 100, grad=False)
    center = torch.randn(1, k, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    loss = dino_loss(student=student, teacher=teacher, center=center, student_temp=ts, teacher_temp=tt)
    torch.testing.assert_close(loss, _equation_loop(student, teacher, center, ts, tt))
    torch.testing.assert_close(loss, _official_formulation(student, teacher, center, ts, tt))


@pytest.mark.parametrize(("v", "ts", "tt"), [(4, 0.1, 0.04), (3, 0.3, 0.07)])
def test_value_and_gradients_match_the_equation_loop_on_device(device, same_loss_and_grads, v, ts, tt):
    student = _crops(v, 3, 5, seed=20 + v, device=device)
    teacher = _crops(2, 3, 5, seed=30 + v, device=device, grad=False)
    center = torch.randn(1, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2)).to(device)
    loss = dino_loss(student=student, teacher=teacher, center=center, student_temp=ts, teacher_temp=tt)
    want = _equation_loop(student, teacher, center, ts, tt)
    same_loss_and_grads(loss, want, student, device)


def test_uniform_outputs_give_log_k():
    k = 7
    student = [torch.zeros(3, k)] * 4
    teacher = [torch.zeros(3, k)] * 2
    torch.testing.assert_close(
        dino_loss(student=student, teacher=teacher, center=torch.zeros(1, k)), torch.tensor(math.log(k))
    )


def test_pairs_skip_only_the_same_crop():
    # V = 3, T = 2: pairs (0, 1), (0, 2), (1, 0), (1, 2); uniform teachers, so each pair costs
    # -mean_k log P_s(v); crops 0 and 1 are uniform (log K), crop 2 is not.
    k = 4
    crop2 = torch.tensor([[2.0, 0.0, 0.0, 0.0]])
    student = [torch.zeros(1, k), torch.zeros(1, k), crop2]
    teacher = [torch.zeros(1, k), torch.zeros(1, k)]
    h2 = -F.log_softmax(crop2 / 0.1, dim=-1).mean()
    want = (2 * math.log(k) + 2 * h2) / 4
    torch.testing.assert_close(dino_loss(student=student, teacher=teacher, center=torch.zeros(1, k)), want)


def test_teacher_is_detached_and_only_students_get_gradients():
    student = _crops(4, 3, 5, seed=0)
    teacher = _crops(2, 3, 5, seed=1, grad=True)
    center = torch.zeros(1, 5, dtype=torch.float64, requires_grad=True)
    dino_loss(student=student, teacher=teacher, center=center).backward()
    assert all(t.grad is None for t in teacher) and center.grad is None
    assert all(s.grad is not None and s.grad.abs().sum() > 0 for s in student)


def test_gradcheck_wrt_students():
    student = _crops(3, 2, 4, seed=2)
    teacher = _crops(2, 2, 4, seed=3, grad=False)
    center = torch.zeros(1, 4, dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda *s: dino_loss(
            student=list(s), teacher=teacher, center=center, student_temp=0.3, teacher_temp=0.2
        ),
        tuple(student),
    )


@settings(max_examples=30, deadline=None)
@given(
    v=st.integers(2, 5), b=st.integers(1, 5), k=st.integers(1, 6), seed=st.integers(0, 2**16), data=st.data()
)
def test_properties_permutation_and_shift_invariance(v, b, k, seed, data):
    student = [s.detach() for s in _crops(v, b, k, seed)]
    teacher = _crops(2, b, k, seed + 1, grad=False)
    center = torch.randn(1, k, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    loss = dino_loss(student=student, teacher=teacher, center=center)
    perm = torch.tensor(data.draw(st.permutations(range(b))))
    torch.testing.assert_close(
        dino_loss(student=[s[perm] for s in student], teacher=[t[perm] for t in teacher], center=center), loss
    )
    shift = torch.randn(1, k, dtype=torch.float64, generator=torch.Generator().manual_seed(seed + 2))
    # centring: shifting the teacher and the centre together changes nothing
    torch.testing.assert_close(
        dino_loss(student=student, teacher=[t + shift for t in teacher], center=center + shift), loss
    )
    # softmax: adding a constant to a student row changes nothing
    torch.testing.assert_close(
        dino_loss(student=[s + 5.0 for s in student], teacher=teacher, center=center), loss
    )


def test_update_center_is_an_ema_of_the_batch_mean_without_mutation():
    teacher = _crops(2, 4, 3, seed=4, grad=False)
    center = torch.randn(1, 3, dtype=torch.float64)
    before = center.clone()
    new = update_center(center=center, teacher=teacher, momentum=0.9)
    mean = torch.cat(teacher).mean(0, keepdim=True)
    torch.testing.assert_close(new, 0.9 * center + 0.1 * mean)
    assert torch.equal(center, before) and new is not center and new.shape == (1, 3)
    torch.testing.assert_close(update_center(center=center, teacher=teacher, momentum=0.0), mean)
    torch.testing.assert_close(update_center(center=center, teacher=teacher, momentum=1.0), center)
    assert not update_center(center=center, teacher=[t.requires_grad_() for t in teacher]).requires_grad


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_with_large_logits_accumulate_in_float32(device, dtype):
    student = [(300 * s.detach()).to(dtype).requires_grad_() for s in _crops(4, 8, 16, seed=5, device=device)]
    teacher = [(300 * t).to(dtype) for t in _crops(2, 8, 16, seed=6, device=device, grad=False)]
    center = torch.zeros(1, 16, device=device, dtype=dtype)
    loss = dino_loss(student=student, teacher=teacher, center=center)  # logits up to ~1e4 / 0.04
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert all(torch.isfinite(s.grad.float()).all() for s in student)
    want = dino_loss(
        student=[s.detach().double() for s in student],
        teacher=[t.double() for t in teacher],
        center=center.double(),
    )
    torch.testing.assert_close(loss.double(), want, rtol=1e-4, atol=1e-3)


def test_inputs_are_not_modified():
    student, teacher = _crops(3, 2, 4, seed=7), _crops(2, 2, 4, seed=8, grad=False)
    center = torch.ones(1, 4, dtype=torch.float64)
    before = [x.detach().clone() for x in [*student, *teacher, center]]
    dino_loss(student=student, teacher=teacher, center=center).backward()
    update_center(center=center, teacher=teacher)
    assert all(torch.equal(x, y) for x, y in zip([*student, *teacher, center], before, strict=True))


def test_accepts_a_stacked_tensor_of_views():
    student = torch.randn(4, 3, 5, generator=torch.Generator().manual_seed(9))
    teacher = student[:2] * 2
    torch.testing.assert_close(
        dino_loss(student=student, teacher=teacher, center=torch.zeros(1, 5)),
        dino_loss(student=list(student), teacher=list(teacher), center=torch.zeros(1, 5)),
    )


def test_shape_and_argument_errors_name_the_argument():
    s, t = [torch.zeros(8, 16)] * 3, [torch.zeros(8, 16)] * 2
    with pytest.raises(ValueError, match=r"^center: expected \(1, K\) = \(1, 16\), got \(16,\)$"):
        dino_loss(student=s, teacher=t, center=torch.zeros(16))
    with pytest.raises(ValueError, match=r"^center: expected \(1, K\) = \(1, 16\), got \(1, 15\)$"):
        dino_loss(student=s, teacher=t, center=torch.zeros(1, 15))
    with pytest.raises(ValueError, match=r"^student\[1\]: expected \(B, K\) = \(8, 16\), got \(8, 15\)$"):
        dino_loss(student=[s[0], torch.zeros(8, 15)], teacher=t, center=torch.zeros(1, 16))
    with pytest.raises(ValueError, match=r"^teacher\[0\]: expected \(B, K\) = \(8, 16\), got \(4, 16\)$"):
        dino_loss(student=s, teacher=[torch.zeros(4, 16)], center=torch.zeros(1, 16))
    with pytest.raises(
        ValueError, match=r"^teacher: expected at most as many crops as student \(3\), got 4$"
    ):
        dino_loss(student=s, teacher=t * 2, center=torch.zeros(1, 16))
    with pytest.raises(
        ValueError, match=r"^student: expected a sequence of \(B, K\) tensors or a \(V, B, K\) tensor"
    ):
        dino_loss(student=torch.zeros(8, 16), teacher=t, center=torch.zeros(1, 16))
    with pytest.raises(ValueError, match=r"^momentum: expected a number in \[0, 1\], got 1.5$"):
        update_center(center=torch.zeros(1, 16), teacher=t, momentum=1.5)
    with pytest.raises(ValueError, match=r"^teacher_temp: expected a positive number, got 0.0$"):
        dino_loss(student=s, teacher=t, center=torch.zeros(1, 16), teacher_temp=0.0)
    with pytest.raises(TypeError, match=r"^center: expected a floating-point tensor, got torch.int64$"):
        dino_loss(student=s, teacher=t, center=torch.zeros(1, 16, dtype=torch.long))


def test_every_argument_is_keyword_only():
    # the official DINOLoss takes (student, teacher), lightly's (teacher, student): no positional call
    student, teacher = _crops(4, 3, 5, 11), _crops(2, 3, 5, 12, grad=False)
    center = torch.zeros(1, 5, dtype=torch.float64)
    with pytest.raises(TypeError, match="positional"):
        dino_loss(student, teacher, center)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional"):
        update_center(center, teacher)  # type: ignore[misc]
    loss = dino_loss(student=student, teacher=teacher, center=center, student_temp=0.2, teacher_temp=0.05)
    swapped_temps = dino_loss(
        student=student, teacher=teacher, center=center, student_temp=0.05, teacher_temp=0.2
    )
    assert not torch.equal(loss, swapped_temps)
