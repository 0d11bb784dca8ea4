"""Tests of ssl_kb.losses._runner: the losses of EXAMPLES and one measured forward + backward run."""

from __future__ import annotations

import math

import pytest
import torch

import ssl_kb.losses
from ssl_kb.losses import _runner
from ssl_kb.losses._examples import EXAMPLES
from ssl_kb.losses._runner import available_losses, measure_cpu_peak, run_loss

PART_A = ["beit_mim_loss", "clip_loss", "dino_loss", "info_nce", "mae_loss"]


def test_available_losses_lists_every_example_sorted():
    names = available_losses()
    assert set(PART_A) <= set(names)
    assert names == sorted(names) == sorted(EXAMPLES)


def test_the_runner_is_not_exported():
    assert not {"run_loss", "available_losses", "measure_cpu_peak", "EXAMPLES"} & set(ssl_kb.losses.__all__)
    assert not hasattr(ssl_kb.losses, "run_loss")


def test_an_example_for_a_name_that_is_not_exported_is_an_error(monkeypatch):
    monkeypatch.setitem(_runner.EXAMPLES, "patchify_typo", EXAMPLES["info_nce"])
    with pytest.raises(RuntimeError, match=r"^EXAMPLES: 'patchify_typo' is not exported by ssl_kb.losses$"):
        available_losses()


def test_keyword_inputs_and_lists_of_leaves_get_gradients_reset():
    # dino_loss takes keywords only, its student crops a list: all of them are leaves of the step
    result = run_loss("dino_loss", batch=1, repeats=2)
    assert math.isfinite(result["value"]) and result["saved_tensor_bytes"] > 0


@pytest.mark.parametrize("name", PART_A)
def test_run_loss_reports_value_time_and_memory(name, device):
    result = run_loss(name, batch=2, device=device, repeats=1)
    assert result["name"] == name and result["batch"] == 2 and result["seed"] == 0
    assert result["device"].startswith(device) and result["dtype"] == "float32"
    assert math.isfinite(result["value"]) and result["time_ms"] > 0
    assert result["saved_tensor_bytes"] > 0
    assert result["peak_memory_bytes"] is None or result["peak_memory_bytes"] >= 0
    assert result["memory_note"]


def test_run_loss_is_reproducible_and_seeded():
    first = run_loss("clip_loss", batch=8, repeats=1)
    assert run_loss("clip_loss", batch=8, repeats=1)["value"] == first["value"]
    assert run_loss("clip_loss", batch=8, seed=1, repeats=1)["value"] != first["value"]


def test_run_loss_in_bf16():
    result = run_loss("info_nce", batch=8, dtype="bf16", repeats=1)
    assert result["dtype"] == "bfloat16" and math.isfinite(result["value"])


def test_unknown_name_and_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"^name: unknown loss 'nope'; known: .*info_nce"):
        run_loss("nope", batch=2)
    with pytest.raises(ValueError, match=r"^dtype: expected one of float32, fp32"):
        run_loss("info_nce", batch=2, dtype="int8")
    with pytest.raises(ValueError, match=r"^batch: expected a positive int, got 0$"):
        run_loss("info_nce", batch=0)
    with pytest.raises(ValueError, match=r"^device: expected cpu, cuda or cuda:N, got 'tpu'$"):
        run_loss("info_nce", batch=2, device="tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_runtime_error():
    with pytest.raises(RuntimeError, match=r"^device: 'cuda' requested but CUDA is not available$"):
        run_loss("info_nce", batch=2, device="cuda")


def test_cpu_peak_sees_a_large_allocation():
    peak = measure_cpu_peak(lambda: torch.ones(64, 1024, 1024).sum())  # 256 MiB
    if peak is None:
        pytest.skip("no /proc/self/clear_refs on this system")
    assert peak >= 200 * 2**20
