r"""SimCLR's NT-Xent (normalised temperature-scaled cross-entropy) loss, dense or chunked.

Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations", arXiv 2002.05709,
Eq. (1) and Algorithm 1. No ``torch.distributed`` here: the keys of a larger (gathered) batch are passed
in (``keys=``, ``offset=``); :func:`~ssl_kb.losses.distributed.info_nce_across_ranks` gathers them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .similarity import cross_entropy_total
from .validation import check_floating, check_keys, check_shape, compute_dtype

__all__ = ["info_nce"]


def info_nce(
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    temperature: float | torch.Tensor = 0.5,
    *,
    chunk_size: int | None = None,
    keys: tuple[torch.Tensor, torch.Tensor] | None = None,
    offset: int = 0,
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
        keys: ``None``: the :math:`2B` rows are the only keys. Else ``(k_a, k_b)``, each ``[N, D]``: both
            views of a larger batch of :math:`N \ge B` pairs that holds this one at rows
            ``offset .. offset + B - 1`` (the caller guarantees ``k_a[offset + i]`` is ``z_a[i]``, e.g.
            the embeddings of all ranks gathered with
            :func:`~ssl_kb.losses.distributed.all_gather_with_grad`). Each of the :math:`2B` rows is then
            a query against the :math:`2N` keys: positive ``k_b[offset + i]`` (``k_a[offset + i]`` for
            ``z_b[i]``), its own key left out, the other :math:`2N - 2` keys negatives; the mean over the
            :math:`2B` queries is returned. The mean of that over the :math:`N / B` parts of the batch is
            the loss of the whole batch (what
            :func:`~ssl_kb.losses.distributed.info_nce_across_ranks` returns; the gradient argument is
            in :mod:`ssl_kb.losses.distributed`).
        offset: the row of ``z_a[0]`` in ``keys``; 0 without ``keys``.

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
    key_pair = check_keys(keys, offset, batch, sizes["D"])
    dtype = compute_dtype(z_a, z_b, *key_pair)
    a = F.normalize(z_a.to(dtype), dim=1)
    b = F.normalize(z_b.to(dtype), dim=1)
    if isinstance(temperature, torch.Tensor):
        scale = 1.0 / temperature.to(device=a.device, dtype=dtype).reshape(())
    else:
        scale = torch.tensor(1.0 / temperature, dtype=dtype, device=a.device)
    queries = torch.cat([a, b])
    if not key_pair:
        all_keys, n_all = queries, batch
    else:
        all_keys = torch.cat([F.normalize(k.to(dtype), dim=1) for k in key_pair])
        n_all = key_pair[0].shape[0]
    own = torch.arange(offset, offset + batch, device=a.device)
    exclude = torch.cat([own, own + n_all])  # each query's own column among the keys
    positive = torch.cat([own + n_all, own])  # its other view
    return cross_entropy_total(
        queries, all_keys, scale, positive, row_weight=1 / (2 * batch), exclude=exclude, chunk_size=chunk_size
    )
