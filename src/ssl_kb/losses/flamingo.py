r"""Flamingo's gated cross-attention block (GATED XATTN-DENSE).

Alayrac et al., "Flamingo: a Visual Language Model for Few-Shot Learning", arXiv 2204.14198, Sec. 2.2 and
Fig. 4 (pseudo-code)::

    y = y + tanh(alpha_xattn) * attention(q=y, kv=x)
    y = y + tanh(alpha_dense) * ffw(y)

with ``alpha_xattn = alpha_dense = 0`` at initialisation, so that the frozen language model's behaviour is
unchanged at the start of training; the block is inserted before each (frozen) LM layer. Per-image
attention (Sec. 2.3): a text token attends only to the visual tokens of the image that appeared
last before it in the interleaved sequence (the function :math:`\phi`); tokens before any image attend to
nothing and their cross-attention output is 0. Layer norms are pre-norm inside both branches, as
open_flamingo's ``MaskedCrossAttention`` and ``FeedForward`` (the paper's pseudo-code leaves them implicit).

A module, not a loss: it has parameters, so it is the one ``nn.Module`` of :mod:`ssl_kb.losses`.
"""

from __future__ import annotations

import torch
from torch import nn

from .validation import check_floating, check_shape

__all__ = ["GatedCrossAttentionDense", "media_index_from_locations"]


def media_index_from_locations(media_locations: torch.Tensor) -> torch.Tensor:
    r"""Index of the last image at or before each token (:math:`\phi` of Sec. 2.3); -1 before the first.

    The ``<image>`` token itself belongs to the image it introduces ("at or before"), as open_flamingo's
    ``MaskedCrossAttention`` (``open_flamingo/src/helpers.py``: ``text_time = media_locations.cumsum(-1)``
    compared with ``torch.eq`` to the 1-based image number, rows with ``text_time == 0`` zeroed); the text
    after it, up to the next ``<image>``, attends to that image only.

    Args:
        media_locations: ``[B, N]`` bool, True at the positions of the ``<image>`` tokens.

    Returns:
        ``[B, N]`` long, in ``-1 .. T - 1``.

    >>> media_index_from_locations(torch.tensor([[False, True, False, True, False]])).tolist()
    [[-1, 0, 0, 1, 1]]
    """
    check_shape("media_locations", media_locations, "B N")
    if media_locations.is_floating_point():
        raise TypeError(f"media_locations: expected a bool tensor, got {media_locations.dtype}")
    return media_locations.long().cumsum(1) - 1


