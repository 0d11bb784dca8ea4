"""Tests of ssl_kb.losses._examples: every factory builds inputs its loss accepts, reproducibly."""

from __future__ import annotations

import math

import pytest
import torch

import ssl_kb.losses
from ssl_kb.losses._examples import EXAMPLES


def _inputs(name: str, seed: int = 0):
    return EXAMPLES[name](2, torch.device("cpu"), torch.float32, torch.Generator().manual_seed(seed))


def _tensors(args, kwargs):
    flat = [t for a in [*args, *kwargs.values()] for t in (a if isinstance(a, list | tuple) else [a])]
    return [t for t in flat if isinstance(t, torch.Tensor)]


def test_every_example_is_an_exported_loss_and_sorted():
    assert list(EXAMPLES) == sorted(EXAMPLES)
    assert set(EXAMPLES) <= set(ssl_kb.losses.__all__)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_loss_accepts_its_example_and_gives_a_finite_float32_scalar(name):
    args, kwargs = _inputs(name)
    value = getattr(ssl_kb.losses, name)(*args, **kwargs)
    assert value.shape == () and value.dtype == torch.float32 and math.isfinite(value.item())
    leaves = [t for t in _tensors(args, kwargs) if t.requires_grad]
    assert leaves, "an example needs at least one input that requires grad"
    value.backward()
    assert all(t.grad is not None for t in leaves)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_are_seeded(name):
    first, again, other = _tensors(*_inputs(name)), _tensors(*_inputs(name)), _tensors(*_inputs(name, 1))
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    floats = [(a, b) for a, b in zip(first, other, strict=True) if a.is_floating_point() and a.numel() > 1]
    assert any(not torch.equal(a, b) for a, b in floats)
