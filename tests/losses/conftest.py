"""The ``device`` fixture: a test that takes it runs on the CPU and, where CUDA is available, again on
the GPU (those runs carry the ``gpu`` marker; ``scripts/gpu-check.sh`` runs them on a GPU machine).

Kept to torch and pytest only: ``tests/losses`` runs where nothing but torch, numpy, pytest and
hypothesis is installed.
"""

from __future__ import annotations

import pytest
import torch

_CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture(scope="session", params=["cpu", pytest.param("cuda", marks=[pytest.mark.gpu, _CUDA])])
def device(request: pytest.FixtureRequest) -> str:
    """The device a test runs on: ``cpu``, and ``cuda`` when a GPU is present."""
    return str(request.param)
