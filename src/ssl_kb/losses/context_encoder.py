r"""Context Encoders' joint loss: masked L2 reconstruction plus an adversarial term.

Pathak et al., "Context Encoders: Feature Learning by Inpainting", arXiv 1604.07379, Sec. 3.2:
Eq. 1 (reconstruction :math:`\|\hat M \odot (x - F((1 - \hat M) \odot x))\|_2^2`), Eq. 2 (adversarial),
Eq. 3 (joint :math:`\lambda_{rec} \mathcal{L}_{rec} + \lambda_{adv} \mathcal{L}_{adv}`); Sec. 3.4
("Implementation details") gives :math:`\lambda_{rec} = 0.999`, :math:`\lambda_{adv} = 0.001`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape, compute_dtype

__all__ = ["context_encoder_loss"]


def context_encoder_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor,
    d_fake_logits: torch.Tensor | None = None,
    lambda_rec: float = 0.999,
    lambda_adv: float = 0.001,
) -> torch.Tensor:
    r"""The generator's loss of a context encoder (Pathak et al. Eq. 1-3).

    .. math::
        \mathcal{L}_{rec} = \frac{\sum M \odot (\hat x - x)^2}{\sum M},\qquad
        \mathcal{L}_{adv} = \frac{1}{B} \sum_b \operatorname{softplus}(-d_b) = -\frac{1}{B}\sum_b \log \sigma(d_b)

    .. math::
        \mathcal{L} = \lambda_{rec} \mathcal{L}_{rec} + \lambda_{adv} \mathcal{L}_{adv}

    :math:`M` is broadcast to ``pred``'s shape before both sums, so :math:`\mathcal{L}_{rec}` is the mean
    squared error over the missing elements (pixels x channels); Eq. 1 writes the unnormalised squared norm,
    the official Torch code (``train.lua``) takes the MSE over the predicted region, with the pixels of a
    thin border of it (``overlapPred``) weighted 10x in the gradient; that weighting is not reproduced
    here. :math:`\mathcal{L}_{adv}` is the non-saturating generator form of Eq. 2 (maximise
    :math:`\log D(F(\cdot))`, as the official code's BCE against the "real" label), computed stably as
    ``softplus(-logits)`` from the discriminator's logits on the generated images. Without
    ``d_fake_logits`` the result is ``lambda_rec * L_rec``.

    Args:
        pred: the generator's output :math:`F((1 - M) \odot x)`, ``[B, C, H, W]``.
        target: the real image :math:`x`, ``[B, C, H, W]``.
        mask: :math:`\hat M`, ``[B, 1, H, W]`` or ``[B, C, H, W]``, **1 = missing region** (to be
            predicted), 0 = context; bool or float.
        d_fake_logits: discriminator logits on the generated images, ``[B]`` or ``[B, 1]`` (averaged over
            the batch); ``None`` drops the adversarial term.
        lambda_rec: 0.999 (Sec. 3.4; ``wtl2=0.999`` in the official README's training command, and
            ``train.lua`` forms ``(1 - wtl2) * errG + wtl2 * errG_l2``).
        lambda_adv: 0.001 (Sec. 3.4; ``1 - wtl2`` in ``train.lua``).

    Returns:
        Scalar, float32 (float64 if an input is float64; half inputs are accumulated in float32). An
        empty mask gives :math:`\mathcal{L}_{rec} = 0` (explicit: nothing is missing, nothing to
        reconstruct), still with a gradient path.

    >>> x = torch.zeros(1, 1, 2, 2)
    >>> m = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    >>> round(context_encoder_loss(torch.full((1, 1, 2, 2), 2.0), x, m, lambda_rec=1.0).item(), 6)
    4.0
    >>> round(context_encoder_loss(x, x, m, torch.zeros(1)).item(), 6)  # 0.001 * ln 2
    0.000693
    """
    sizes = check_shape("pred", pred, "B C H W")
    check_floating("pred", pred)
    check_shape("target", target, "B C H W", **sizes)
    if (
        mask.dim() != 4
        or mask.shape[1] not in (1, sizes["C"])
        or mask.shape[0] != sizes["B"]
        or mask.shape[2:] != pred.shape[2:]
    ):
        raise ValueError(
            f"mask: expected (B, 1, H, W) or (B, C, H, W) with (B, C, H, W) = {tuple(pred.shape)}, "
            f"got {tuple(mask.shape)}"
        )
    extra = () if d_fake_logits is None else (d_fake_logits,)
    dt = compute_dtype(pred, target, *extra)
    m = mask.to(dt).expand(pred.shape)
    squared = (pred.to(dt) - target.to(dt)).pow(2)
    count = m.sum()
    rec = (m * squared).sum() / torch.where(count > 0, count, torch.ones_like(count))
    loss = lambda_rec * rec
    if d_fake_logits is not None:
        check_floating("d_fake_logits", d_fake_logits)
        if tuple(d_fake_logits.shape) not in ((sizes["B"],), (sizes["B"], 1)):
            raise ValueError(
                f"d_fake_logits: expected (B,) or (B, 1) with B = {sizes['B']}, got {tuple(d_fake_logits.shape)}"
            )
        adv = F.softplus(-d_fake_logits.to(dt)).mean()
        loss = loss + lambda_adv * adv
    return loss


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    pred = torch.randn(batch, 3, 128, 128, generator=generator).to(device=device, dtype=dtype)
    target = torch.randn(batch, 3, 128, 128, generator=generator).to(device=device, dtype=dtype)
    mask = torch.zeros(batch, 1, 128, 128, device=device, dtype=dtype)
    mask[:, :, 32:96, 32:96] = 1  # the central 64 x 64 region (Sec. 3.3, "central region")
    logits = torch.randn(batch, generator=generator).to(device=device, dtype=dtype)
    return (pred.requires_grad_(), target, mask, logits.requires_grad_()), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "context_encoder_loss": _example,
}
