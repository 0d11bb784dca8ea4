"""Tests of ssl_kb.losses.distributed: on 2 CPU processes (gloo), info_nce_across_ranks and
clip_loss_across_ranks give the single-process loss and gradients of the full batch.

The workers are this file run as a script (``python test_distributed.py RANK WORLD PORT OUT``), so that
nothing has to be pickled across processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import torch

from ssl_kb.losses import (
    all_gather_with_grad,
    clip_loss,
    clip_loss_across_ranks,
    info_nce,
    info_nce_across_ranks,
)
from ssl_kb.losses.distributed import rank_and_world_size

WORLD = 2
BATCH = 6  # full batch; 3 rows per rank
CASES = [(name, chunk) for name in ("info_nce", "clip_loss") for chunk in (None, 2)]


def _model_and_data():
    """A shared linear 'encoder' (same weights on every rank) and the full batch of both views."""
    g = torch.Generator().manual_seed(0)
    weight = torch.randn(4, 5, generator=g, dtype=torch.float64)
    x_a = torch.randn(BATCH, 5, generator=g, dtype=torch.float64)
    x_b = torch.randn(BATCH, 5, generator=g, dtype=torch.float64)
    return weight, x_a, x_b


def _loss_and_grads(name, chunk, rows, gather):
    """Loss, and gradients of the encoder weight, the inputs' rows and (CLIP) the logit scale."""
    weight, x_a, x_b = _model_and_data()
    weight.requires_grad_()
    x_a, x_b = x_a[rows].requires_grad_(), x_b[rows].requires_grad_()
    scale = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    z_a, z_b = x_a @ weight.T, x_b @ weight.T
    if name == "info_nce":
        loss = (info_nce_across_ranks if gather else info_nce)(z_a, z_b, 0.3, chunk_size=chunk)
    else:
        loss = (clip_loss_across_ranks if gather else clip_loss)(z_a, z_b, scale, chunk_size=chunk)
    loss.backward()
    scale_grad = scale.grad if scale.grad is not None else torch.zeros(())
    return {
        "loss": loss.detach(),
        "weight": weight.grad,
        "x_a": x_a.grad,
        "x_b": x_b.grad,
        "scale": scale_grad,
    }


def _worker(rank: int, world: int, port: int, out: Path) -> None:
    torch.distributed.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=timedelta(seconds=60),
    )
    per_rank = BATCH // world
    rows = slice(rank * per_rank, (rank + 1) * per_rank)
    results = {f"{name}-{chunk}": _loss_and_grads(name, chunk, rows, gather=True) for name, chunk in CASES}
    # plain gather: rank r's rows at r; gradient = sum over ranks of the upstream gradient, own slice
    x = torch.full((2, 3), float(rank + 1), dtype=torch.float64, requires_grad=True)
    gathered = all_gather_with_grad(x)
    (gathered * torch.arange(1.0, 5.0, dtype=torch.float64)[:, None] * (rank + 1)).sum().backward()
    results["gather"] = {"value": gathered.detach(), "grad": x.grad}
    results["rank_and_world_size"] = rank_and_world_size()
    try:  # unequal batch sizes must raise on every rank, not hang
        all_gather_with_grad(torch.zeros(2 + rank, 3))
        results["uneven"] = "no error"
    except ValueError as error:
        results["uneven"] = str(error)
    torch.distributed.destroy_process_group()
    torch.save(results, out / f"rank{rank}.pt")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def rank_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("gloo")
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    env.update(OMP_NUM_THREADS="1")
    port = _free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, str(rank), str(WORLD), str(port), str(out)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank in range(WORLD)
    ]
    logs = []
    for proc in procs:
        try:
            logs.append(proc.communicate(timeout=120)[0])
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            pytest.fail("gloo workers timed out")
    for proc, log in zip(procs, logs, strict=True):
        assert proc.returncode == 0, log
    return [torch.load(out / f"rank{rank}.pt", weights_only=False) for rank in range(WORLD)]


@pytest.mark.parametrize(("name", "chunk"), CASES)
def test_gathered_loss_and_gradients_equal_the_single_process_full_batch(rank_results, name, chunk):
    want = _loss_and_grads(name, chunk, slice(None), gather=False)
    got = [r[f"{name}-{chunk}"] for r in rank_results]
    for rank, result in enumerate(got):
        torch.testing.assert_close(result["loss"], want["loss"])  # every rank: the full-batch loss
        rows = slice(rank * BATCH // WORLD, (rank + 1) * BATCH // WORLD)
        # input gradients are W times the single-process ones; DDP's mean over ranks divides by W
        torch.testing.assert_close(result["x_a"] / WORLD, want["x_a"][rows])
        torch.testing.assert_close(result["x_b"] / WORLD, want["x_b"][rows])
    # what DDP does with parameter gradients: the mean over ranks
    torch.testing.assert_close(sum(r["weight"] for r in got) / WORLD, want["weight"])
    torch.testing.assert_close(sum(r["scale"] for r in got) / WORLD, want["scale"])


def test_all_gather_with_grad_concatenates_and_sums_gradients(rank_results):
    for rank, result in enumerate(rank_results):
        assert result["rank_and_world_size"] == (rank, WORLD)
        torch.testing.assert_close(
            result["gather"]["value"][:, 0], torch.tensor([1.0, 1.0, 2.0, 2.0], dtype=torch.float64)
        )
        # rank r multiplies row j by (j + 1) * (r + 1); summed over ranks: (j + 1) * 3
        own = torch.tensor([1.0, 2.0], dtype=torch.float64) + 2 * rank
        torch.testing.assert_close(result["gather"]["grad"], (own * 3)[:, None].expand(2, 3))


def test_unequal_sizes_raise_on_every_rank(rank_results):
    for result in rank_results:
        assert result["uneven"] == "x: expected the same shape on every rank, got [(2, 3), (3, 3)]"


def test_without_process_group_gather_is_identity():
    x = torch.ones(3, 2, requires_grad=True)
    assert all_gather_with_grad(x) is x
    assert rank_and_world_size() == (0, 1)


def test_without_process_group_the_wrappers_are_the_plain_losses():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    assert torch.equal(info_nce_across_ranks(a, b, 0.2, chunk_size=2), info_nce(a, b, 0.2, chunk_size=2))
    assert torch.equal(clip_loss_across_ranks(a, b, 5.0), clip_loss(a, b, 5.0))


def test_the_losses_themselves_never_touch_torch_distributed():
    src = Path(__file__).resolve().parents[2] / "src" / "ssl_kb" / "losses"
    for path in sorted(src.glob("*.py")):
        if path.name != "distributed.py":
            text = path.read_text(encoding="utf-8")
            assert "torch.distributed" not in text.replace("``torch.distributed``", ""), path.name
            assert "from torch import distributed" not in text and "dist." not in text, path.name


if __name__ == "__main__":
    _worker(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
