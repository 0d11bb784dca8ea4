r"""UNITER's pre-training losses: ITM, MLM, MRFR, MRC-kl and word-region alignment by optimal transport.

Chen et al., "UNITER: UNiversal Image-TExt Representation Learning", arXiv 1909.11740, Sec. 3.2: MLM
(Eq. 1), ITM (Eq. 2), WRA by optimal transport (Eq. 3, solved with IPOT), MRM variants MRFR (Eq. 5) and
MRC-kl (Eq. 7). The official code (ChenRocks/UNITER, ``model/pretrain.py``, ``model/ot.py``) fixes the
details the paper leaves open; where it differs from the equations, the docstrings say which is followed.

IPOT: Xie et al., "A Fast Proximal Point Method for Computing Exact Wasserstein Distance", arXiv
1802.04307, Algorithm 1 (proximal point iterations, each solved inexactly with ``inner`` Sinkhorn steps).

Masks: ``*_pad`` tensors are **True = padding** (as UNITER's ``txt_pad`` / ``img_pad``); ``mask`` is
**True = masked region** (predicted), as everywhere in :mod:`ssl_kb.losses`; MLM's ``target`` marks the
masked tokens by holding an id there and ``ignore_index`` elsewhere. Where two arguments could be swapped
without an error (same shapes: prediction and target, words and regions) they are keyword-only.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .validation import check_floating, check_shape, compute_dtype

__all__ = ["ipot_distance", "itm_loss", "mlm_loss", "mrc_kl_loss", "mrfr_loss", "wra_loss"]


def _zero(x: torch.Tensor, dt: torch.dtype) -> torch.Tensor:
    """0 that still depends on ``x`` (an empty selection gives 0, not NaN, with a gradient path)."""
    return x.sum().to(dt) * 0.0


def itm_loss(*, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Image-text matching: binary cross-entropy on the match score (UNITER Eq. 2).

    .. math::
        \mathcal{L}_{ITM} = -\frac{1}{B} \sum_b \big[y_b \log \sigma(s_b) + (1 - y_b) \log(1 - \sigma(s_b))\big]

    ``logits`` of shape ``[B]`` are the match scores :math:`s_b` of Eq. 2; ``[B, 2]`` are the official code's
    two-way head (``itm_output = Linear(hidden, 2)``, ``F.cross_entropy``), which equals the binary form on
    :math:`s_b = \ell_{b,1} - \ell_{b,0}`.

    Args:
        logits: ``[B]`` match logits or ``[B, 2]`` (no-match, match) logits.
        target: ``[B]``, 1 = matched pair, 0 = negative pair (long, bool or float).

    >>> round(itm_loss(logits=torch.zeros(2), target=torch.tensor([1, 0])).item(), 6)  # ln 2
    0.693147
    """
    check_floating("logits", logits)
    if not (logits.dim() == 1 or (logits.dim() == 2 and logits.shape[1] == 2)):
        raise ValueError(f"logits: expected (B,) or (B, 2), got {tuple(logits.shape)}")
    batch = logits.shape[0]
    check_shape("target", target, "B", B=batch)
    dt = compute_dtype(logits)
    if batch == 0:
        return _zero(logits, dt)
    if logits.dim() == 2:
        return F.cross_entropy(logits.to(dt), target.long())
    return F.binary_cross_entropy_with_logits(logits.to(dt), target.to(dt))


def mlm_loss(logits: torch.Tensor, target: torch.Tensor, ignore_index: int = -1) -> torch.Tensor:
    r"""Masked language modelling: cross-entropy on the masked tokens, one mean over them (UNITER Eq. 1).

    .. math::
        \mathcal{L}_{MLM} = -\frac{1}{|S|}\sum_{(b, n) \in S} \log \operatorname{softmax}(\ell_{b,n})_{y_{b,n}},
        \qquad S = \{(b, n) : y_{b,n} \neq \text{ignore\_index}\}

    Args:
        logits: ``[B, N, K]`` vocabulary scores at the text positions.
        target: ``[B, N]`` long, the original token id at masked positions and ``ignore_index`` elsewhere.
        ignore_index: -1, as UNITER's ``txt_labels`` (``txt_labels != -1`` selects the masked tokens).

    Returns:
        scalar; no masked token gives 0 (not NaN) with a gradient path.

    >>> round(mlm_loss(torch.zeros(1, 3, 4), torch.tensor([[-1, 2, -1]])).item(), 6)  # ln 4
    1.386294
    """
    sizes = check_shape("logits", logits, "B N K")
    check_floating("logits", logits)
    check_shape("target", target, "B N", B=sizes["B"], N=sizes["N"])
    dt = compute_dtype(logits)
    valid = target != ignore_index
    total = F.cross_entropy(
        logits.to(dt).reshape(-1, sizes["K"]),
        target.long().reshape(-1),
        ignore_index=ignore_index,
        reduction="sum",
    )
    return total / valid.sum().to(dt).clamp_min(1.0)


