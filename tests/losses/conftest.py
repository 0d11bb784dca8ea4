"""The ``device`` fixture: a test that takes it runs on the CPU and, where CUDA is available, again on
the GPU (those runs carry the ``gpu`` marker; ``scripts/gpu-check.sh`` runs them on a GPU machine).

Kept to torch and pytest only: ``tests/losses`` runs where nothing but torch, numpy, pytest and
hypothesis is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import torch

_CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture(scope="session", params=["cpu", pytest.param("cuda", marks=[pytest.mark.gpu, _CUDA])])
def device(request: pytest.FixtureRequest) -> str:
    """The device a test runs on: ``cpu``, and ``cuda`` when a GPU is present."""
    return str(request.param)


def _same_loss_and_grads(
    loss: torch.Tensor, want: torch.Tensor, inputs: Sequence[torch.Tensor], device: str
) -> None:
    assert loss.device.type == torch.device(device).type
    torch.testing.assert_close(loss, want)
    got_grads = torch.autograd.grad(loss, list(inputs))
    want_grads = torch.autograd.grad(want, list(inputs))
    for got, ref in zip(got_grads, want_grads, strict=True):
        torch.testing.assert_close(got, ref)


@pytest.fixture(scope="session")
def same_loss_and_grads() -> Callable[..., None]:
    """``check(loss, want, inputs, device)``: the loss is on ``device`` and equals the reference loop's
    ``want``, and so do its gradients with respect to ``inputs`` (tests cannot import this module)."""
    return _same_loss_and_grads
