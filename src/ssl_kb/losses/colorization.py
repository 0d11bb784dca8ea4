r"""Colorization as classification over quantised ab, and the split-brain cross-channel loss.

Zhang, Isola, Efros, "Colorful Image Colorization", arXiv 1603.08511, Sec. 2.1: the ab plane is quantised
on a grid of size 10, keeping the :math:`Q = 313` in-gamut bins (Fig. 3a); the loss is the multinomial
cross-entropy of Eq. 2 against the soft-encoded target (5 nearest bins, Gaussian kernel
:math:`\sigma = 5`), optionally re-weighted per pixel by the class-rebalancing weights :math:`v` of Eq. 3-4.
Zhang, Isola, Efros, "Split-Brain Autoencoders", arXiv 1611.09842, Sec. 3: two sub-networks predict ab
from L and L from ab; with the classification loss on both (the paper's best "cl, cl" setting) the total is
the sum of the two cross-entropies.

The 313 bins. The official set is ``resources/pts_in_hull.npy`` of richzhang/colorization (a binary file,
not readable here). :data:`AB_GAMUT_ROWS` was transcribed from a third-party literal and has since been
compared, point by point and in order, with the transcription OpenCV ships with its colorization sample
(opencv/opencv ``samples/dnn/colorization.cpp``, ``hull_pts``: "the 313 ab cluster centers from
pts_in_hull.npy (already transposed)", i.e. the 313 a values then the 313 b values): all 313 points agree,
in the same order (checksums in ``tests/losses/test_colorization.py``). A derivation also cross-checks it:
converting the surface of the sRGB cube to CIE Lab (D65, the sRGB/XYZ matrix of scikit-image) and keeping
every grid point that is a corner of a 10 x 10 grid cell reached by some colour gives a subset of the table
that misses only a handful of boundary points; no simple rule reproduced the exact 313, so the table, not the
derivation, defines the bins.

Official training code vs the paper (richzhang/colorization, ``resources/caffe_traininglayers.py``): its
``NNEncLayer`` soft-encodes with ``NN = 10`` neighbours (sigma 5), while Sec. 2.1 of the paper says 5; the
defaults here follow the paper (and the brief). Its ``PriorBoostLayer`` takes the re-balancing weight of the
arg-max bin of the soft encoding (the nearest bin, as here) with ``gamma = .5`` (the paper's
:math:`\lambda`) and ``alpha = 1``, and mixes the prior with a uniform distribution over the bins whose prior
is non-zero (the paper: over all :math:`Q`); :func:`class_rebalancing_weights` follows the paper.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape, compute_dtype

__all__ = [
    "AB_GAMUT_ROWS",
    "ab_bin_centers",
    "class_rebalancing_weights",
    "colorization_loss",
    "quantize_ab",
    "quantize_lightness",
    "soft_encode_ab",
    "split_brain_loss",
]

#: ``a: (b_min, b_max)``: the in-gamut bins are ``(a, b)`` for ``b`` from ``b_min`` to ``b_max`` step 10.
AB_GAMUT_ROWS: dict[int, tuple[int, int]] = {
    -90: (50, 90), -80: (20, 90), -70: (0, 90), -60: (-20, 90), -50: (-30, 100), -40: (-40, 100),
    -30: (-50, 100), -20: (-50, 100), -10: (-60, 100), 0: (-70, 100), 10: (-80, 90), 20: (-80, 90),
    30: (-90, 90), 40: (-100, 90), 50: (-100, 80), 60: (-110, 80), 70: (-110, 80), 80: (-110, 70),
    90: (-110, 70), 100: (-90, 0),
}  # fmt: skip

_GRID = 10


def ab_bin_centers(
    *, device: torch.device | str | None = None, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    r"""The 313 in-gamut ab bin centres ``[Q, 2]``, ordered by a then b (the order of ``pts_in_hull.npy``).

    >>> centers = ab_bin_centers()
    >>> centers.shape, centers[0].tolist(), centers[-1].tolist()
    (torch.Size([313, 2]), [-90.0, 50.0], [100.0, 0.0])
    """
    points = [(a, b) for a, (lo, hi) in AB_GAMUT_ROWS.items() for b in range(lo, hi + 1, _GRID)]
    return torch.tensor(points, dtype=dtype, device=device)


def _nearest_bins(ab: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Distances and indices ``[P, k]`` of the k nearest bin centres to the points ``ab`` ``[P, 2]``.

    ``k = 1`` breaks ties towards the lower bin index (``argmin`` returns the first minimum); for ``k > 1``
    the order among equidistant centres is ``topk``'s.
    """
    centers = ab_bin_centers(device=ab.device, dtype=ab.dtype)
    dists, idx = [], []
    for chunk in torch.split(ab, 1 << 15):
        # direct differences, not the matrix-product expansion: exact on the integer grid, so ties and
        # cell boundaries resolve the same way on every device
        d = torch.cdist(chunk, centers, compute_mode="donot_use_mm_for_euclid_dist")
        if k == 1:
            i = d.argmin(dim=1, keepdim=True)
            dists.append(d.gather(1, i))
            idx.append(i)
        else:
            values, i = torch.topk(d, k, dim=1, largest=False, sorted=True)
            dists.append(values)
            idx.append(i)
    return torch.cat(dists), torch.cat(idx)


