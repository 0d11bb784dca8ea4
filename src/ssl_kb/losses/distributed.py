r"""Contrastive losses across ranks: the only module of :mod:`ssl_kb.losses` that touches ``torch.distributed``.

The losses themselves (:func:`~ssl_kb.losses.info_nce.info_nce`, :func:`~ssl_kb.losses.clip.clip_loss`)
are pure: they take this rank's rows and, optionally, the keys of the whole batch (``keys=``,
``offset=``). This module gathers those keys and averages the per-rank losses:
:func:`info_nce_across_ranks` and :func:`clip_loss_across_ranks`.

Gathering. :func:`all_gather_with_grad` concatenates the ``[B, ...]`` tensors of all :math:`W` ranks in
rank order (forward: ``all_gather``). Its backward sums the incoming gradients over the ranks
(``all_reduce``) and returns each rank the rows of its own slice, so that

.. math::

    \nabla_{x_r} = \sum_{r'=1}^{W} \frac{\partial \ell_{r'}}{\partial x_r},

the gradient of the sum of all ranks' losses.

Why the gradients come out right under DDP. Each rank computes its :math:`B` queries against the
gathered :math:`WB` keys; the wrappers return the mean of the :math:`W` per-rank losses, gathered with
:func:`all_gather_with_grad` too, so every rank holds the single-process loss :math:`\mathcal{L}` of the
concatenated batch. Its gradient flows back through both gathers, and each rank's input gradient is
:math:`W \, \partial \mathcal{L} / \partial x_r` (every rank back-propagates the same full loss, and the
gathers' backward sums the :math:`W` copies). DDP *averages* parameter gradients over the ranks, which
divides by :math:`W`: the parameter gradients are exactly those of the single-process loss on the
concatenated batch. (A plain ``all_gather`` without gradient would drop the key paths of the other
ranks' rows and give wrong gradients.) This is the convention of SimCLR's official code
(``tpu_cross_replica_concat`` in ``objective.py``, whose gradient is a cross-replica sum; arXiv 2002.05709,
Sec. 2.2 "Training with large batch size") and of open_clip's ``gather_with_grad``
(``torch.distributed.nn.all_gather``) with ``ClipLoss(local_loss=True)``.

All ranks must pass tensors of the same shape (checked with a small ``all_gather`` of the shapes, so a
mismatch raises instead of hanging). Without an initialised default process group (or with world size 1)
the functions behave as a single rank: the tensor is returned unchanged, the wrappers are the plain losses.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist

from .clip import clip_loss
from .info_nce import info_nce
from .validation import check_shape

__all__ = ["all_gather_with_grad", "clip_loss_across_ranks", "info_nce_across_ranks", "rank_and_world_size"]


def rank_and_world_size(group: Any = None) -> tuple[int, int]:
    """``(rank, world_size)`` of this process in ``group``; ``(0, 1)`` without an initialised process group.

    >>> rank_and_world_size()
    (0, 1)
    """
    if not (dist.is_available() and dist.is_initialized()):
        return 0, 1
    return dist.get_rank(group), dist.get_world_size(group)


def all_gather_with_grad(x: torch.Tensor, *, group: Any = None) -> torch.Tensor:
    r"""Concatenate ``x`` from all ranks along dim 0, with gradients flowing back to every rank.

    Args:
        x: ``[B, ...]``, the same shape on every rank.
        group: process group (default: the world).

    Returns:
        ``[W * B, ...]``: rank 0's rows first. Backward: ``all_reduce(SUM)`` of the gradient, then this
        rank's slice (the module docstring says why this is the gradient DDP expects).

    >>> x = torch.ones(2, 3, requires_grad=True)
    >>> all_gather_with_grad(x) is x  # no process group: a single rank
    True
    """
    _, world = rank_and_world_size(group)
    if world == 1:
        return x
    if x.dim() == 0:
        raise ValueError(f"x: expected at least one dimension (B, ...), got {tuple(x.shape)}")
    # torch declares Function.apply without annotations; its result here is the gathered tensor
    out: torch.Tensor = _AllGather.apply(x, group)  # type: ignore[no-untyped-call]
    return out


def _pair_across_ranks(
    x: torch.Tensor, y: torch.Tensor, group: Any
) -> tuple[tuple[torch.Tensor, torch.Tensor], int]:
    """Gather ``x`` and ``y`` (``[B, D]`` each) in one collective; return them and this rank's offset."""
    gathered = all_gather_with_grad(torch.cat([x, y], 1), group=group)
    rank, _ = rank_and_world_size(group)
    d = x.shape[1]
    return (gathered[:, :d], gathered[:, d:]), rank * x.shape[0]


def _mean_over_ranks(loss: torch.Tensor, group: Any) -> torch.Tensor:
    return all_gather_with_grad(loss.reshape(1), group=group).mean()


