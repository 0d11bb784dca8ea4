r"""Summed cross-entropies over the rows and columns of a scaled similarity matrix, dense or in blocks.

The shared core of :func:`~ssl_kb.losses.info_nce.info_nce` and :func:`~ssl_kb.losses.clip.clip_loss`.
For queries :math:`q \in \mathbb{R}^{M \times D}`, keys :math:`k \in \mathbb{R}^{N \times D}` and a scale
:math:`s` the logits are :math:`L_{ij} = s\, q_i^\top k_j`, with an optional excluded column per row
(:math:`L_{i, e_i} = -\infty`, SimCLR's "k != i") and a positive column :math:`p(i)` per row:

.. math::

    T = w_r \sum_i \Bigl(\log \sum_j e^{L_{ij}} - L_{i p(i)}\Bigr)
      + w_c \sum_j \Bigl(\log \sum_i e^{L_{ij}} - L_{p^{-1}(j) j}\Bigr) ,

i.e. weighted sums of the cross-entropies of the rows (and, with :math:`w_c > 0`, of the columns, which
needs :math:`p` to be a bijection: CLIP's diagonal). Backward: with
:math:`G = w_r P^{\mathrm{row}} + w_c P^{\mathrm{col}} - (w_r + w_c) Y` (row- and column-softmax of
:math:`L`, :math:`Y` the one-hot positives), :math:`\nabla_q T = s\, G k`, :math:`\nabla_k T = s\, G^\top q`,
:math:`\nabla_s T = \sum_{ij} G_{ij}\, q_i^\top k_j`; the positive part of :math:`G` is applied as
:math:`M \times D` gathers, never as a matrix.

Two paths, same values and gradients:

- dense (``chunk_size=None``): one :math:`M \times N` matrix, turned in place into the softmax part of
  :math:`G` and kept for backward (two matrix products there); few passes over memory and no
  recomputation;
- chunked (``chunk_size=c``): blocks of :math:`c \times c`; an online log-sum-exp (running max and
  running sum, as in FlashAttention, arXiv 2205.14135, Algorithm 1) in forward, and the blocks of
  :math:`G` recomputed in backward, so that no more than a :math:`c \times c` block and its scratch copy
  are alive at once: memory :math:`O((M + N) D + c^2)` instead of :math:`O(MN)`.

Inputs must already be float32 or float64 (the losses cast half inputs up before calling); everything is
computed in that dtype.
"""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = ["cross_entropy_total"]


def cross_entropy_total(
    q: torch.Tensor,
    k: torch.Tensor,
    scale: torch.Tensor,
    positive: torch.Tensor,
    *,
    row_weight: float,
    col_weight: float = 0.0,
    exclude: torch.Tensor | None = None,
    chunk_size: int | None = None,
) -> torch.Tensor:
    r""":math:`T` of the module docstring: weighted row (and column) cross-entropies of :math:`s\, q k^\top`.

    Args:
        q: queries ``[M, D]``, float32 or float64.
        k: keys ``[N, D]``, same dtype and device (may be the same tensor as ``q``).
        scale: 0-dim tensor :math:`s` (may require grad).
        positive: long tensor ``[M]``, the positive column :math:`p(i)` of each row; with
            ``col_weight > 0`` a permutation of ``range(N)`` (``M == N``).
        row_weight: :math:`w_r \ge 0`.
        col_weight: :math:`w_c \ge 0`; 0 skips the columns.
        exclude: optional long tensor ``[M]``: row ``i`` leaves out column ``exclude[i]``
            (:math:`L_{i,\mathrm{exclude}_i} = -\infty`), which also drops it from the column sums.
        chunk_size: ``None`` for the dense path, else the block size of the chunked path.

    Returns:
        0-dim tensor in ``q``'s dtype.

    >>> q = torch.eye(2, dtype=torch.float64)
    >>> s = torch.tensor(1.0, dtype=torch.float64)
    >>> total = cross_entropy_total(q, q, s, torch.arange(2), row_weight=0.5, col_weight=0.5)
    >>> torch.allclose(total, 2 * torch.log(torch.tensor(1.0 + torch.e, dtype=torch.float64)) - 2)
    True
    """
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive int or None, got {chunk_size}")
    if q.dtype not in (torch.float32, torch.float64) or k.dtype != q.dtype or scale.dtype != q.dtype:
        raise TypeError(
            f"q, k, scale: expected one dtype, float32 or float64, got {q.dtype}, {k.dtype}, {scale.dtype}"
        )
    if not (row_weight >= 0 and col_weight >= 0):
        raise ValueError(
            f"row_weight, col_weight: expected non-negative numbers, got {row_weight}, {col_weight}"
        )
    if positive.shape != (q.shape[0],):
        raise ValueError(f"positive: expected ({q.shape[0]},), got {tuple(positive.shape)}")
    if col_weight > 0 and q.shape[0] != k.shape[0]:
        raise ValueError(
            f"col_weight: columns need M == N (a bijective positive), got {q.shape[0]} and {k.shape[0]}"
        )
    # torch declares Function.apply without annotations; its result here is the loss tensor
    out: torch.Tensor = _CrossEntropyTotal.apply(  # type: ignore[no-untyped-call]
        q, k, scale.reshape(()), positive, exclude, float(row_weight), float(col_weight), chunk_size
    )
    return out


