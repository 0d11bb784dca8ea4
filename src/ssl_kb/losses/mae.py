r"""MAE's random masking, patchification and pixel-reconstruction loss on the removed patches.

He et al., "Masked Autoencoders Are Scalable Vision Learners", arXiv 2111.06377, Sec. 3 ("Masking",
"Reconstruction target" with per-patch normalised pixels); official code ``models_mae.py``
(``random_masking``, ``patchify``, ``forward_loss``) of facebookresearch/mae.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .validation import check_floating, check_shape, compute_dtype

__all__ = ["mae_loss", "patchify", "random_masking"]


def random_masking(
    x: torch.Tensor,
    mask_ratio: float,
    generator: torch.Generator | None = None,
    *,
    noise: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""Keep a uniformly random subset of ``int(N * (1 - mask_ratio))`` tokens per sample (MAE Sec. 3).

    Per-sample shuffling by sorting uniform noise, as the official ``random_masking``: the tokens with the
    smallest noise are kept, in ascending noise order; ``ids_restore = argsort(argsort(noise))`` undoes
    the shuffle (``torch.gather(shuffled, 1, ids_restore)`` puts the tokens back). The count is computed
    in floating point exactly as the official code, quirk included: ``int(10 * (1 - 0.9)) = 0`` and
    ``int(100 * (1 - 0.9)) = 9``, since ``1 - 0.9`` is slightly below 0.1.

    Args:
        x: tokens ``[B, N, D]`` (MAE's :math:`L` is :math:`N` here).
        mask_ratio: fraction removed, in :math:`[0, 1]`; MAE's default 0.75 (Sec. 4, Fig. 5).
        generator: source of the noise; ``None`` draws from torch's default generator, as the official code
            does (pass one for reproducible masks; it may live on another device than ``x``).
        noise: ``[B, N]`` noise to sort instead of drawing it, for reproducible or hand-made masks (an
            addition: the official ``random_masking`` always draws ``torch.rand(N, L)``).

    Returns:
        ``(x_kept [B, N_keep, D], mask [B, N] with 1 = removed and 0 = kept (x's dtype),
        ids_restore [B, N] long)``.

    >>> x = torch.arange(4.0).reshape(1, 4, 1)
    >>> kept, mask, ids_restore = random_masking(x, 0.5, noise=torch.tensor([[0.3, 0.9, 0.1, 0.5]]))
    >>> kept.flatten().tolist(), mask.tolist(), ids_restore.tolist()
    ([2.0, 0.0], [[0.0, 1.0, 0.0, 1.0]], [[1, 3, 0, 2]])
    """
    sizes = check_shape("x", x, "B N D")
    if not 0.0 <= mask_ratio <= 1.0:
        raise ValueError(f"mask_ratio: expected a number in [0, 1], got {mask_ratio}")
    batch, length = sizes["B"], sizes["N"]
    len_keep = int(length * (1 - mask_ratio))
    if noise is None:
        where = generator.device if generator is not None else x.device
        noise = torch.rand(batch, length, generator=generator, device=where)
    else:
        check_shape("noise", noise, "B N", B=batch, N=length)
    noise = noise.to(x.device)
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    ids_keep = ids_shuffle[:, :len_keep]
    x_kept = torch.gather(x, 1, ids_keep[:, :, None].expand(-1, -1, x.shape[2]))
    mask_dtype = x.dtype if x.is_floating_point() else torch.float32
    mask = torch.ones(batch, length, dtype=mask_dtype, device=x.device)
    mask[:, :len_keep] = 0
    mask = torch.gather(mask, 1, ids_restore)
    return x_kept, mask, ids_restore


