r"""Log-sum-exp over the rows (and columns) of a scaled similarity matrix, dense or in blocks.

The shared core of :func:`~ssl_kb.losses.info_nce.info_nce` and :func:`~ssl_kb.losses.clip.clip_loss`.
For queries :math:`q \in \mathbb{R}^{M \times D}`, keys :math:`k \in \mathbb{R}^{N \times D}` and a scale
:math:`s` the logits are :math:`L_{ij} = s\, q_i^\top k_j`, with an optional excluded column per row
(:math:`L_{i, e_i} = -\infty`, SimCLR's "k != i"), and

.. math::

    \mathrm{lse}^{\mathrm{row}}_i = \log \sum_j e^{L_{ij}}, \qquad
    \mathrm{lse}^{\mathrm{col}}_j = \log \sum_i e^{L_{ij}}.

The gradient is :math:`\partial \mathrm{lse}^{\mathrm{row}}_i / \partial L_{ij} = \mathrm{softmax}_j(L_i)`;
with :math:`G = g^{\mathrm{row}} \odot P^{\mathrm{row}} + g^{\mathrm{col}} \odot P^{\mathrm{col}}`:
:math:`\nabla_q = s\, G k`, :math:`\nabla_k = s\, G^\top q`, :math:`\nabla_s = \sum_{ij} G_{ij} q_i^\top k_j`.

Two paths, same values and gradients:

- dense (``chunk_size=None``): one :math:`M \times N` matrix, transformed in place and kept for
  backward; the fewest passes over memory, which is what decides speed on a CPU;
- chunked (``chunk_size=c``): blocks of :math:`c \times c`; an online log-sum-exp (running max and
  running sum, as in FlashAttention, arXiv 2205.14135, Algorithm 1) in forward, and the blocks recomputed
  in backward, so that no more than one :math:`c \times c` block (and a scratch copy) is alive at once
  (memory :math:`O((M + N) D + c^2)` instead of :math:`O(MN)`).

Inputs must already be float32 or float64 (the losses cast half inputs up before calling); everything is
computed in that dtype.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["pairwise_logsumexp"]


def pairwise_logsumexp(
    q: torch.Tensor,
    k: torch.Tensor,
    scale: torch.Tensor,
    *,
    exclude: torch.Tensor | None = None,
    with_cols: bool = False,
    chunk_size: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Row (and column) log-sum-exp of :math:`L = s\, q k^\top`, differentiable in ``q``, ``k``, ``scale``.

    Args:
        q: queries ``[M, D]``, float32 or float64.
        k: keys ``[N, D]``, same dtype and device (may be the same tensor as ``q``).
        scale: 0-dim tensor :math:`s` (may require grad).
        exclude: optional long tensor ``[M]``: row ``i`` leaves out column ``exclude[i]``
            (:math:`L_{i,\mathrm{exclude}_i} = -\infty`), which also drops it from the column sums.
        with_cols: also return the column log-sum-exp (else an empty tensor).
        chunk_size: ``None`` for the dense path, else the block size of the chunked path.

    Returns:
        ``(lse_rows [M], lse_cols [N] or [0])`` in ``q``'s dtype.

    >>> q = torch.eye(2, dtype=torch.float64)
    >>> rows, cols = pairwise_logsumexp(q, q, torch.tensor(1.0, dtype=torch.float64), with_cols=True)
    >>> torch.allclose(rows, torch.log(torch.tensor(1.0 + torch.e, dtype=torch.float64)))
    True
    >>> torch.equal(rows, cols)
    True
    """
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive int or None, got {chunk_size}")
    if q.dtype not in (torch.float32, torch.float64) or k.dtype != q.dtype or scale.dtype != q.dtype:
        raise TypeError(
            f"q, k, scale: expected one dtype, float32 or float64, got {q.dtype}, {k.dtype}, {scale.dtype}"
        )
    out: tuple[torch.Tensor, torch.Tensor] = _PairwiseLogSumExp.apply(
        q, k, scale.reshape(()), exclude, with_cols, chunk_size
    )
    return out


def _mask_excluded(logits: torch.Tensor, exclude: torch.Tensor | None, r0: int, c0: int) -> None:
    """Set ``logits[i - r0, exclude[i] - c0] = -inf`` in place for the rows whose excluded column is here."""
    if exclude is None:
        return
    rows = torch.arange(r0, r0 + logits.shape[0], device=logits.device)
    cols = exclude[r0 : r0 + logits.shape[0]] - c0
    hit = (cols >= 0) & (cols < logits.shape[1])
    logits[rows[hit] - r0, cols[hit]] = float("-inf")


