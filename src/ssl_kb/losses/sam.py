r"""SAM's mask loss: focal loss and dice loss on mask logits, combined 20:1.

Kirillov et al., "Segment Anything", arXiv 2304.02643, Sec. 3 ("Losses and training": mask prediction is
supervised with a linear combination of focal loss and dice loss, citing DETR-style mask losses) and
Appendix A (the combination in a 20:1 ratio of focal loss to dice loss). Focal loss: Lin et al., "Focal Loss for Dense Object Detection", arXiv 1708.02002, Eq. 5 with the
:math:`\alpha`-balanced form of Sec. 3.2; dice loss with +1 smoothing as in DETR / Mask2Former.

SAM's training code is not public; SAM 2's is, and matches these definitions (facebookresearch/sam2,
``training/loss_fns.py``: ``sigmoid_focal_loss`` = ``loss.mean(1).sum() / num_objects`` with alpha 0.25,
gamma 2; ``dice_loss`` = ``1 - (numerator + 1) / (denominator + 1)`` per mask, summed and divided by
``num_objects``; weights ``loss_mask: 20``, ``loss_dice: 1`` in ``sam2/configs/sam2.1_training``). SAM 2
writes the dice numerator as :math:`\sum p + \sum y - \lVert p - y\rVert_1`, equal to
:math:`2 \sum p y` for binary targets (the only case SAM trains on); for soft targets this module keeps
DETR's :math:`2 \sum p y`.

Reductions (SAM's choice, as the brief and the DETR-style code): each loss is averaged over the pixels
of one mask (focal) or computed per mask (dice), then averaged over the :math:`N` masks. Zero masks
(:math:`N = 0`) give 0 with a gradient path; an empty target mask is an ordinary mask (dice's +1
smoothing makes it well defined: predicting all background gives dice loss close to 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape, compute_dtype

__all__ = ["dice_loss", "focal_loss", "sam_mask_loss"]


def _check(pred_logits: torch.Tensor, target: torch.Tensor) -> None:
    sizes = check_shape("pred_logits", pred_logits, "N 1 H W", **{"1": 1})
    check_floating("pred_logits", pred_logits)
    check_shape("target", target, "N 1 H W", **sizes)


def focal_loss(
    pred_logits: torch.Tensor, target: torch.Tensor, alpha: float = 0.25, gamma: float = 2.0
) -> torch.Tensor:
    r"""Sigmoid focal loss, mean over each mask's pixels, then over masks (Lin et al. Eq. 5).

    .. math::
        \mathrm{FL} = -\alpha_t (1 - p_t)^\gamma \log p_t,\quad
        p_t = p y + (1 - p)(1 - y),\quad \alpha_t = \alpha y + (1 - \alpha)(1 - y),\quad p = \sigma(x)

    computed from logits: :math:`-\log p_t` is ``binary_cross_entropy_with_logits`` and
    :math:`1 - p_t = \sigma(x)(1 - y) + \sigma(-x) y`, both exact at :math:`|x| = 100` (no
    :math:`1 - \sigma(x)` cancellation). Soft targets in :math:`[0, 1]` follow the same formula.

    Args:
        pred_logits: mask logits ``[N, 1, H, W]``.
        target: ``[N, 1, H, W]``, 1 = inside the mask, 0 = outside (bool or float).
        alpha: weight of the positive pixels; 0.25 (Lin et al. Sec. 3.2 / 5.1; DETR's ``sigmoid_focal_loss``).
            A negative ``alpha`` disables the balancing (:math:`\alpha_t = 1`), as torchvision's.
        gamma: focusing parameter; 2 (Lin et al. Sec. 5.1).

    Returns:
        scalar (float32 for half/float32 inputs, float64 for float64 inputs).

    >>> x = torch.tensor([[[[0.0, 0.0]]]])
    >>> round(focal_loss(x, torch.tensor([[[[1.0, 0.0]]]])).item(), 6)  # (0.25 + 0.75) / 2 * 0.25 * ln 2
    0.086643
    """
    _check(pred_logits, target)
    dt = compute_dtype(pred_logits)
    if pred_logits.shape[0] == 0:
        return pred_logits.sum().to(dt) * 0.0
    x = pred_logits.to(dt)
    y = target.to(dt)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    one_minus_pt = torch.sigmoid(x) * (1.0 - y) + torch.sigmoid(-x) * y
    loss = ce * one_minus_pt.pow(gamma)
    if alpha >= 0:
        loss = (alpha * y + (1.0 - alpha) * (1.0 - y)) * loss
    return loss.flatten(1).mean(1).mean()


def dice_loss(pred_logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Dice loss with +1 smoothing, per mask, mean over masks (DETR / Mask2Former ``dice_loss``).

    .. math::
        \mathcal{L}_\text{dice} = 1 - \frac{2 \sum_{hw} p_{hw} y_{hw} + 1}{\sum_{hw} p_{hw} + \sum_{hw} y_{hw} + 1},
        \quad p = \sigma(x)

    Args:
        pred_logits: mask logits ``[N, 1, H, W]``.
        target: ``[N, 1, H, W]``, 1 = inside the mask.

    Returns:
        scalar (float32 for half/float32 inputs).

    >>> x = torch.full((1, 1, 2, 2), 100.0)
    >>> dice_loss(x, torch.ones(1, 1, 2, 2)).item()  # perfect prediction
    0.0
    """
    _check(pred_logits, target)
    dt = compute_dtype(pred_logits)
    if pred_logits.shape[0] == 0:
        return pred_logits.sum().to(dt) * 0.0
    p = torch.sigmoid(pred_logits.to(dt)).flatten(1)
    y = target.to(dt).flatten(1)
    numerator = 2.0 * (p * y).sum(1) + 1.0
    denominator = p.sum(1) + y.sum(1) + 1.0
    return (1.0 - numerator / denominator).mean()


def sam_mask_loss(
    pred_logits: torch.Tensor,
    target: torch.Tensor,
    focal_weight: float = 20.0,
    dice_weight: float = 1.0,
) -> torch.Tensor:
    r"""SAM's mask loss: ``focal_weight * focal_loss + dice_weight * dice_loss`` (20:1, SAM Appendix A).

    SAM back-propagates only the lowest loss over its 3 predicted masks (Sec. 3, "ambiguity-aware") and
    adds an MSE loss on the IoU prediction; both sit outside this per-mask loss.

    Args:
        pred_logits: mask logits ``[N, 1, H, W]``.
        target: ``[N, 1, H, W]``, 1 = inside the mask.
        focal_weight: 20 (SAM Appendix A).
        dice_weight: 1 (SAM Appendix A).

    >>> x = torch.zeros(2, 1, 4, 4)
    >>> y = torch.zeros(2, 1, 4, 4)
    >>> round(sam_mask_loss(x, y).item(), 4)  # 20 * 0.75 * 0.25 * ln 2 + (1 - 1 / 9)
    3.4882
    """
    return focal_weight * focal_loss(pred_logits, target) + dice_weight * dice_loss(pred_logits, target)


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    logits = torch.randn(batch, 1, 64, 64, generator=generator).to(device=device, dtype=dtype)
    target = (torch.rand(batch, 1, 64, 64, generator=generator) < 0.3).to(device=device, dtype=dtype)
    return (logits.requires_grad_(), target), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "focal_loss": _example,
    "dice_loss": _example,
    "sam_mask_loss": _example,
}