class GatedCrossAttentionDense(nn.Module):
    r"""Gated cross-attention from text tokens to visual tokens, then a gated dense feed-forward block.

    .. math::
        y' = y + \tanh(\alpha_\text{xattn})\, \operatorname{Attn}(\operatorname{LN}(y), x),\qquad
        y'' = y' + \tanh(\alpha_\text{dense})\, \operatorname{FFW}(\operatorname{LN}(y'))

    Shapes: text ``y`` ``[B, N, D]``; visual tokens ``x`` ``[B, T, M, D_v]`` (T images with M tokens each,
    the Perceiver Resampler's latents) or ``[B, M, D_v]`` (one image). Attention logits and softmax are in
    float32 for half inputs.

    Args:
        dim: ``D`` of the text tokens.
        dim_visual: ``D_v`` of the visual tokens; defaults to ``dim``.
        heads: attention heads; 8.
        dim_head: 64.
        ff_mult: FFW hidden size multiplier; 4. The defaults are open_flamingo's (mlfoundations/open_flamingo,
            ``GatedCrossAttentionBlock``); the paper's sizes per model are in its appendix.

    >>> block = GatedCrossAttentionDense(16, heads=2, dim_head=8)
    >>> y, x = torch.randn(2, 5, 16), torch.randn(2, 3, 4, 16)
    >>> torch.equal(block(y, media=x), y)  # tanh(0) = 0: identity at initialisation
    True
    """

    def __init__(
        self, dim: int, *, dim_visual: int | None = None, heads: int = 8, dim_head: int = 64, ff_mult: int = 4
    ) -> None:
        super().__init__()
        dim_visual = dim if dim_visual is None else dim_visual
        inner = heads * dim_head
        self.heads, self.dim_head = heads, dim_head
        self.norm = nn.LayerNorm(dim)
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim_visual, 2 * inner, bias=False)
        self.to_out = nn.Linear(inner, dim, bias=False)
        self.alpha_xattn = nn.Parameter(torch.zeros(1))
        self.ff = nn.Sequential(
            nn.LayerNorm(dim),
            nn.Linear(dim, ff_mult * dim, bias=False),
            nn.GELU(),
            nn.Linear(ff_mult * dim, dim, bias=False),
        )
        self.alpha_dense = nn.Parameter(torch.zeros(1))

    def attention(
        self, y: torch.Tensor, media: torch.Tensor, media_index: torch.Tensor | None
    ) -> torch.Tensor:
        """Masked multi-head cross-attention ``[B, N, D]``; rows with no visible visual token give 0."""
        b, n, _ = y.shape
        _, t, m, _ = media.shape
        h, dh = self.heads, self.dim_head
        q = self.to_q(self.norm(y)).view(b, n, h, dh).transpose(1, 2)  # [B, h, N, dh]
        k, v = self.to_kv(media.reshape(b, t * m, -1)).chunk(2, dim=-1)
        k = k.view(b, t * m, h, dh).transpose(1, 2)  # [B, h, T*M, dh]
        v = v.view(b, t * m, h, dh).transpose(1, 2)
        acc = torch.float64 if y.dtype == torch.float64 else torch.float32
        logits = torch.matmul(q.to(acc), k.to(acc).transpose(-1, -2)) * dh**-0.5  # [B, h, N, T*M]
        if media_index is None:
            allowed = torch.ones(b, n, t * m, dtype=torch.bool, device=y.device)
        else:
            image_of_key = torch.arange(t, device=y.device).repeat_interleave(m)  # [T*M]
            allowed = media_index.unsqueeze(-1) == image_of_key  # [B, N, T*M]
        allowed = allowed.unsqueeze(1)
        logits = logits.masked_fill(~allowed, float("-inf"))
        any_allowed = allowed.any(-1, keepdim=True)
        weights = torch.softmax(torch.where(any_allowed, logits, 0.0), dim=-1)
        weights = torch.where(any_allowed, weights, 0.0)
        out = torch.matmul(weights, v.to(acc)).to(y.dtype)  # [B, h, N, dh]
        projected: torch.Tensor = self.to_out(out.transpose(1, 2).reshape(b, n, h * dh))
        return projected

    def forward(
        self, y: torch.Tensor, *, media: torch.Tensor, media_index: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Apply the block.

        ``media`` is keyword-only: one image's tokens ``[B, M, D_v]`` have the text's shape when
        ``D_v = D``, and a swapped call would run.

        Args:
            y: text tokens ``[B, N, D]``.
            media: visual tokens ``[B, T, M, D_v]`` or ``[B, M, D_v]``.
            media_index: ``[B, N]`` long, the image (``0 .. T-1``) each token attends to, -1 = none
                (:func:`media_index_from_locations`); ``None`` = every token attends to all visual tokens.

        Returns:
            ``[B, N, D]``, ``y``'s dtype; exactly ``y`` while both gates are 0.
        """
        sizes = check_shape("y", y, "B N D")
        check_floating("y", y)
        if media.dim() == 3:
            media = media.unsqueeze(1)
        check_shape("media", media, "B T M E", B=sizes["B"])
        if media_index is not None:
            check_shape("media_index", media_index, "B N", B=sizes["B"], N=sizes["N"])
            if media_index.is_floating_point() or media_index.dtype == torch.bool:
                raise TypeError(f"media_index: expected a long tensor, got {media_index.dtype}")
            if media_index.numel() and (
                int(media_index.min()) < -1 or int(media_index.max()) >= media.shape[1]
            ):
                raise ValueError(
                    f"media_index: expected values in -1..{media.shape[1] - 1}, "
                    f"got {int(media_index.min())}..{int(media_index.max())}"
                )
        y = y + torch.tanh(self.alpha_xattn).to(y.dtype) * self.attention(y, media, media_index)
        dense: torch.Tensor = self.ff(y)
        return y + torch.tanh(self.alpha_dense).to(y.dtype) * dense
