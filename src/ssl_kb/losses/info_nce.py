r"""SimCLR's NT-Xent (normalised temperature-scaled cross-entropy) loss, dense, chunked or across ranks.

Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations", arXiv 2002.05709,
Eq. (1) and Algorithm 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from .distributed import all_gather_with_grad, rank_and_world_size
from .similarity import cross_entropy_total
from .validation import check_floating, check_shape, compute_dtype

__all__ = ["info_nce"]


def info_nce(
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    temperature: float | torch.Tensor = 0.5,
    *,
    chunk_size: int | None = None,
    gather: bool = False,
) -> torch.Tensor:
    r"""NT-Xent over the :math:`2B` rows of :math:`z = [z_a; z_b]`, mean over the rows.

    With :math:`u_i = z_i / \lVert z_i \rVert`, :math:`p(i)` the other view of row :math:`i`
    (:math:`p(i) = i \pm B`) and :math:`\tau` the temperature (SimCLR Eq. 1, Algorithm 1):

    .. math::

        \ell_i = -\log \frac{\exp(u_i^\top u_{p(i)} / \tau)}
                           {\sum_{k=1,\, k \ne i}^{2B} \exp(u_i^\top u_k / \tau)}, \qquad
        \mathcal{L} = \frac{1}{2B} \sum_{i=1}^{2B} \ell_i .

    The positive of each row is its other view, the negatives the other :math:`2B - 2` rows. This is the
    *mean* over the :math:`2B` rows, as in Algorithm 1 of the paper; the official SimCLR TensorFlow code
    (``add_contrastive_loss``) reports ``loss_a + loss_b``, i.e. twice this value. For identical rows the
    loss is :math:`\log(2B - 1)` at any temperature, and :math:`B = 1` gives 0 (the only other row is the
    positive).

    Args:
        z_a: first views' embeddings ``[B, D]`` (any float dtype; L2-normalised here).
        z_b: second views' embeddings ``[B, D]``; row ``i`` is the positive of ``z_a[i]``.
        temperature: :math:`\tau > 0` (float, or a 0-dim tensor to learn it). Default 0.5, as in the
            issue and SimCLR's CIFAR-10 command in the official repository (its ImageNet command uses 0.1;
            the paper compares values in Table 5).
        chunk_size: ``None``: one dense :math:`2B \times 2B` matrix, kept (as the softmax) for
            backward; an int: the blockwise path of :mod:`ssl_kb.losses.similarity`, which never holds
            more than a ``chunk_size x chunk_size`` block and recomputes the blocks in backward (same
            value and gradients; see ``benchmarks/RESULTS.md`` for when it is also faster).
        gather: compute over the batch of all ranks (:func:`~ssl_kb.losses.distributed.all_gather_with_grad`):
            each rank's :math:`2B` rows are queries against the gathered :math:`2WB` keys, and the mean over
            ranks is returned, so every rank gets the single-process loss of the concatenated batch and,
            after DDP averages the parameter gradients, the single-process gradients (each rank's input
            gradient is :math:`W` times the single-process one). Equal ``B`` on every rank is required.
            Without an initialised process group this is world size 1 (same as ``gather=False``).

    Returns:
        Scalar loss, float32 (float64 if an input is float64): normalisation, logits and log-sum-exp are
        computed in float32 for bf16/fp16 inputs.

    >>> z = torch.ones(4, 3)
    >>> round(info_nce(z, z).item(), 4) == round(torch.log(torch.tensor(7.0)).item(), 4)  # log(2B - 1)
    True
    >>> info_nce(torch.eye(2), torch.eye(2), temperature=1.0).dtype
    torch.float32
    """
    sizes = check_shape("z_a", z_a, "B D")
    check_shape("z_b", z_b, "B D", **sizes)
    check_floating("z_a", z_a)
    check_floating("z_b", z_b)
    batch = sizes["B"]
    if batch < 1:
        raise ValueError(f"z_a: expected at least one row (B >= 1), got {tuple(z_a.shape)}")
    if not isinstance(temperature, torch.Tensor) and not temperature > 0:
        raise ValueError(f"temperature: expected a positive number, got {temperature}")
    dtype = compute_dtype(z_a, z_b)
    a = F.normalize(z_a.to(dtype), dim=1)
    b = F.normalize(z_b.to(dtype), dim=1)
    if isinstance(temperature, torch.Tensor):
        scale = 1.0 / temperature.to(device=a.device, dtype=dtype).reshape(())
    else:
        scale = torch.tensor(1.0 / temperature, dtype=dtype, device=a.device)
    rank, world = rank_and_world_size() if gather else (0, 1)
    queries = torch.cat([a, b])
    if world == 1:
        keys, offset, n_all = queries, 0, batch
    else:
        both = all_gather_with_grad(torch.cat([a, b], 1))  # one collective for both views
        keys = torch.cat([both[:, : a.shape[1]], both[:, a.shape[1] :]])
        offset, n_all = rank * batch, world * batch
    own = torch.arange(offset, offset + batch, device=a.device)
    exclude = torch.cat([own, own + n_all])  # each query's own column among the keys
    positive = torch.cat([own + n_all, own])  # its other view
    loss = cross_entropy_total(
        queries, keys, scale, positive, row_weight=1 / (2 * batch), exclude=exclude, chunk_size=chunk_size
    )
    if world > 1:
        loss = all_gather_with_grad(loss.reshape(1)).mean()
    return loss


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Random ``[B, 128]`` view pairs for ``ssl-kb loss info_nce``."""
    z_a, z_b = (
        torch.randn(batch, 128, generator=generator).to(device, dtype).requires_grad_() for _ in range(2)
    )
    return (z_a, z_b), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "info_nce": _example,
}