def _mask_excluded(logits: torch.Tensor, exclude: torch.Tensor | None, r0: int, c0: int) -> None:
    """Set ``logits[i - r0, exclude[i] - c0] = -inf`` in place for the rows whose excluded column is here."""
    if exclude is None:
        return
    width = logits.shape[1]
    cols = (exclude[r0 : r0 + logits.shape[0]] - c0)[:, None]
    inside = (cols >= 0) & (cols < width)
    cols = cols.clamp(0, width - 1)
    # no boolean indexing (a host sync on GPUs): rows whose excluded column lies elsewhere write back
    # the value they already hold
    current = logits.gather(1, cols)
    logits.scatter_(1, cols, torch.where(inside, torch.full_like(current, float("-inf")), current))


def _combine(m: torch.Tensor, s: torch.Tensor, m_blk: torch.Tensor, s_blk: torch.Tensor) -> None:
    """Online log-sum-exp: merge a block's (max, sum of exp(x - max)) into the running pair, in place."""
    m_new = torch.maximum(m, m_blk)
    s.mul_(torch.exp(m - m_new)).add_(s_blk * torch.exp(m_blk - m_new))
    m.copy_(m_new)


def _log(weight: float) -> float:
    return math.log(weight) if weight > 0 else float("-inf")


class _CrossEntropyTotal(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        q: torch.Tensor,
        k: torch.Tensor,
        scale: torch.Tensor,
        positive: torch.Tensor,
        exclude: torch.Tensor | None,
        w_r: float,
        w_c: float,
        chunk_size: int | None,
    ) -> torch.Tensor:
        qs = q * scale
        m_rows, n_cols = q.shape[0], k.shape[0]
        with_cols = w_c > 0
        # With exclusions a row (or column) may have nothing left so far; the finite floor keeps
        # exp(floor - floor) * 0 = 0 there instead of exp(-inf + inf) = NaN.
        floor = torch.finfo(q.dtype).min
        if chunk_size is None:
            logits = qs @ k.T
            positives = logits.gather(1, positive[:, None]).sum()
            _mask_excluded(logits, exclude, 0, 0)
            mx_r = logits.amax(1, keepdim=True)
            if exclude is not None:
                mx_r.clamp_min_(floor)
            if with_cols:
                mx_c = logits.amax(0, keepdim=True)
                if exclude is not None:
                    mx_c.clamp_min_(floor)
                grad = torch.sub(logits, mx_r).exp_()
                sums_r = grad.sum(1, keepdim=True)
                grad.div_(sums_r / w_r)  # w_r * row softmax
                probs_c = logits.sub_(mx_c).exp_()  # in place: the logits are not needed again
                sums_c = probs_c.sum(0, keepdim=True)
                grad.add_(probs_c.div_(sums_c / w_c))  # + w_c * column softmax
                del probs_c, logits
                total = (
                    (sums_r.log_() + mx_r).sum() * w_r
                    + (sums_c.log_() + mx_c).sum() * w_c
                    - positives * (w_r + w_c)
                )
            else:
                grad = logits.sub_(mx_r).exp_()  # in place: the logits are not needed again
                sums_r = grad.sum(1, keepdim=True)
                grad.div_(sums_r / w_r)
                total = (sums_r.log_() + mx_r).sum() * w_r - positives * w_r
            ctx.save_for_backward(q, qs, k, scale, positive, grad)
        else:
            c = chunk_size
            m_r = torch.full((m_rows,), floor, dtype=q.dtype, device=q.device)
            s_r = torch.zeros_like(m_r)
            m_c = torch.full((n_cols if with_cols else 0,), floor, dtype=q.dtype, device=q.device)
            s_c = torch.zeros_like(m_c)
            for r0 in range(0, m_rows, c):
                r1 = min(r0 + c, m_rows)
                for c0 in range(0, n_cols, c):
                    c1 = min(c0 + c, n_cols)
                    blk = qs[r0:r1] @ k[c0:c1].T
                    _mask_excluded(blk, exclude, r0, c0)
                    bm = blk.amax(1).clamp_min_(floor)
                    scratch = torch.sub(blk, bm[:, None]).exp_()
                    _combine(m_r[r0:r1], s_r[r0:r1], bm, scratch.sum(1))
                    if with_cols:
                        bm = blk.amax(0).clamp_min_(floor)
                        torch.sub(blk, bm[None, :], out=scratch).exp_()
                        _combine(m_c[c0:c1], s_c[c0:c1], bm, scratch.sum(0))
                    del blk, scratch
            lse_r = s_r.log_().add_(m_r)
            lse_c = s_c.log_().add_(m_c)
            positives = (qs * k[positive]).sum()
            total = lse_r.sum() * w_r + (lse_c.sum() * w_c if with_cols else 0.0) - positives * (w_r + w_c)
            # exp(L - (lse - log w)) = w * softmax: the weights folded into the shifts
            ctx.save_for_backward(q, qs, k, scale, positive, exclude, lse_r - _log(w_r), lse_c - _log(w_c))
        ctx.chunk_size = chunk_size
        ctx.w_pos = w_r + w_c
        return total

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[Any, ...]:
        if ctx.chunk_size is None:
            q, qs, k, scale, positive, grad = ctx.saved_tensors
            grad_qs = torch.mm(grad, k)  # G k = d T / d (s q), softmax part
            grad_k = torch.mm(grad.T, qs)
        else:
            q, qs, k, scale, positive, exclude, shift_r, shift_c = ctx.saved_tensors
            c = ctx.chunk_size
            grad_qs = torch.zeros_like(q)
            grad_k = torch.zeros_like(k)
            for r0 in range(0, q.shape[0], c):
                r1 = min(r0 + c, q.shape[0])
                for c0 in range(0, k.shape[0], c):
                    c1 = min(c0 + c, k.shape[0])
                    blk = qs[r0:r1] @ k[c0:c1].T
                    _mask_excluded(blk, exclude, r0, c0)
                    grad = torch.sub(blk, shift_r[r0:r1, None]).exp_()
                    if shift_c.numel():
                        grad.add_(blk.sub_(shift_c[None, c0:c1]).exp_())
                    del blk
                    grad_qs[r0:r1].addmm_(grad, k[c0:c1])
                    grad_k[c0:c1].addmm_(grad.T, qs[r0:r1])
                    del grad
        # the one-hot part of G: - w_pos at (i, p(i))
        grad_qs.sub_(k[positive], alpha=ctx.w_pos)
        grad_k.index_add_(0, positive, qs, alpha=-ctx.w_pos)
        grad_qs.mul_(g)
        grad_q = grad_qs * scale if ctx.needs_input_grad[0] else None
        grad_scale = (q * grad_qs).sum() if ctx.needs_input_grad[2] else None
        return grad_q, grad_k.mul_(g), grad_scale, None, None, None, None, None
