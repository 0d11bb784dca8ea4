r"""Reference PyTorch implementations of the core losses and metrics of the methods in the KB.

Imports torch and nothing else from ``ssl_kb``; nothing else in ``ssl_kb`` imports torch.
Records link here by dotted path (``ssl_kb.losses.<name>``); ``ssl-kb check`` verifies that the
name is listed in ``__all__`` below without importing torch, so keep ``__all__`` a literal list.

One name per concept across the losses: ``logits`` are scores before a softmax or sigmoid, ``pred`` a
regressed value (pixels, features), ``target`` what they are compared with (class ids, pixels, soft
labels; never ``targets``), ``mask`` marks **True (or 1) = masked**: removed, missing, predicted and
counted in the loss; ``*_pad`` marks **True = padding**. Arguments of the same shape whose roles could be
swapped without an error (``student=``/``teacher=``, ``pred=``/``target=``, words and regions) are
keyword-only; symmetric pairs (``info_nce``'s two views, ``clip_loss``'s images and texts) stay
positional. Gathering across ranks lives in :mod:`ssl_kb.losses.distributed`, not in the losses.

Only losses (and the helpers a record may cite, such as masking generators) are exported. The tooling is
private: ``_runner`` (``ssl-kb loss``: :func:`~ssl_kb.losses._runner.run_loss`,
:func:`~ssl_kb.losses._runner.available_losses`) and ``_examples`` (its random inputs).
"""

# --- contrastive, distillation and masked-modelling losses (section A) ---
from .beit import beit_mim_loss, blockwise_masking
from .clip import clip_loss
from .dino import dino_loss, update_center
from .distributed import all_gather_with_grad, clip_loss_across_ranks, info_nce_across_ranks
from .info_nce import info_nce
from .mae import mae_loss, patchify, random_masking

# --- pretext, segmentation, vision-language losses and metrics (section B) ---
# isort: split
from .cider import cider_d
from .colorization import (
    ab_bin_centers,
    class_rebalancing_weights,
    colorization_loss,
    quantize_ab,
    quantize_lightness,
    soft_encode_ab,
    split_brain_loss,
)
from .context_encoder import context_encoder_loss
from .flamingo import GatedCrossAttentionDense, media_index_from_locations
from .language_model import next_token_loss
from .relative_position import relative_position_class, relative_position_loss
from .sam import dice_loss, focal_loss, sam_mask_loss
from .uniter import ipot_distance, itm_loss, mlm_loss, mrc_kl_loss, mrfr_loss, wra_loss
from .vqa import vqa_accuracy

__all__: list[str] = [  # noqa: RUF022 (two sections, each sorted)
    # section A
    "all_gather_with_grad",
    "beit_mim_loss",
    "blockwise_masking",
    "clip_loss",
    "clip_loss_across_ranks",
    "dino_loss",
    "info_nce",
    "info_nce_across_ranks",
    "mae_loss",
    "patchify",
    "random_masking",
    "update_center",
    # section B
    "GatedCrossAttentionDense",
    "ab_bin_centers",
    "cider_d",
    "class_rebalancing_weights",
    "colorization_loss",
    "context_encoder_loss",
    "dice_loss",
    "focal_loss",
    "ipot_distance",
    "itm_loss",
    "media_index_from_locations",
    "mlm_loss",
    "mrc_kl_loss",
    "mrfr_loss",
    "next_token_loss",
    "quantize_ab",
    "quantize_lightness",
    "relative_position_class",
    "relative_position_loss",
    "sam_mask_loss",
    "soft_encode_ab",
    "split_brain_loss",
    "vqa_accuracy",
    "wra_loss",
]
