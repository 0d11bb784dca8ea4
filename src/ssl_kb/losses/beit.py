r"""BEiT's masked image modelling loss over visual tokens and its blockwise masking generator.

Bao et al., "BEiT: BERT Pre-Training of Image Transformers", arXiv 2106.08254, Sec. 2.3 (Eq. 1, the
pre-training objective) and Algorithm 1 (blockwise masking); official code ``masking_generator.py`` and
``engine_for_pretraining.py`` of microsoft/unilm (beit).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape

__all__ = ["beit_mim_loss", "blockwise_masking"]


def beit_mim_loss(
    logits: torch.Tensor, target_tokens: torch.Tensor, bool_masked_pos: torch.Tensor
) -> torch.Tensor:
    r"""Cross-entropy of the visual-token predictions at the masked positions, one mean over all of them.

    With :math:`\mathcal{M}` the masked (batch, position) pairs and :math:`z` the tokenizer's visual
    tokens (BEiT Eq. 1, averaged instead of summed, as ``nn.CrossEntropyLoss`` in the official
    ``engine_for_pretraining.py``):

    .. math::

        \mathcal{L} = -\frac{1}{|\mathcal{M}|} \sum_{(b, n) \in \mathcal{M}}
            \log \mathrm{softmax}(\mathrm{logits}_{bn})_{z_{bn}} .

    Every masked token weighs the same, whichever image it is in. No masked position: an explicit 0 that
    stays connected to ``logits`` (zero gradients) instead of the NaN of a mean over nothing.

    Args:
        logits: ``[B, N, K]`` predictions over the :math:`K` visual tokens (8192 for DALL-E's tokenizer).
        target_tokens: ``[B, N]`` integer, the tokenizer's token ids in ``[0, K)`` (only masked positions
            are read, and checked).
        bool_masked_pos: ``[B, N]`` bool, **True = masked** (predicted, counted).

    Returns:
        Scalar loss, float32 (float64 for float64 logits); log-softmax in float32 for half logits.

    >>> logits = torch.zeros(1, 2, 4)
    >>> loss = beit_mim_loss(logits, torch.tensor([[0, 3]]), torch.tensor([[True, False]]))
    >>> round(loss.item(), 4) == round(torch.log(torch.tensor(4.0)).item(), 4)
    True
    """
    sizes = check_shape("logits", logits, "B N K")
    check_floating("logits", logits)
    check_shape("target_tokens", target_tokens, "B N", **sizes)
    check_shape("bool_masked_pos", bool_masked_pos, "B N", **sizes)
    if target_tokens.is_floating_point() or target_tokens.dtype == torch.bool:
        raise TypeError(f"target_tokens: expected an integer tensor, got {target_tokens.dtype}")
    if bool_masked_pos.dtype != torch.bool:
        raise TypeError(
            f"bool_masked_pos: expected a bool tensor (True = masked), got {bool_masked_pos.dtype}"
        )
    dtype = torch.float64 if logits.dtype == torch.float64 else torch.float32
    picked = logits[bool_masked_pos].to(dtype)  # [M, K], as the official model's lm_head input
    targets = target_tokens[bool_masked_pos].long()
    if targets.numel() > 0:
        lo, hi = int(targets.min()), int(targets.max())
        if lo < 0 or hi >= sizes["K"]:
            # checked here: cross_entropy would skip -100 silently (its ignore_index) and still count it
            raise ValueError(
                f"target_tokens: expected ids in [0, K) = [0, {sizes['K']}) at masked positions, "
                f"got values in [{lo}, {hi}]"
            )
    per_token = F.cross_entropy(picked, targets, reduction="none")
    return per_token.sum() / max(per_token.shape[0], 1)


def blockwise_masking(
    height: int = 14,
    width: int = 14,
    num_masked: int = 75,
    *,
    min_num_patches: int = 16,
    max_num_patches: int | None = None,
    min_aspect: float = 0.3,
    max_aspect: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""BEiT's blockwise mask over a ``height x width`` patch grid, True = masked (Algorithm 1).

    Repeatedly draws a block of area :math:`s \sim U(\text{min\_num\_patches}, \text{budget})` and aspect
    ratio :math:`r` with :math:`\log r \sim U(\log r_{\min}, \log r_{\max})`, height
    :math:`a = \mathrm{round}(\sqrt{s r})`, width :math:`b = \mathrm{round}(\sqrt{s / r})`, at a uniform
    position, and adds it if it brings new patches without exceeding the remaining budget; up to 10
    tries per block; stops when ``num_masked`` patches are masked or a round of 10 tries adds none. This
    follows the official ``MaskingGenerator`` (which draws :math:`\log r` uniformly, where Algorithm 1
    writes :math:`r \sim U(0.3, 1/0.3)`), so the count never exceeds ``num_masked`` and is usually equal.

    Defaults: a 14 x 14 grid (224 px, 16 px patches), 75 masked patches (~40%, Sec. 2.3 and 2.5),
    at least 16 patches per block, aspect ratio in [0.3, 1/0.3] (``--num_mask_patches 75``,
    ``--min_mask_patches_per_block 16``, ``max_aspect = 1 / min_aspect`` in the official code).

    Args:
        height, width: the patch grid.
        num_masked: target number of masked patches.
        min_num_patches: smallest block area drawn.
        max_num_patches: largest block area (default: ``num_masked``).
        min_aspect, max_aspect: aspect ratio range (height / width); ``max_aspect`` defaults to
            ``1 / min_aspect``.
        generator: a CPU ``torch.Generator`` for reproducible masks (no global RNG is touched when given;
            ``None`` draws from torch's default generator).

    Returns:
        ``[height, width]`` bool tensor on the CPU.

    >>> g = torch.Generator().manual_seed(0)
    >>> mask = blockwise_masking(generator=g)
    >>> mask.shape, mask.dtype, int(mask.sum()) <= 75
    (torch.Size([14, 14]), torch.bool, True)
    """
    if height < 1 or width < 1:
        raise ValueError(f"height, width: expected a grid of at least 1 x 1, got {height} x {width}")
    if not 0 <= num_masked <= height * width:
        raise ValueError(
            f"num_masked: expected 0 <= num_masked <= height * width = {height * width}, got {num_masked}"
        )
    if not min_aspect > 0:
        raise ValueError(f"min_aspect: expected a positive number, got {min_aspect}")
    max_aspect = 1.0 / min_aspect if max_aspect is None else max_aspect
    if not max_aspect > 0:
        raise ValueError(f"max_aspect: expected a positive number, got {max_aspect}")
    max_block = num_masked if max_num_patches is None else max_num_patches
    log_lo, log_hi = math.log(min_aspect), math.log(max_aspect)

    def uniform(lo: float, hi: float) -> float:
        return lo + (hi - lo) * float(torch.rand((), generator=generator))

    def randint(lo: int, hi: int) -> int:  # inclusive, as random.randint
        return int(torch.randint(lo, hi + 1, (), generator=generator))

    mask = torch.zeros(height, width, dtype=torch.bool)
    count = 0
    while count < num_masked:
        budget = min(num_masked - count, max_block)
        added = 0
        for _ in range(10):
            area = uniform(min_num_patches, budget)
            aspect = math.exp(uniform(log_lo, log_hi))
            h = round(math.sqrt(area * aspect))
            w = round(math.sqrt(area / aspect))
            if w < width and h < height:
                top, left = randint(0, height - h), randint(0, width - w)
                block = mask[top : top + h, left : left + w]
                new = h * w - int(block.sum())
                if 0 < new <= budget:
                    block.fill_(True)  # a view: marks the block in `mask`
                    added = new
            if added > 0:
                break
        if added == 0:
            break
        count += added
    return mask


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """14 x 14 tokens over an 8192-token vocabulary, blockwise masks, for ``ssl-kb loss beit_mim_loss``."""
    logits = torch.randn(batch, 196, 8192, generator=generator).to(device, dtype).requires_grad_()
    tokens = torch.randint(0, 8192, (batch, 196), generator=generator).to(device)
    masks = torch.stack([blockwise_masking(generator=generator).flatten() for _ in range(batch)]).to(device)
    return (logits, tokens, masks), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "beit_mim_loss": _example,
}