def _region_args(name: str, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> dict[str, int]:
    sizes = check_shape(name, pred, "B N D")
    check_floating(name, pred)
    check_shape("target", target, "B N D", **sizes)
    check_shape("mask", mask, "B N", B=sizes["B"], N=sizes["N"])
    return sizes


def mrfr_loss(
    *,
    pred: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor,
    feature_reduction: str = "mean",
) -> torch.Tensor:
    r"""Masked region feature regression: L2 between predicted and input RoI features (UNITER Eq. 5).

    .. math::
        \mathcal{L}_{MRFR} = \frac{1}{|S|} \sum_{(b, n) \in S} \frac{1}{D} \big\| h_{b,n} - r_{b,n} \big\|_2^2

    Eq. 5 sums :math:`\|h - r\|_2^2` over the masked regions; the official code takes
    ``F.mse_loss(pred, target, reduction='none').mean()``, i.e. the mean over masked regions **and** the
    :math:`D` feature dimensions (``pretrain.py``; its ``validate_mrfr`` reports the same number as
    ``loss.sum() / IMG_DIM / n_masked``), which is the default here. ``feature_reduction="sum"`` gives
    Eq. 5's squared L2 norm per region (:math:`D` times larger), still averaged over the masked regions.

    Args:
        pred: ``[B, N, D]`` regressed features :math:`h` (after UNITER's FC layer) at every region.
        target: ``[B, N, D]`` the input RoI-pooled features :math:`r`.
        mask: ``[B, N]`` **1 = masked region** (the ones predicted), 0 = visible or padding.
        feature_reduction: ``"mean"`` over the :math:`D` features (official code, default) or ``"sum"``
            (Eq. 5).

    Returns:
        scalar; no masked region gives 0 with a gradient path.

    >>> p, t = torch.ones(1, 2, 4), torch.zeros(1, 2, 4)
    >>> m = torch.tensor([[True, False]])
    >>> mrfr_loss(pred=p, target=t, mask=m).item(), mrfr_loss(pred=p, target=t, mask=m, feature_reduction="sum").item()
    (1.0, 4.0)
    """
    _region_args("pred", pred, target, mask)
    if feature_reduction not in ("mean", "sum"):
        raise ValueError(f"feature_reduction: expected 'mean' or 'sum', got {feature_reduction!r}")
    dt = compute_dtype(pred, target)
    m = mask.to(dt)
    sq = (pred.to(dt) - target.to(dt)).pow(2)
    per_region = sq.mean(-1) if feature_reduction == "mean" else sq.sum(-1)
    return (per_region * m).sum() / m.sum().clamp_min(1.0)


def mrc_kl_loss(*, logits: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    r"""Masked region classification with KL divergence (UNITER Eq. 7).

    .. math::
        \mathcal{L}_{MRC\text{-}kl} = \frac{1}{|S|} \sum_{(b, n) \in S}
        D_{KL}\big(\tilde c_{b,n} \,\|\, g_{b,n}\big)
        = \frac{1}{|S|} \sum_{(b, n) \in S} \sum_k \tilde c_{b,n,k} \big(\log \tilde c_{b,n,k} - \log g_{b,n,k}\big)

    with :math:`g = \operatorname{softmax}(\ell)` the predicted distribution and :math:`\tilde c` the
    object detector's class distribution (:math:`0 \log 0 = 0`), the direction of Eq. 7 and of the official
    ``F.kl_div(log_softmax(pred), label_targets)`` (target first: :math:`\sum \tilde c(\log \tilde c -
    \log g)`). This is Eq. 7 per region, averaged over the masked regions, and the number the official
    ``validate_mrc`` reports (``kl_div(..., reduction='sum') / n_masked``); the training step's
    ``F.kl_div(..., reduction='none').mean()`` also divides by the :math:`K` classes.

    Args:
        logits: ``[B, N, K]`` class logits at every region.
        target: ``[B, N, K]`` the detector's soft labels :math:`\tilde c` (rows summing to 1, e.g.
            K = 1601 Visual Genome classes with background).
        mask: ``[B, N]`` **1 = masked region** (predicted), 0 = visible or padding.

    Returns:
        scalar; no masked region gives 0 with a gradient path.

    >>> c = torch.tensor([[[0.5, 0.5]]])
    >>> mrc_kl_loss(logits=torch.zeros(1, 1, 2), target=c, mask=torch.ones(1, 1)).item()
    0.0
    """
    _region_args("logits", logits, target, mask)
    dt = compute_dtype(logits, target)
    log_g = F.log_softmax(logits.to(dt), dim=-1)
    c = target.to(dt)
    cross = torch.where(c == 0, 0.0, c * log_g)  # 0 log 0 = 0, also where a logit is -inf
    kl = (torch.xlogy(c, c) - cross).sum(-1)
    m = mask.to(dt)
    return (kl * m).sum() / m.sum().clamp_min(1.0)


def ipot_distance(
    cost: torch.Tensor,
    *,
    x_pad: torch.Tensor | None = None,
    y_pad: torch.Tensor | None = None,
    beta: float = 0.5,
    iterations: int = 50,
    inner: int = 1,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Wasserstein distance between uniform distributions by IPOT (Xie et al. Algorithm 1).

    With :math:`\mu = \mathbf 1 / n`, :math:`\nu = \mathbf 1 / m` over the non-padded positions,
    :math:`G = e^{-C / \beta}`, :math:`T^{(1)} = \mathbf 1 \mathbf 1^\top`, :math:`\sigma = \mathbf 1 / m`:

    .. math::
        Q = G \odot T^{(t)};\quad \text{repeat inner times: } \delta = \frac{\mu}{Q \sigma},\
        \sigma = \frac{\nu}{Q^\top \delta};\quad T^{(t+1)} = \operatorname{diag}(\delta)\, Q\, \operatorname{diag}(\sigma)

    and the distance is :math:`\langle C, T \rangle = \sum_{ij} C_{ij} T_{ij}`. As in UNITER's ``ot.py``
    the plan is computed without gradient (in float32 at least) and the distance is differentiated through
    ``cost`` only: :math:`\partial d / \partial C = T`. Padded rows/columns get zero mass. The rows are
    the first distribution (:math:`\delta`, updated first); after a finite number of iterations the result
    depends on which side that is (UNITER's ``ot.py`` puts the image regions there, see :func:`wra_loss`).

    Args:
        cost: ``[B, N, M]`` cost matrices (:func:`wra_loss`: cosine distance, regions as rows, words as columns).
        x_pad: ``[B, N]``, **True = padding** (rows); ``None`` = no padding.
        y_pad: ``[B, M]``, **True = padding** (columns).
        beta: proximal step :math:`\beta`; 0.5 (UNITER ``optimal_transport_dist``).
        iterations: outer proximal iterations; 50 (UNITER).
        inner: Sinkhorn steps per iteration (Algorithm 1's inner loop, UNITER's ``k``); 1 (UNITER).

    Returns:
        ``(distance [B], plan [B, N, M])``; the distance has ``cost``'s dtype (float32 for half).

    >>> d, t = ipot_distance(torch.tensor([[[0.0, 1.0], [1.0, 0.0]]]))
    >>> round(d.item(), 4), [round(v, 3) for v in t[0].flatten().tolist()]
    (0.0, [0.5, 0.0, 0.0, 0.5])
    """
    sizes = check_shape("cost", cost, "B N M")
    check_floating("cost", cost)
    b, n, m = sizes["B"], sizes["N"], sizes["M"]
    if x_pad is not None:
        check_shape("x_pad", x_pad, "B N", B=b, N=n)
    if y_pad is not None:
        check_shape("y_pad", y_pad, "B M", B=b, M=m)
    xp = torch.zeros(b, n, dtype=torch.bool, device=cost.device) if x_pad is None else x_pad.bool()
    yp = torch.zeros(b, m, dtype=torch.bool, device=cost.device) if y_pad is None else y_pad.bool()
    if beta <= 0:
        raise ValueError(f"beta: expected a positive step, got {beta}")
    if iterations < 1 or inner < 1:
        raise ValueError(f"iterations, inner: expected positive ints, got {iterations}, {inner}")
    dt = compute_dtype(cost)
    with torch.no_grad():
        c = cost.detach().to(dt)
        valid = ~xp.unsqueeze(2) & ~yp.unsqueeze(1)
        n_x = (~xp).sum(1, keepdim=True).to(dt)  # [B, 1]
        n_y = (~yp).sum(1, keepdim=True).to(dt)
        mu = torch.where(xp, 0.0, 1.0 / n_x.clamp_min(1.0))  # [B, N]
        nu = torch.where(yp, 0.0, 1.0 / n_y.clamp_min(1.0))  # [B, M]
        g = torch.where(valid, torch.exp(-c / beta), 0.0)
        plan = valid.to(dt)
        sigma = nu.clone()
        delta = mu.clone()
        for _ in range(iterations):
            q = g * plan
            for _ in range(inner):
                qs = torch.bmm(q, sigma.unsqueeze(2)).squeeze(2)
                delta = torch.where(xp, 0.0, mu / torch.where(xp, 1.0, qs))
                qd = torch.bmm(q.transpose(1, 2), delta.unsqueeze(2)).squeeze(2)
                sigma = torch.where(yp, 0.0, nu / torch.where(yp, 1.0, qd))
            plan = delta.unsqueeze(2) * q * sigma.unsqueeze(1)
    distance = (cost.to(dt) * plan).sum((1, 2))
    return distance, plan


def _cosine_cost(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``1 - cos`` between every row of x ``[B, N, D]`` and y ``[B, M, D]`` (UNITER ``cost_matrix_cosine``)."""
    xn = F.normalize(x, p=2, dim=-1, eps=1e-5)
    yn = F.normalize(y, p=2, dim=-1, eps=1e-5)
    return 1.0 - torch.bmm(xn, yn.transpose(1, 2))


def wra_loss(
    *,
    txt_emb: torch.Tensor,
    img_emb: torch.Tensor,
    target: torch.Tensor,
    txt_pad: torch.Tensor | None = None,
    img_pad: torch.Tensor | None = None,
    beta: float = 0.5,
    iterations: int = 50,
    inner: int = 1,
) -> torch.Tensor:
    r"""Word-region alignment: OT distance, minimised on matched pairs and maximised on negatives (Eq. 3).

    .. math::
        C_{b,ij} = 1 - \cos(w_{b,i}, v_{b,j}),\quad d_b = \langle C_b, T_b \rangle \text{ (IPOT)},\quad
        \mathcal{L}_{WRA} = \frac{1}{B}\Big(\sum_{b: y_b = 1} d_b - \sum_{b: y_b = 0} d_b\Big)

    The sign and the normalisation by all :math:`B` pairs are the official training script's
    (``pretrain.py``: ``ot_loss = (ot_pos.sum() - ot_neg.sum()) / (ot_pos.size(0) + ot_neg.size(0))``,
    weighted by ``itm_ot_lambda`` = 0.1 in ``config/pretrain-indomain-base-8gpu.json`` next to ITM); the
    cost, :math:`\beta`, 50 iterations, 1 inner step and the orientation are ``model/ot.py``'s: its ``ipot``
    runs Algorithm 1 on :math:`C^\top`, the regions as rows, so this calls :func:`ipot_distance` on
    :math:`C^\top` and equals ``optimal_transport_dist`` to rounding (not only in the limit). Embeddings are
    the contextualised outputs of the cross-modal transformer.

    Args:
        txt_emb: ``[B, N, D]`` word embeddings :math:`w`.
        img_emb: ``[B, M, D]`` region embeddings :math:`v`.
        target: ``[B]``, 1 = matched pair, 0 = negative pair.
        txt_pad: ``[B, N]``, **True = padding**.
        img_pad: ``[B, M]``, **True = padding**.
        beta, iterations, inner: see :func:`ipot_distance`.

    >>> w = torch.eye(2).unsqueeze(0)  # two words equal to the two regions
    >>> round(wra_loss(txt_emb=w, img_emb=w.flip(1), target=torch.tensor([1])).item(), 4)
    0.0
    """
    sizes = check_shape("txt_emb", txt_emb, "B N D")
    check_floating("txt_emb", txt_emb)
    check_shape("img_emb", img_emb, "B M D", B=sizes["B"], D=sizes["D"])
    check_floating("img_emb", img_emb)
    check_shape("target", target, "B", B=sizes["B"])
    if txt_pad is not None:
        check_shape("txt_pad", txt_pad, "B N", B=sizes["B"], N=sizes["N"])
    if img_pad is not None:
        check_shape("img_pad", img_pad, "B M", B=sizes["B"], M=img_emb.shape[1])
    dt = compute_dtype(txt_emb, img_emb)
    if sizes["B"] == 0:
        return _zero(txt_emb, dt) + _zero(img_emb, dt)
    cost = _cosine_cost(img_emb.to(dt), txt_emb.to(dt))  # [B, M, N] = C^T: regions are IPOT's rows
    distance, _ = ipot_distance(
        cost, x_pad=img_pad, y_pad=txt_pad, beta=beta, iterations=iterations, inner=inner
    )
    sign = torch.where(target.bool(), 1.0, -1.0).to(dt)
    return (sign * distance).sum() / sizes["B"]
