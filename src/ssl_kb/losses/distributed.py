r"""Gathering embeddings across ranks with gradients, the only place where the losses touch ``torch.distributed``.

:func:`all_gather_with_grad` concatenates the ``[B, ...]`` tensors of all :math:`W` ranks in rank order
(forward: ``all_gather``). Its backward sums the incoming gradients over the ranks (``all_reduce``) and
returns each rank the rows of its own slice, so that

.. math::

    \nabla_{x_r} = \sum_{r'=1}^{W} \frac{\partial \ell_{r'}}{\partial x_r},

the gradient of the sum of all ranks' losses. With DDP, which *averages* parameter gradients over the
ranks, a loss whose value is the same full-batch loss on every rank (what ``info_nce(..., gather=True)``
and ``clip_loss(..., gather=True)`` return) therefore yields exactly the parameter gradients of the
single-process loss on the concatenated batch: each rank's input gradient is :math:`W` times the
single-process one and DDP divides by :math:`W`. This is the convention of SimCLR's official code
(``tpu_cross_replica_concat`` in ``objective.py``, whose gradient is a cross-replica sum; arXiv 2002.05709,
Sec. 2.2 "Training with large batch size") and of open_clip's ``gather_with_grad``
(``torch.distributed.nn.all_gather``).

All ranks must pass tensors of the same shape (checked with a small ``all_gather`` of the shapes, so a
mismatch raises instead of hanging). Without an initialised default process group (or with world size 1)
the functions behave as a single rank: the tensor is returned unchanged.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist

__all__ = ["all_gather_with_grad", "rank_and_world_size"]


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
        rank's slice (see the module docstring for why this is the gradient DDP expects).

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
