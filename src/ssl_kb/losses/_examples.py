r"""Random example inputs for every loss, for ``ssl-kb loss NAME`` (:mod:`ssl_kb.losses._runner`).

Private: not part of :mod:`ssl_kb.losses`'s ``__all__``, so no record can link to it. ``EXAMPLES`` maps a
public loss name to a factory ``(batch, device, dtype, generator) -> (args, kwargs)``; the runner calls
``loss(*args, **kwargs)``. Sizes follow each paper's default configuration where it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .beit import blockwise_masking
from .mae import random_masking

Example = tuple[tuple[Any, ...], dict[str, Any]]


def _beit(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    """14 x 14 tokens over an 8192-token vocabulary, blockwise masks, for ``ssl-kb loss beit_mim_loss``."""
    logits = torch.randn(batch, 196, 8192, generator=generator).to(device, dtype).requires_grad_()
    tokens = torch.randint(0, 8192, (batch, 196), generator=generator).to(device)
    masks = torch.stack([blockwise_masking(generator=generator).flatten() for _ in range(batch)]).to(device)
    return (logits, tokens, masks), {}


def _clip(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    """Random ``[B, 128]`` image and text features and s = 1/0.07 for ``ssl-kb loss clip_loss``."""
    img, txt = (
        torch.randn(batch, 128, generator=generator).to(device, dtype).requires_grad_() for _ in range(2)
    )
    scale = torch.tensor(1 / 0.07, device=device, requires_grad=True)
    return (img, txt, scale), {}


def _colorization_ab(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> Example:
    logits = torch.randn(batch, 313, 56, 56, generator=generator).to(device=device, dtype=dtype)
    ab = (torch.rand(batch, 2, 56, 56, generator=generator) * 160 - 80).to(device=device, dtype=dtype)
    return (logits.requires_grad_(), ab), {}


def _colorization_split(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> Example:
    ab_logits = torch.randn(batch, 313, 56, 56, generator=generator).to(device=device, dtype=dtype)
    l_logits = torch.randn(batch, 100, 56, 56, generator=generator).to(device=device, dtype=dtype)
    lab = torch.cat(
        [
            torch.rand(batch, 1, 56, 56, generator=generator) * 100,
            torch.rand(batch, 2, 56, 56, generator=generator) * 160 - 80,
        ],
        dim=1,
    ).to(device=device, dtype=dtype)
    return (), {"ab_logits": ab_logits.requires_grad_(), "l_logits": l_logits.requires_grad_(), "lab": lab}


def _context_encoder(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> Example:
    pred = torch.randn(batch, 3, 128, 128, generator=generator).to(device=device, dtype=dtype)
    target = torch.randn(batch, 3, 128, 128, generator=generator).to(device=device, dtype=dtype)
    mask = torch.zeros(batch, 1, 128, 128, device=device, dtype=dtype)
    mask[:, :, 32:96, 32:96] = 1  # the central 64 x 64 region (Sec. 3.3, "central region")
    logits = torch.randn(batch, generator=generator).to(device=device, dtype=dtype)
    return (), {
        "pred": pred.requires_grad_(),
        "target": target,
        "mask": mask,
        "d_fake_logits": logits.requires_grad_(),
    }


def _dino(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    """2 global + 8 local crops, K = 65536 prototypes (DINO's default ``--out_dim``), for ``ssl-kb loss``."""
    k = 65536
    student = [
        torch.randn(batch, k, generator=generator).to(device, dtype).requires_grad_() for _ in range(10)
    ]
    teacher = [torch.randn(batch, k, generator=generator).to(device, dtype) for _ in range(2)]
    center = torch.zeros(1, k, device=device, dtype=dtype)
    return (), {"student": student, "teacher": teacher, "center": center}


def _info_nce(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    """Random ``[B, 128]`` view pairs for ``ssl-kb loss info_nce``."""
    z_a, z_b = (
        torch.randn(batch, 128, generator=generator).to(device, dtype).requires_grad_() for _ in range(2)
    )
    return (z_a, z_b), {}


def _language_model(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> Example:
    n, k = 128, 1024
    logits = torch.randn(batch, n, k, generator=generator).to(device=device, dtype=dtype)
    targets = torch.randint(0, k, (batch, n), generator=generator)
    targets[:, :16] = -100  # e.g. image-embedding positions of an interleaved sequence
    return (logits.requires_grad_(), targets.to(device)), {}


def _mae(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    """224 x 224 RGB images, 16 x 16 patches, 75% removed, for ``ssl-kb loss mae_loss``."""
    imgs = torch.randn(batch, 3, 224, 224, generator=generator).to(device, dtype)
    pred = torch.randn(batch, 196, 768, generator=generator).to(device, dtype).requires_grad_()
    _, mask, _ = random_masking(torch.zeros(batch, 196, 1), 0.75, generator)
    return (pred, imgs, mask.to(device)), {}


def _relative_position(
    batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator
) -> Example:
    logits = torch.randn(batch, 8, generator=generator).to(device=device, dtype=dtype)
    target = torch.randint(0, 8, (batch,), generator=generator).to(device)
    return (logits.requires_grad_(), target), {}


def _sam(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    logits = torch.randn(batch, 1, 64, 64, generator=generator).to(device=device, dtype=dtype)
    target = (torch.rand(batch, 1, 64, 64, generator=generator) < 0.3).to(device=device, dtype=dtype)
    return (), {"logits": logits.requires_grad_(), "target": target}


def _uniter_itm(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    scores = torch.randn(batch, generator=generator).to(device=device, dtype=dtype)
    targets = (torch.rand(batch, generator=generator) < 0.5).long().to(device)
    return (), {"logits": scores.requires_grad_(), "target": targets}


def _uniter_mlm(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    n, k = 40, 28996  # UNITER's BERT-base cased vocabulary
    logits = torch.randn(batch, n, k, generator=generator).to(device=device, dtype=dtype)
    targets = torch.randint(0, k, (batch, n), generator=generator)
    targets[torch.rand(batch, n, generator=generator) >= 0.15] = -1  # 15% masked (UNITER Sec. 3.2)
    return (logits.requires_grad_(), targets.to(device)), {}


def _uniter_mrfr(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    n, d = 36, 2048  # Faster R-CNN RoI features
    pred = torch.randn(batch, n, d, generator=generator).to(device=device, dtype=dtype)
    target = torch.randn(batch, n, d, generator=generator).to(device=device, dtype=dtype)
    mask = (torch.rand(batch, n, generator=generator) < 0.15).to(device)
    return (), {"pred": pred.requires_grad_(), "target": target, "mask": mask}


def _uniter_mrc(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    n, k = 36, 1601
    logits = torch.randn(batch, n, k, generator=generator).to(device=device, dtype=dtype)
    soft = torch.softmax(torch.randn(batch, n, k, generator=generator), -1).to(device=device, dtype=dtype)
    mask = (torch.rand(batch, n, generator=generator) < 0.15).to(device)
    return (), {"logits": logits.requires_grad_(), "target": soft, "mask": mask}


def _uniter_wra(batch: int, device: torch.device, dtype: torch.dtype, generator: torch.Generator) -> Example:
    n, m, d = 40, 36, 768
    txt = torch.randn(batch, n, d, generator=generator).to(device=device, dtype=dtype)
    img = torch.randn(batch, m, d, generator=generator).to(device=device, dtype=dtype)
    targets = (torch.rand(batch, generator=generator) < 0.5).long().to(device)
    txt_pad = torch.arange(n).expand(batch, n) >= torch.randint(5, n + 1, (batch, 1), generator=generator)
    img_pad = torch.arange(m).expand(batch, m) >= torch.randint(10, m + 1, (batch, 1), generator=generator)
    return (), {
        "txt_emb": txt.requires_grad_(),
        "img_emb": img.requires_grad_(),
        "target": targets,
        "txt_pad": txt_pad.to(device),
        "img_pad": img_pad.to(device),
    }


Factory = Callable[[int, torch.device, torch.dtype, torch.Generator], Example]

#: ``{loss name: factory}``, sorted by name; ``available_losses`` lists these keys.
EXAMPLES: dict[str, Factory] = {
    "beit_mim_loss": _beit,
    "clip_loss": _clip,
    "colorization_loss": _colorization_ab,
    "context_encoder_loss": _context_encoder,
    "dice_loss": _sam,
    "dino_loss": _dino,
    "focal_loss": _sam,
    "info_nce": _info_nce,
    "itm_loss": _uniter_itm,
    "mae_loss": _mae,
    "mlm_loss": _uniter_mlm,
    "mrc_kl_loss": _uniter_mrc,
    "mrfr_loss": _uniter_mrfr,
    "next_token_loss": _language_model,
    "relative_position_loss": _relative_position,
    "sam_mask_loss": _sam,
    "split_brain_loss": _colorization_split,
    "wra_loss": _uniter_wra,
}