def _check_ab(name: str, ab: torch.Tensor) -> dict[str, int]:
    sizes = check_shape(name, ab, "B C H W", C=2)
    check_floating(name, ab)
    return sizes


def quantize_ab(ab: torch.Tensor, grid: int = 10) -> torch.Tensor:
    r"""Index ``[B, H, W]`` (long, ``0..312``) of the nearest in-gamut bin centre to each ab value.

    For in-gamut values this is rounding to the grid of 10; values outside the gamut go to the nearest
    in-gamut centre (Euclidean, ties to the lower index), as the official nearest-neighbour encoder.

    Args:
        ab: ``[B, 2, H, W]`` the a and b channels of CIE Lab (roughly in :math:`[-110, 110]`).
        grid: 10, the only grid the 313-bin set is defined on (Zhang et al. Sec. 2.1).

    >>> quantize_ab(torch.tensor([[[[0.0, 3.0]], [[0.0, 52.0]]]])).tolist()  # (0, 0) and (0, 50)
    [[[120, 125]]]
    """
    if grid != _GRID:
        raise ValueError(
            f"grid: only {_GRID} is supported (the 313-bin set is defined on that grid), got {grid}"
        )
    sizes = _check_ab("ab", ab)
    b, h, w = sizes["B"], sizes["H"], sizes["W"]
    points = ab.detach().to(compute_dtype(ab)).permute(0, 2, 3, 1).reshape(-1, 2)
    _, idx = _nearest_bins(points, 1)
    return idx[:, 0].reshape(b, h, w)


def soft_encode_ab(ab: torch.Tensor, *, neighbours: int = 5, sigma: float = 5.0) -> torch.Tensor:
    r"""Soft-encoded targets ``[B, Q, H, W]``: the k nearest bins weighted by a Gaussian (Sec. 2.1).

    .. math::
        Z_{hw,q} \propto \exp\Big(-\frac{\|y_{hw} - c_q\|^2}{2\sigma^2}\Big) \text{ for the k nearest } c_q,\ 0
        \text{ elsewhere},\quad \sum_q Z_{hw,q} = 1

    Args:
        ab: ``[B, 2, H, W]``.
        neighbours: 5 (Zhang et al. Sec. 2.1).
        sigma: 5 (Zhang et al. Sec. 2.1).

    >>> z = soft_encode_ab(torch.zeros(1, 2, 1, 1))
    >>> z.shape, round(z.sum().item(), 6), int((z > 0).sum())
    (torch.Size([1, 313, 1, 1]), 1.0, 5)
    """
    sizes = _check_ab("ab", ab)
    b, h, w = sizes["B"], sizes["H"], sizes["W"]
    dt = compute_dtype(ab)
    points = ab.detach().to(dt).permute(0, 2, 3, 1).reshape(-1, 2)
    dists, idx = _nearest_bins(points, neighbours)
    weights = torch.softmax(-dists.pow(2) / (2.0 * sigma**2), dim=1)  # exp(-d^2 / 2 sigma^2), normalised
    z = torch.zeros(points.shape[0], 313, dtype=dt, device=ab.device).scatter_(1, idx, weights)
    return z.reshape(b, h, w, 313).permute(0, 3, 1, 2)