def patchify(imgs: torch.Tensor, patch_size: int) -> torch.Tensor:
    r"""Cut ``[B, C, H, W]`` images into ``[B, N, P]`` patches, :math:`N = (H/p)(W/p)`, :math:`P = p^2 C`.

    Patches are ordered row-major over the grid; inside a patch the values are laid out (row, column,
    channel), as the official ``patchify`` (``einsum('nchpwq->nhwpqc')``). Rectangular images are fine;
    ``H`` and ``W`` must be multiples of ``p``.

    >>> imgs = torch.arange(8.0).reshape(1, 2, 2, 2)  # C=2, H=W=2
    >>> patchify(imgs, 2).tolist()  # one patch: (r0 c0: ch0 ch1), (r0 c1), (r1 c0), (r1 c1)
    [[[0.0, 4.0, 1.0, 5.0, 2.0, 6.0, 3.0, 7.0]]]
    """
    sizes = check_shape("imgs", imgs, "B C H W")
    p = patch_size
    if p < 1 or sizes["H"] % p or sizes["W"] % p:
        raise ValueError(f"imgs: expected H and W multiples of patch_size={p}, got {tuple(imgs.shape)}")
    b, c, h, w = imgs.shape
    x = imgs.reshape(b, c, h // p, p, w // p, p)
    x = torch.einsum("bchpwq->bhwpqc", x)
    return x.reshape(b, (h // p) * (w // p), p * p * c)


def mae_loss(
    pred: torch.Tensor,
    imgs: torch.Tensor,
    mask: torch.Tensor,
    patch_size: int = 16,
    norm_pix: bool = True,
) -> torch.Tensor:
    r"""Mean squared error per patch, averaged over the removed patches only (MAE Sec. 3).

    With targets :math:`t = \mathrm{patchify}(\mathrm{imgs})` (``[B, N, P]``), normalised per patch when
    ``norm_pix`` (:math:`\hat t = (t - \mu) / \sqrt{\sigma^2 + 10^{-6}}`, :math:`\sigma^2` the unbiased
    variance over the patch's :math:`P` values, as ``forward_loss`` with ``norm_pix_loss``):

    .. math::

        \mathcal{L} = \frac{\sum_{b,n} m_{bn} \frac{1}{P} \lVert \hat y_{bn} - \hat t_{bn} \rVert^2}
                           {\sum_{b,n} m_{bn}} .

    Empty mask (nothing removed, :math:`\sum m = 0`): the official code divides 0 by 0 (NaN); here the
    loss is an explicit 0 that stays connected to ``pred`` (zero gradients), so a batch without removed
    patches contributes nothing instead of poisoning the step.

    Args:
        pred: decoder predictions ``[B, N, P]``, :math:`P = p^2 C`, same layout as :func:`patchify`.
        imgs: ``[B, C, H, W]``.
        mask: ``[B, N]``, **1 = removed** (predicted, counted), 0 = kept; float or bool.
        patch_size: :math:`p`, default 16 (ViT-B/16, ViT-L/16 in MAE).
        norm_pix: normalise target patches, default True (MAE's default reconstruction target,
            Sec. 3 and Table 1d; the official flag ``--norm_pix_loss``, off by default in argparse but
            used in ``PRETRAIN.md`` "for better representation learning"). Needs :math:`P \ge 2` (the
            unbiased variance of one value is undefined).

    Returns:
        Scalar loss, float32 (float64 if an input is float64).

    >>> imgs = torch.zeros(1, 1, 4, 4)
    >>> pred = torch.ones(1, 4, 4)
    >>> mae_loss(pred, imgs, torch.tensor([[1.0, 0.0, 0.0, 0.0]]), patch_size=2, norm_pix=False)
    tensor(1.)
    >>> mae_loss(pred, imgs, torch.zeros(1, 4), patch_size=2)  # nothing removed: an explicit 0
    tensor(0.)
    """
    target = patchify(imgs, patch_size)
    b, n, p = target.shape
    check_shape("pred", pred, "B N P", B=b, N=n, P=p)
    check_shape("mask", mask, "B N", B=b, N=n)
    check_floating("pred", pred)
    check_floating("imgs", imgs)
    if norm_pix and p < 2:
        raise ValueError(f"imgs: norm_pix needs at least 2 values per patch (p * p * C), got {p}")
    dtype = compute_dtype(pred, imgs)
    target = target.to(dtype)
    if norm_pix:
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)  # unbiased, as the official code
        target = (target - mean) / (var + 1.0e-6).sqrt()
    per_patch = (pred.to(dtype) - target).pow(2).mean(dim=-1)  # [B, N]
    weight = mask.to(dtype)
    removed = weight.sum()
    return (per_patch * weight).sum() / torch.where(removed > 0, removed, torch.ones_like(removed))


def _example(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """224 x 224 RGB images, 16 x 16 patches, 75% removed, for ``ssl-kb loss mae_loss``."""
    imgs = torch.randn(batch, 3, 224, 224, generator=generator).to(device, dtype)
    pred = torch.randn(batch, 196, 768, generator=generator).to(device, dtype).requires_grad_()
    _, mask, _ = random_masking(torch.zeros(batch, 196, 1), 0.75, generator)
    return (pred, imgs, mask.to(device)), {}


EXAMPLES: dict[
    str, Callable[[int, torch.device, torch.dtype, torch.Generator], tuple[tuple[Any, ...], dict[str, Any]]]
] = {
    "mae_loss": _example,
}
