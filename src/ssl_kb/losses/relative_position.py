r"""Relative patch position: 8-way classification of where a second patch sits around the first.

Doersch, Gupta, Efros, "Unsupervised Visual Representation Learning by Context Prediction",
arXiv 1505.05192, Sec. 3 and Fig. 2: given a centre patch and one of its 8 neighbours on a 3 x 3 grid,
predict which neighbour it is, trained with a softmax cross-entropy over the 8 positions.

Class layout (row :math:`dy` grows downwards, column :math:`dx` rightwards, position of the second patch
relative to the first): raster order, as the official code (cdoersch/deepcontext ``train.py``,
``pos2lbl``: labels 0..7, its comment drawing them as ``1 2 3 / 4 _ 5 / 6 7 8``; the pair
``[first, second]`` gets the label of the second patch's offset). The official net sums the softmax loss over
pairs (``normalization=NONE``) and logs it divided by the number of pairs; the mean here is that divided
value::

    0 1 2        (dy, dx): (-1,-1) (-1, 0) (-1,+1)
    3 . 4                  ( 0,-1)    .    ( 0,+1)
    5 6 7                  (+1,-1) (+1, 0) (+1,+1)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape, compute_dtype

__all__ = ["NEIGHBOUR_OFFSETS", "relative_position_class", "relative_position_loss"]

#: ``NEIGHBOUR_OFFSETS[k]`` is the ``(dy, dx)`` of class ``k`` (raster order around the centre).
NEIGHBOUR_OFFSETS: tuple[tuple[int, int], ...] = (
    (-1, -1),
    (-1, 0),
    (-1, 1),
    (0, -1),
    (0, 1),
    (1, -1),
    (1, 0),
    (1, 1),
)


def relative_position_class(dy: int, dx: int) -> int:
    r"""Class index of the neighbour at row offset ``dy`` and column offset ``dx`` (each in -1, 0, 1).

    >>> relative_position_class(-1, -1), relative_position_class(0, 1), relative_position_class(1, 1)
    (0, 4, 7)
    >>> relative_position_class(0, 0)
    Traceback (most recent call last):
    ...
    ValueError: (dy, dx): expected one of the 8 neighbours (each in -1, 0, 1, not both 0), got (0, 0)
    """
    if (dy, dx) not in NEIGHBOUR_OFFSETS:
        raise ValueError(
            f"(dy, dx): expected one of the 8 neighbours (each in -1, 0, 1, not both 0), got {(dy, dx)}"
        )
    return NEIGHBOUR_OFFSETS.index((dy, dx))


def relative_position_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Mean cross-entropy over the 8 relative positions (Doersch et al. Sec. 3).

    .. math::
        \mathcal{L} = -\frac{1}{B} \sum_b \log \operatorname{softmax}(\ell_b)_{y_b}

    Args:
        logits: ``[B, 8]`` scores of the 8 positions (layout in the module docstring).
        target: ``[B]`` long class indices in ``0..7`` (see :func:`relative_position_class`).

    Returns:
        scalar, computed in float32 for half inputs (float64 for float64). ``B = 0`` gives 0.

    >>> relative_position_loss(torch.zeros(2, 8), torch.tensor([0, 7])).item() == torch.tensor(8.0).log().item()
    True
    """
    sizes = check_shape("logits", logits, "B K", K=8)
    check_floating("logits", logits)
    check_shape("target", target, "B", B=sizes["B"])
    if target.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8, torch.int8):
        raise TypeError(f"target: expected an integer tensor of class indices, got {target.dtype}")
    if target.numel() and (int(target.min()) < 0 or int(target.max()) > 7):
        raise ValueError(
            f"target: expected class indices in 0..7, got values in {int(target.min())}..{int(target.max())}"
        )
    dt = compute_dtype(logits)
    if sizes["B"] == 0:
        return logits.sum().to(dt) * 0.0
    return F.cross_entropy(logits.to(dt), target.long())


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    logits = torch.randn(batch, 8, generator=generator).to(device=device, dtype=dtype)
    target = torch.randint(0, 8, (batch,), generator=generator).to(device)
    return (logits.requires_grad_(), target), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "relative_position_loss": _example,
}
