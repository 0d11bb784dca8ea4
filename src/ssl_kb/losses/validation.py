r"""Argument checks shared by the losses: errors that name the argument, the expected and the actual value.

Shapes are written with the house letters (B batch, D dim, K classes, V views, N tokens, P values per
patch, C channels, H/W), e.g. ``z_b: expected (B, D) = (8, 16), got (8, 32)``.
"""

from __future__ import annotations

import torch

__all__ = ["check_floating", "check_keys", "check_shape", "compute_dtype"]


def check_shape(name: str, x: torch.Tensor, spec: str, **known: int) -> dict[str, int]:
    """Check ``x`` against ``spec`` (letters or literal sizes, separated by spaces); return the letters' sizes.

    ``known`` gives sizes already bound (from earlier arguments); a letter bound twice must agree.

    >>> check_shape("z_a", torch.zeros(8, 16), "B D")
    {'B': 8, 'D': 16}
    >>> check_shape("z_b", torch.zeros(8, 32), "B D", B=8, D=16)
    Traceback (most recent call last):
    ...
    ValueError: z_b: expected (B, D) = (8, 16), got (8, 32)
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    letters = spec.split()
    pretty = ", ".join(letters)
    if x.dim() != len(letters):
        bound = ""
        if all(letter in known or letter.isdigit() for letter in letters):
            bound = f" = {tuple(int(known.get(letter, letter)) for letter in letters)}"
        raise ValueError(f"{name}: expected ({pretty}){bound}, got {tuple(x.shape)}")
    sizes = {letter: int(letter) for letter in letters if letter.isdigit()} | known
    for letter, size in zip(letters, x.shape, strict=True):
        sizes.setdefault(letter, int(size))
    want = tuple(sizes[letter] for letter in letters)
    if tuple(x.shape) != want:
        raise ValueError(f"{name}: expected ({pretty}) = {want}, got {tuple(x.shape)}")
    return {letter: size for letter, size in sizes.items() if not letter.isdigit()}


def check_floating(name: str, x: torch.Tensor) -> None:
    """Raise ``TypeError`` unless ``x`` holds floating-point numbers.

    >>> check_floating("logits", torch.zeros(2, dtype=torch.long))
    Traceback (most recent call last):
    ...
    TypeError: logits: expected a floating-point tensor, got torch.int64
    """
    if not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor, got {x.dtype}")


def compute_dtype(*xs: torch.Tensor) -> torch.dtype:
    """float64 if any input is float64, else float32: half inputs are accumulated in float32.

    >>> compute_dtype(torch.zeros(1, dtype=torch.bfloat16))
    torch.float32
    """
    return torch.float64 if any(x.dtype == torch.float64 for x in xs) else torch.float32


def check_keys(keys: object, offset: int, batch: int, dim: int) -> tuple[torch.Tensor, ...]:
    """Check the ``keys=``/``offset=`` of a contrastive loss: two ``(N, D)`` float tensors holding this batch.

    ``keys=None`` (this batch only) needs ``offset == 0`` and gives ``()``; otherwise the pair is returned.

    >>> check_keys(None, 0, batch=4, dim=8)
    ()
    >>> check_keys((torch.zeros(6, 8), torch.zeros(6, 8)), 3, batch=4, dim=8)
    Traceback (most recent call last):
    ...
    ValueError: offset: expected 0 <= offset <= N - B = 2 (this batch inside keys), got 3
    """
    if keys is None:
        if offset != 0:
            raise ValueError(f"offset: expected 0 without keys, got {offset}")
        return ()
    if not (isinstance(keys, tuple | list) and len(keys) == 2):
        raise TypeError(f"keys: expected a pair of (N, D) tensors, got {type(keys).__name__}")
    sizes = check_shape("keys[0]", keys[0], "N D", D=dim)
    check_shape("keys[1]", keys[1], "N D", **sizes)
    check_floating("keys[0]", keys[0])
    check_floating("keys[1]", keys[1])
    if not 0 <= offset <= sizes["N"] - batch:
        raise ValueError(
            f"offset: expected 0 <= offset <= N - B = {sizes['N'] - batch} (this batch inside keys), "
            f"got {offset}"
        )
    return tuple(keys)
