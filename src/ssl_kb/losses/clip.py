r"""CLIP's symmetric contrastive loss over image-text cosine similarities, dense, chunked or across ranks.

Radford et al., "Learning Transferable Visual Models From Natural Language Supervision", arXiv 2103.00020,
Sec. 2.3 and Figure 3 (numpy-like pseudocode).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from .distributed import all_gather_with_grad, rank_and_world_size
from .similarity import cross_entropy_total
from .validation import check_floating, check_shape, compute_dtype

__all__ = ["clip_loss"]


def clip_loss(
    image_features: torch.Tensor,
    text_features: torch.Tensor,
    logit_scale: float | torch.Tensor,
    *,
    chunk_size: int | None = None,
    gather: bool = False,
) -> torch.Tensor:
    r"""Mean of the image-to-text and text-to-image cross-entropies over :math:`s \cos(I_i, T_j)`.

    With :math:`u_i = I_i / \lVert I_i \rVert`, :math:`v_j = T_j / \lVert T_j \rVert` and
    :math:`L_{ij} = s\, u_i^\top v_j` (CLIP Figure 3; the matching pair of row :math:`i` is column :math:`i`):

    .. math::

        \mathcal{L} = \frac{1}{2B} \sum_{i=1}^{B}
            \Bigl[ \Bigl(\log \sum_j e^{L_{ij}} - L_{ii}\Bigr)
                 + \Bigl(\log \sum_j e^{L_{ji}} - L_{ii}\Bigr) \Bigr].

    ``logit_scale`` is :math:`s` itself, applied as given: CLIP learns :math:`\log s` (initialised to
    :math:`\log(1/0.07)`, Sec. 2.5) and clips :math:`s` at 100; the trainer does the ``exp`` and the clamp.
    The loss is symmetric in swapping images and texts. Identical features give :math:`\log B`.

    Args:
        image_features: ``[B, D]`` (any float dtype; L2-normalised here).
        text_features: ``[B, D]``; row ``i`` describes image ``i``.
        logit_scale: :math:`s`, a float or a one-element tensor; gradient flows into a tensor.
        chunk_size: ``None``: one dense :math:`B \times B` matrix, kept (as the combined softmax) for
            backward; an int: the blockwise path of :mod:`ssl_kb.losses.similarity` (never more than a
            ``chunk_size x chunk_size`` block alive, blocks recomputed in backward), same value and
            gradients.
        gather: compute over the batch of all ranks, as open_clip's ``ClipLoss(local_loss=True,
            gather_with_grad=True)``: each rank's images (texts) are queries against all ranks' texts
            (images); the mean over ranks is returned, so every rank gets the single-process loss of the
            concatenated batch, and after DDP averages parameter gradients, the single-process gradients
            (each rank's input gradient is :math:`W` times the single-process one). Equal ``B`` on every
            rank is required; without a process group this is world size 1.

    Returns:
        Scalar loss, float32 (float64 if an input is float64); computed in float32 for bf16/fp16 inputs.

    >>> u = torch.eye(3)
    >>> loss = clip_loss(u, u, 1.0)  # log(1 + (B - 1) e^{-s}) for orthonormal matched pairs
    >>> round(loss.item(), 5) == round(torch.log(1 + 2 * torch.exp(torch.tensor(-1.0))).item(), 5)
    True
    """
    sizes = check_shape("image_features", image_features, "B D")
    check_shape("text_features", text_features, "B D", **sizes)
    check_floating("image_features", image_features)
    check_floating("text_features", text_features)
    batch = sizes["B"]
    if batch < 1:
        raise ValueError(
            f"image_features: expected at least one row (B >= 1), got {tuple(image_features.shape)}"
        )
    dtype = compute_dtype(image_features, text_features)
    img = F.normalize(image_features.to(dtype), dim=1)
    txt = F.normalize(text_features.to(dtype), dim=1)
    if isinstance(logit_scale, torch.Tensor):
        if logit_scale.numel() != 1:
            raise ValueError(
                f"logit_scale: expected a float or a one-element tensor, got {tuple(logit_scale.shape)}"
            )
        scale = logit_scale.to(device=img.device, dtype=dtype).reshape(())
    else:
        scale = torch.tensor(float(logit_scale), dtype=dtype, device=img.device)
    rank, world = rank_and_world_size() if gather else (0, 1)
    weight = 1 / (2 * batch)
    if world == 1:  # one pass gives both directions: rows image -> text, columns text -> image
        diagonal = torch.arange(batch, device=img.device)
        return cross_entropy_total(
            img, txt, scale, diagonal, row_weight=weight, col_weight=weight, chunk_size=chunk_size
        )
    both = all_gather_with_grad(torch.cat([img, txt], 1))  # one collective for both modalities
    all_img, all_txt = both[:, : img.shape[1]], both[:, img.shape[1] :]
    own = torch.arange(rank * batch, (rank + 1) * batch, device=img.device)
    total = cross_entropy_total(img, all_txt, scale, own, row_weight=weight, chunk_size=chunk_size)
    total = total + cross_entropy_total(txt, all_img, scale, own, row_weight=weight, chunk_size=chunk_size)
    return all_gather_with_grad(total.reshape(1)).mean()


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Random ``[B, 128]`` image and text features and s = 1/0.07 for ``ssl-kb loss clip_loss``."""
    img, txt = (
        torch.randn(batch, 128, generator=generator).to(device, dtype).requires_grad_() for _ in range(2)
    )
    scale = torch.tensor(1 / 0.07, device=device, requires_grad=True)
    return (img, txt, scale), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "clip_loss": _example,
}