def info_nce_across_ranks(
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    temperature: float | torch.Tensor = 0.5,
    *,
    chunk_size: int | None = None,
    group: Any = None,
) -> torch.Tensor:
    r""":func:`~ssl_kb.losses.info_nce.info_nce` over the batch of all ranks (SimCLR, arXiv 2002.05709, Sec. 2.2).

    Gathers both views of every rank (one :func:`all_gather_with_grad`), computes this rank's :math:`2B`
    queries against the :math:`2WB` keys (``info_nce(..., keys=, offset=rank * B)``), and returns the mean
    over ranks: every rank gets the single-process loss of the concatenated batch, and after DDP averages
    the parameter gradients, the single-process gradients (module docstring).

    Args:
        z_a, z_b: this rank's ``[B, D]`` views, the same ``B`` and ``D`` on every rank.
        temperature, chunk_size: as :func:`~ssl_kb.losses.info_nce.info_nce` (default 0.5 and dense).
        group: process group (default: the world).

    Returns:
        Scalar loss, float32 (float64 if an input is float64), equal on every rank.

    >>> z = torch.ones(4, 3)
    >>> torch.equal(info_nce_across_ranks(z, z), info_nce(z, z))  # no process group: one rank
    True
    """
    _, world = rank_and_world_size(group)
    if world == 1:
        return info_nce(z_a, z_b, temperature, chunk_size=chunk_size)
    sizes = check_shape("z_a", z_a, "B D")
    check_shape("z_b", z_b, "B D", **sizes)
    keys, offset = _pair_across_ranks(z_a, z_b, group)
    loss = info_nce(z_a, z_b, temperature, chunk_size=chunk_size, keys=keys, offset=offset)
    return _mean_over_ranks(loss, group)


def clip_loss_across_ranks(
    image_features: torch.Tensor,
    text_features: torch.Tensor,
    logit_scale: float | torch.Tensor,
    *,
    chunk_size: int | None = None,
    group: Any = None,
) -> torch.Tensor:
    r""":func:`~ssl_kb.losses.clip.clip_loss` over the batch of all ranks (CLIP, arXiv 2103.00020, Sec. 2.5).

    As open_clip's ``ClipLoss(local_loss=True, gather_with_grad=True)``: gathers every rank's image and
    text features (one :func:`all_gather_with_grad`), makes this rank's images (texts) queries against all
    texts (images) (``clip_loss(..., keys=, offset=rank * B)``) and returns the mean over ranks, the
    single-process loss of the concatenated batch on every rank (gradients: module docstring).

    Args:
        image_features, text_features: this rank's ``[B, D]`` features, the same shape on every rank.
        logit_scale, chunk_size: as :func:`~ssl_kb.losses.clip.clip_loss`.
        group: process group (default: the world).

    Returns:
        Scalar loss, float32 (float64 if an input is float64), equal on every rank.

    >>> u = torch.eye(3)
    >>> torch.equal(clip_loss_across_ranks(u, u, 1.0), clip_loss(u, u, 1.0))  # no process group
    True
    """
    _, world = rank_and_world_size(group)
    if world == 1:
        return clip_loss(image_features, text_features, logit_scale, chunk_size=chunk_size)
    sizes = check_shape("image_features", image_features, "B D")
    check_shape("text_features", text_features, "B D", **sizes)
    keys, offset = _pair_across_ranks(image_features, text_features, group)
    loss = clip_loss(
        image_features, text_features, logit_scale, chunk_size=chunk_size, keys=keys, offset=offset
    )
    return _mean_over_ranks(loss, group)


def _check_same_shape(x: torch.Tensor, group: Any, world: int) -> None:
    if x.dim() > 8:
        raise ValueError(f"x: expected at most 8 dimensions, got {tuple(x.shape)}")
    shape = torch.tensor([x.dim(), *x.shape, *([0] * (8 - x.dim()))], dtype=torch.long, device=x.device)
    shapes = [torch.empty_like(shape) for _ in range(world)]
    dist.all_gather(shapes, shape, group=group)
    found = {tuple(s[1 : 1 + int(s[0])].tolist()) for s in shapes}
    if len(found) > 1:
        raise ValueError(f"x: expected the same shape on every rank, got {sorted(found)}")


class _AllGather(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, group: Any) -> torch.Tensor:
        rank, world = rank_and_world_size(group)
        _check_same_shape(x, group, world)
        x = x.contiguous()
        parts = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(parts, x, group=group)
        ctx.rank, ctx.rows, ctx.group = rank, x.shape[0], group
        return torch.cat(parts, 0)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM, group=ctx.group)
        return grad[ctx.rank * ctx.rows : (ctx.rank + 1) * ctx.rows], None
