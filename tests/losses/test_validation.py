"""Tests of ssl_kb.losses.validation: messages name the argument, the expectation and what came."""

from __future__ import annotations

import pytest
import torch

from ssl_kb.losses.validation import check_floating, check_shape, compute_dtype


def test_check_shape_binds_letters_and_reports_mismatches():
    sizes = check_shape("z_a", torch.zeros(8, 16), "B D")
    assert sizes == {"B": 8, "D": 16}
    assert check_shape("z_b", torch.zeros(8, 16), "B D", **sizes) == sizes
    with pytest.raises(ValueError, match=r"^z_a: expected \(B, D\), got \(8, 16, 3\)$"):
        check_shape("z_a", torch.zeros(8, 16, 3), "B D")
    with pytest.raises(ValueError, match=r"^mask: expected \(B, N\) = \(8, 4\), got \(8,\)$"):
        check_shape("mask", torch.zeros(8), "B N", B=8, N=4)
    with pytest.raises(ValueError, match=r"^center: expected \(1, K\) = \(1, 16\), got \(2, 16\)$"):
        check_shape("center", torch.zeros(2, 16), "1 K", K=16)
    with pytest.raises(TypeError, match=r"^z_a: expected a torch.Tensor, got list$"):
        check_shape("z_a", [1.0], "B D")


def test_check_floating_and_compute_dtype():
    check_floating("x", torch.zeros(1, dtype=torch.bfloat16))
    with pytest.raises(TypeError, match=r"^x: expected a floating-point tensor, got torch.bool$"):
        check_floating("x", torch.zeros(1, dtype=torch.bool))
    assert compute_dtype(torch.zeros(1, dtype=torch.float16), torch.zeros(1)) == torch.float32
    assert compute_dtype(torch.zeros(1, dtype=torch.float64), torch.zeros(1)) == torch.float64
