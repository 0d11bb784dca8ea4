r"""DINO's self-distillation loss with a centred, sharpened teacher, and the EMA update of the centre.

Caron et al., "Emerging Properties in Self-Supervised Vision Transformers", arXiv 2104.14294, Sec. 3.1,
Eq. (3) (multi-crop loss), Eq. (4) (centre update) and Algorithm 1; official code ``DINOLoss`` in
``main_dino.py`` of facebookresearch/dino.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape, compute_dtype

__all__ = ["dino_loss", "update_center"]


def _check_views(name: str, views: Sequence[torch.Tensor], **known: int) -> dict[str, int]:
    if isinstance(views, torch.Tensor) and views.dim() != 3:
        raise ValueError(
            f"{name}: expected a sequence of (B, K) tensors or a (V, B, K) tensor, got {tuple(views.shape)}"
        )
    if len(views) == 0:
        raise ValueError(f"{name}: expected at least one (B, K) tensor, got an empty sequence")
    sizes = dict(known)
    for v, view in enumerate(views):
        sizes = check_shape(f"{name}[{v}]", view, "B K", **sizes)
        check_floating(f"{name}[{v}]", view)
    return sizes


def dino_loss(
    student_out: Sequence[torch.Tensor],
    teacher_out: Sequence[torch.Tensor],
    center: torch.Tensor,
    student_temp: float = 0.1,
    teacher_temp: float = 0.04,
) -> torch.Tensor:
    r"""Cross-entropy between the teacher's global crops and the student's other crops, averaged over pairs.

    With :math:`P_t^{(i)} = \mathrm{softmax}((g_t^{(i)} - c) / \tau_t)` (centred, sharpened, no gradient)
    and :math:`\log P_s^{(v)} = \mathrm{log\,softmax}(g_s^{(v)} / \tau_s)` row-wise over the :math:`K`
    prototypes (DINO Eq. 3, Algorithm 1):

    .. math::

        \mathcal{L} = \frac{1}{|\{(i, v) : v \ne i\}|} \sum_{i=1}^{T} \sum_{v=1,\, v \ne i}^{V}
            \frac{1}{B} \sum_{b=1}^{B} \sum_{k=1}^{K} -P_{t, bk}^{(i)} \log P_{s, bk}^{(v)} ,

    i.e. :math:`2(V - 1)` pairs for :math:`T = 2` global crops, as ``total_loss / n_loss_terms`` in the
    official code. The teacher branch is detached; gradients reach ``student_out`` only.

    Args:
        student_out: :math:`V` student outputs ``[B, K]``, the :math:`T` global crops first, then the local
            crops (or one ``[V, B, K]`` tensor).
        teacher_out: the teacher's outputs ``[B, K]`` for the global crops, in the same order (DINO uses
            :math:`T = 2`); :math:`T \le V`.
        center: the centre :math:`c` ``[1, K]`` (from :func:`update_center`).
        student_temp: :math:`\tau_s`, default 0.1 (Sec. 3.2, implementation details;
            ``DINOLoss(student_temp=0.1)`` in the official code).
        teacher_temp: :math:`\tau_t`, default 0.04 (``--teacher_temp`` and ``--warmup_teacher_temp``
            defaults in the official code; the paper warms it up linearly from 0.04 to 0.07 over the first
            30 epochs, Sec. 3.2; pass the scheduled value).

    Returns:
        Scalar loss, float32 (float64 if an input is float64); softmaxes computed in float32.

    >>> student = [torch.zeros(2, 4), torch.zeros(2, 4)]
    >>> teacher = [torch.zeros(2, 4), torch.zeros(2, 4)]
    >>> loss = dino_loss(student, teacher, torch.zeros(1, 4))  # uniform vs uniform: log K
    >>> round(loss.item(), 4) == round(torch.log(torch.tensor(4.0)).item(), 4)
    True
    """
    sizes = _check_views("student_out", student_out)
    _check_views("teacher_out", teacher_out, **sizes)
    check_shape("center", center, "1 K", K=sizes["K"])
    check_floating("center", center)
    for name, temp in (("student_temp", student_temp), ("teacher_temp", teacher_temp)):
        if not temp > 0:
            raise ValueError(f"{name}: expected a positive number, got {temp}")
    n_teacher, n_student = len(teacher_out), len(student_out)
    if n_teacher > n_student:
        raise ValueError(
            f"teacher_out: expected at most as many crops as student_out ({n_student}), got {n_teacher}"
        )
    if n_student < 2:
        raise ValueError(
            f"student_out: expected at least 2 crops (no pair v != i otherwise), got {n_student}"
        )
    dtype = compute_dtype(*student_out, *teacher_out, center)
    center_c = center.detach().to(dtype)
    teacher_probs = [F.softmax((t.detach().to(dtype) - center_c) / teacher_temp, dim=-1) for t in teacher_out]
    student_logp = [F.log_softmax(s.to(dtype) / student_temp, dim=-1) for s in student_out]
    total = torch.zeros((), dtype=dtype, device=center.device)
    pairs = 0
    for i, p_t in enumerate(teacher_probs):
        for v, logp_s in enumerate(student_logp):
            if v == i:
                continue
            total = total + (-p_t * logp_s).sum(-1).mean()
            pairs += 1
    return total / pairs


def update_center(
    center: torch.Tensor, teacher_out: Sequence[torch.Tensor], momentum: float = 0.9
) -> torch.Tensor:
    r"""The new centre :math:`c \leftarrow m c + (1 - m)\, \overline{g_t}`, returned as a new ``[1, K]`` tensor.

    :math:`\overline{g_t}` is the mean of the teacher outputs over the batch and both global crops (DINO
    Eq. 4; ``update_center`` in the official code, which also averages over ranks: with several processes,
    pass the teacher outputs gathered from all ranks). No gradient; ``center`` is not modified.

    Args:
        center: ``[1, K]``.
        teacher_out: the teacher's ``[B, K]`` outputs for the global crops.
        momentum: :math:`m` of Eq. 4, default 0.9 (``DINOLoss(center_momentum=0.9)`` in the official code).

    Returns:
        ``[1, K]`` in ``center``'s dtype and device.

    >>> update_center(torch.zeros(1, 2), [torch.ones(3, 2), torch.ones(3, 2)])
    tensor([[0.1000, 0.1000]])
    """
    sizes = _check_views("teacher_out", teacher_out)
    check_shape("center", center, "1 K", K=sizes["K"])
    check_floating("center", center)
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum: expected a number in [0, 1], got {momentum}")
    with torch.no_grad():
        dtype = compute_dtype(center, *teacher_out)
        batch_center = torch.cat([t.to(dtype) for t in teacher_out]).mean(0, keepdim=True)
        new = center.to(dtype) * momentum + batch_center * (1.0 - momentum)
    return new.to(center.dtype)


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """2 global + 8 local crops, K = 65536 prototypes (DINO's default ``--out_dim``), for ``ssl-kb loss``."""
    k = 65536
    student = [
        torch.randn(batch, k, generator=generator).to(device, dtype).requires_grad_() for _ in range(10)
    ]
    teacher = [torch.randn(batch, k, generator=generator).to(device, dtype) for _ in range(2)]
    center = torch.zeros(1, k, device=device, dtype=dtype)
    return (student, teacher, center), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "dino_loss": _example,
}
