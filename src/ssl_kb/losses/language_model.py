r"""The next-token language-model loss of MetaLM and KOSMOS-1.

Hao et al., "Language Models are General-Purpose Interfaces" (MetaLM), arXiv 2206.06336, Sec. 2 (the
semi-causal language-modelling objective: the causal decoder is trained with the next-token log-likelihood
:math:`\max \sum_t \log p(x_t \mid x_{<t})`, bidirectional-encoder spans excluded from the targets);
Huang et al., "Language Is Not All You Need" (KOSMOS-1), arXiv 2302.14045, Sec. 2 (training objective:
next-token prediction, maximising the log-likelihood of the discrete tokens of text and interleaved
sequences; image embeddings carry no target). Excluded positions carry ``ignore_index`` in ``targets``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape

__all__ = ["next_token_loss"]


def next_token_loss(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    r"""Mean cross-entropy of predicting token :math:`t + 1` from position :math:`t`.

    .. math::
        \mathcal{L} = -\frac{1}{|S|} \sum_{(b, t) \in S} \log \operatorname{softmax}(\ell_{b, t})_{y_{b, t+1}},
        \qquad S = \{(b, t) : t < N - 1,\ y_{b, t+1} \neq \text{ignore\_index}\}

    ``logits[:, t]`` is the model's output at position :math:`t` and ``targets`` are the input ids (the
    shift by one happens here, as Hugging Face's causal-LM loss). The log-softmax and the sum are in float32
    for half inputs (float64 for float64). When every target is ignored (:math:`|S| = 0`) the result is
    0, not NaN, and still depends on ``logits`` (its gradient is 0).

    Args:
        logits: ``[B, N, K]`` scores over a vocabulary of ``K`` tokens.
        targets: ``[B, N]`` long token ids; ``ignore_index`` marks positions without a target (padding,
            image embeddings in KOSMOS-1, encoder spans in MetaLM).
        ignore_index: -100 (PyTorch's and Hugging Face's convention).

    Returns:
        scalar (float32 for half/float32 inputs).

    >>> logits = torch.zeros(1, 3, 4)
    >>> round(next_token_loss(logits, torch.tensor([[1, 2, 3]])).item(), 6)  # ln 4
    1.386294
    >>> next_token_loss(logits, torch.full((1, 3), -100)).item()
    0.0
    """
    sizes = check_shape("logits", logits, "B N K")
    check_floating("logits", logits)
    check_shape("targets", targets, "B N", B=sizes["B"], N=sizes["N"])
    if targets.is_floating_point() or targets.dtype == torch.bool:
        raise TypeError(f"targets: expected an integer tensor of token ids, got {targets.dtype}")
    dt = torch.float64 if logits.dtype == torch.float64 else torch.float32
    shifted_logits = logits[:, :-1, :].to(dt)
    shifted_targets = targets[:, 1:].long()
    valid = shifted_targets != ignore_index
    if valid.any():
        bad = shifted_targets[valid]
        if int(bad.min()) < 0 or int(bad.max()) >= sizes["K"]:
            raise ValueError(
                f"targets: expected token ids in 0..{sizes['K'] - 1} or ignore_index={ignore_index}, "
                f"got values in {int(bad.min())}..{int(bad.max())}"
            )
    total = F.cross_entropy(
        shifted_logits.reshape(-1, sizes["K"]),
        shifted_targets.reshape(-1),
        ignore_index=ignore_index,
        reduction="sum",
    )
    count = valid.sum().to(dt)
    return total / count.clamp_min(1.0)


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    n, k = 128, 1024
    logits = torch.randn(batch, n, k, generator=generator).to(device=device, dtype=dtype)
    targets = torch.randint(0, k, (batch, n), generator=generator)
    targets[:, :16] = -100  # e.g. image-embedding positions of an interleaved sequence
    return (logits.requires_grad_(), targets.to(device)), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "next_token_loss": _example,
}
