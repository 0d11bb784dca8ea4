r"""Reference PyTorch implementations of the core losses and metrics of the methods in the KB.

Imports torch and nothing else from ``ssl_kb``; nothing else in ``ssl_kb`` imports torch.
Records link here by dotted path (``ssl_kb.losses.<name>``); ``ssl-kb check`` verifies that the
name is listed in ``__all__`` below without importing torch, so keep ``__all__`` a literal list.
"""

# --- contrastive, distillation and masked-modelling losses (section A) ---
from .beit import beit_mim_loss, blockwise_masking
from .clip import clip_loss
from .dino import dino_loss, update_center
from .distributed import all_gather_with_grad
from .info_nce import info_nce
from .mae import mae_loss, patchify, random_masking
from .runner import available_losses, run_loss

# --- pretext, segmentation, vision-language losses and metrics (section B) ---

__all__: list[str] = [
    # section A
    "all_gather_with_grad",
    "available_losses",
    "beit_mim_loss",
    "blockwise_masking",
    "clip_loss",
    "dino_loss",
    "info_nce",
    "mae_loss",
    "patchify",
    "random_masking",
    "run_loss",
    "update_center",
    # section B
]