def _combine(m: torch.Tensor, s: torch.Tensor, m_blk: torch.Tensor, s_blk: torch.Tensor) -> None:
    """Online log-sum-exp: merge a block's (max, sum of exp(x - max)) into the running pair, in place."""
    m_new = torch.maximum(m, m_blk)
    s.mul_(torch.exp(m - m_new)).add_(s_blk * torch.exp(m_blk - m_new))
    m.copy_(m_new)


class _PairwiseLogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        q: torch.Tensor,
        k: torch.Tensor,
        scale: torch.Tensor,
        exclude: torch.Tensor | None,
        with_cols: bool,
        chunk_size: int | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        qs = q * scale
        m_rows, n_cols = q.shape[0], k.shape[0]
        # The finite floor stands in for -inf so that a row whose entries are all excluded so far
        # gives exp(floor - floor) * 0 rather than exp(-inf + inf) = NaN.
        floor = torch.finfo(q.dtype).min
        if chunk_size is None:
            logits = qs @ k.T
            _mask_excluded(logits, exclude, 0, 0)
            mx_r = logits.amax(1, keepdim=True)
            if exclude is not None:  # a row or column may then have nothing left
                mx_r.clamp_min_(floor)
            if with_cols:
                mx_c = logits.amax(0, keepdim=True)
                if exclude is not None:
                    mx_c.clamp_min_(floor)
                probs_r = torch.sub(logits, mx_r).exp_()
                sums_r = probs_r.sum(1, keepdim=True)
                probs_r.div_(sums_r)
                probs_c = logits.sub_(mx_c).exp_()  # in place: the logits are not needed again
                sums_c = probs_c.sum(0, keepdim=True)
                probs_c.div_(sums_c)
                lse_r = sums_r[:, 0].log().add_(mx_r[:, 0])
                lse_c = sums_c[0].log().add_(mx_c[0])
                saved = (probs_r, probs_c)  # both softmaxes: backward needs no new M x N buffer
            else:
                probs_r = logits.sub_(mx_r).exp_()  # in place: the logits are not needed again
                sums_r = probs_r.sum(1, keepdim=True)
                probs_r.div_(sums_r)
                lse_r = sums_r[:, 0].log().add_(mx_r[:, 0])
                lse_c = q.new_empty(0)
                saved = (probs_r,)
            ctx.save_for_backward(q, qs, k, scale, exclude, lse_r, lse_c, *saved)
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
            ctx.save_for_backward(q, qs, k, scale, exclude, lse_r, lse_c)
        ctx.with_cols = with_cols
        ctx.chunk_size = chunk_size
        if not with_cols:
            ctx.mark_non_differentiable(lse_c)
        return lse_r, lse_c

    @staticmethod
    def backward(ctx: Any, g_r: torch.Tensor | None, g_c: torch.Tensor | None) -> tuple[Any, ...]:
        q, qs, k, scale, exclude, lse_r, lse_c, *saved = ctx.saved_tensors
        if g_r is None:
            g_r = torch.zeros_like(lse_r)
        use_cols = ctx.with_cols and g_c is not None
        if ctx.chunk_size is None:
            # G = diag(g_r) P_r + P_c diag(g_c), applied without forming G: G k and G^T (s q)
            probs_r = saved[0]
            grad_qs = (probs_r @ k).mul_(g_r[:, None])
            grad_k = probs_r.T @ (qs * g_r[:, None])
            if ctx.with_cols:
                probs_c = saved[1]
                if use_cols:
                    grad_qs.addmm_(probs_c, k * g_c[:, None])
                    grad_k.add_((probs_c.T @ qs).mul_(g_c[:, None]))
        else:
            c = ctx.chunk_size
            grad_qs = torch.zeros_like(q)  # G k, i.e. d loss / d (s q)
            grad_k = torch.zeros_like(k)
            for r0 in range(0, q.shape[0], c):
                r1 = min(r0 + c, q.shape[0])
                for c0 in range(0, k.shape[0], c):
                    c1 = min(c0 + c, k.shape[0])
                    blk = qs[r0:r1] @ k[c0:c1].T
                    _mask_excluded(blk, exclude, r0, c0)
                    grad = torch.sub(blk, lse_r[r0:r1, None]).exp_().mul_(g_r[r0:r1, None])
                    if use_cols:
                        blk.sub_(lse_c[None, c0:c1]).exp_().mul_(g_c[None, c0:c1])
                        grad.add_(blk)
                    del blk
                    grad_qs[r0:r1].addmm_(grad, k[c0:c1])
                    grad_k[c0:c1].addmm_(grad.T, qs[r0:r1])
                    del grad
        grad_q = grad_qs * scale if ctx.needs_input_grad[0] else None
        grad_scale = (q * grad_qs).sum() if ctx.needs_input_grad[2] else None
        return grad_q, grad_k, grad_scale, None, None, None