def class_rebalancing_weights(prior: torch.Tensor, lam: float = 0.5) -> torch.Tensor:
    r"""Class re-balancing weights :math:`w` ``[Q]`` from the empirical bin prior (Zhang et al. Eq. 3-4).

    .. math::
        w \propto \Big((1 - \lambda)\, \tilde p + \frac{\lambda}{Q}\Big)^{-1},\qquad
        \mathbb{E}_{\tilde p}[w] = \sum_q \tilde p_q w_q = 1

    Args:
        prior: ``[Q]`` empirical probabilities :math:`\tilde p` of the bins (non-negative; normalised here;
            the paper estimates them on ImageNet and smooths them with a Gaussian kernel first).
        lam: :math:`\lambda = 1/2` (Zhang et al. Sec. 2.2).

    Returns:
        ``[Q]`` weights in ``prior``'s floating dtype (float32 for integer counts), for
        ``colorization_loss(..., class_weights=w)``.

    >>> class_rebalancing_weights(torch.full((4,), 0.25)).tolist()  # a uniform prior gives w = 1
    [1.0, 1.0, 1.0, 1.0]
    """
    sizes = check_shape("prior", prior, "Q")
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam: expected a value in [0, 1], got {lam}")
    p = prior.to(compute_dtype(prior) if prior.is_floating_point() else torch.float32)
    if p.numel() == 0 or bool((p < 0).any()) or float(p.sum()) <= 0:
        raise ValueError("prior: expected non-negative values with a positive sum")
    p = p / p.sum()
    w = 1.0 / ((1.0 - lam) * p + lam / sizes["Q"])
    return w / (p * w).sum()


def quantize_lightness(lightness: torch.Tensor, bins: int) -> torch.Tensor:
    r"""Uniform bins of the L channel over :math:`[0, 100]`: index ``floor(L / (100 / bins))``, clamped.

    Args:
        lightness: ``[B, 1, H, W]`` or ``[B, H, W]``, L in :math:`[0, 100]`.
        bins: number of bins (the ab -> L classifier's ``K``).

    >>> quantize_lightness(torch.tensor([[0.0, 49.9, 50.0, 100.0]]), 2).tolist()
    [[0, 0, 1, 1]]
    """
    if bins < 1:
        raise ValueError(f"bins: expected a positive int, got {bins}")
    x = lightness[:, 0] if lightness.dim() == 4 else lightness
    return torch.floor(x.detach().to(compute_dtype(x)) * (bins / 100.0)).long().clamp(0, bins - 1)


def _weighted_ce(
    logits: torch.Tensor, z: torch.Tensor, class_weights: torch.Tensor | None, hard: torch.Tensor
) -> torch.Tensor:
    """Mean over pixels of ``-v * sum_q z log softmax(logits)``; ``hard`` gives the class of ``v``."""
    log_p = F.log_softmax(logits, dim=1)
    per_pixel = -(z * log_p).sum(1)
    if class_weights is not None:
        per_pixel = per_pixel * class_weights.to(per_pixel.dtype)[hard]
    return per_pixel.mean()


def colorization_loss(
    logits: torch.Tensor,
    ab_target: torch.Tensor,
    *,
    soft_encoding: bool = False,
    class_weights: torch.Tensor | None = None,
    neighbours: int = 5,
    sigma: float = 5.0,
) -> torch.Tensor:
    r"""Cross-entropy over the 313 ab bins, mean over pixels (Zhang et al. Eq. 2).

    .. math::
        \mathcal{L} = -\frac{1}{BHW} \sum_{b,h,w} v(Z_{bhw}) \sum_q Z_{bhw,q} \log \operatorname{softmax}(\ell_{bhw})_q

    By default :math:`Z` is the **hard** one-hot of :func:`quantize_ab` (the brief's choice, and what
    split-brain's classification loss needs); ``soft_encoding=True`` uses :func:`soft_encode_ab` as the
    colorization paper. :math:`v = 1` unless ``class_weights`` ``[Q]`` is given (Eq. 3-4 re-balancing,
    indexed by the nearest bin). Eq. 2 sums over pixels; the mean here only rescales. Softmax in float32 for
    half inputs.

    Args:
        logits: ``[B, Q, H, W]`` with ``Q = 313``.
        ab_target: ``[B, 2, H, W]`` ground-truth ab (at the logits' resolution).
        soft_encoding: False (hard targets); True for the 5-NN Gaussian soft encoding.
        class_weights: optional ``[Q]`` weights :math:`v`.
        neighbours, sigma: soft-encoding parameters, 5 and 5 (Sec. 2.1).

    >>> round(colorization_loss(torch.zeros(1, 313, 2, 2), torch.zeros(1, 2, 2, 2)).item(), 4)  # ln 313
    5.7462
    """
    sizes = check_shape("logits", logits, "B Q H W", Q=313)
    check_floating("logits", logits)
    _check_ab("ab_target", ab_target)
    check_shape("ab_target", ab_target, "B C H W", B=sizes["B"], C=2, H=sizes["H"], W=sizes["W"])
    if class_weights is not None:
        check_shape("class_weights", class_weights, "Q", Q=313)
    dt = compute_dtype(logits)
    hard = quantize_ab(ab_target)
    if soft_encoding:
        z = soft_encode_ab(ab_target, neighbours=neighbours, sigma=sigma).to(dt)
    else:
        z = F.one_hot(hard, 313).permute(0, 3, 1, 2).to(dt)
    return _weighted_ce(logits.to(dt), z, class_weights, hard)


def split_brain_loss(
    *, ab_logits: torch.Tensor, l_logits: torch.Tensor, lab: torch.Tensor, soft_encoding: bool = False
) -> torch.Tensor:
    r"""Split-brain cross-channel loss on Lab: :math:`\mathcal{L}(F_1(L), ab) + \mathcal{L}(F_2(ab), L)`.

    Both terms are classification losses (split-brain Sec. 3.1-3.2, the "cl, cl" setting): L -> ab over the
    313 ab bins (:func:`colorization_loss`), ab -> L over ``K_L = l_logits.shape[1]`` uniform L bins on
    :math:`[0, 100]` (:func:`quantize_lightness`); each is a mean over pixels, and they are added.
    Keyword-only: with ``K_L = 313`` the two logit tensors have the same shape and a swap would run.

    Args:
        ab_logits: ``[B, 313, H, W]``, the L -> ab sub-network's output.
        l_logits: ``[B, K_L, H, W]``, the ab -> L sub-network's output.
        lab: ``[B, 3, H, W]`` the target image in CIE Lab (L in :math:`[0, 100]`).
        soft_encoding: soft ab targets for the L -> ab term (see :func:`colorization_loss`).

    >>> lab = torch.zeros(1, 3, 2, 2)
    >>> ab_logits, l_logits = torch.zeros(1, 313, 2, 2), torch.zeros(1, 50, 2, 2)
    >>> round(split_brain_loss(ab_logits=ab_logits, l_logits=l_logits, lab=lab).item(), 4)
    9.6582
    """
    sizes = check_shape("lab", lab, "B C H W", C=3)
    check_floating("lab", lab)
    check_shape("l_logits", l_logits, "B K H W", B=sizes["B"], H=sizes["H"], W=sizes["W"])
    check_floating("l_logits", l_logits)
    ab_term = colorization_loss(ab_logits, lab[:, 1:], soft_encoding=soft_encoding)
    dt = compute_dtype(l_logits)
    l_target = quantize_lightness(lab[:, :1], l_logits.shape[1])
    l_term = F.cross_entropy(l_logits.to(dt), l_target)
    return ab_term + l_term
