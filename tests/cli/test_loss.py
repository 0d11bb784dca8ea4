"""`ssl-kb loss`: listing the losses, running one, and clear errors (exit 2 usage, 1 the machine)."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from ssl_kb.cli import app

pytest.importorskip("torch")


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(app, ["loss", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def test_without_a_name_it_lists_the_losses():
    names = run().stdout.split()
    assert {"info_nce", "clip_loss", "dino_loss", "sam_mask_loss", "wra_loss"} <= set(names)
    assert names == sorted(names)
    assert json.loads(run("--format", "json").stdout) == names


def test_runs_a_loss_and_reports_value_time_and_memory():
    report = json.loads(run("clip_loss", "--batch", "8", "--repeats", "1", "--format", "json").stdout)
    assert report["name"] == "clip_loss" and report["batch"] == 8 and report["repeats"] == 1
    assert report["device"] == "cpu" and report["dtype"] == "float32" and report["time_ms"] > 0
    again = json.loads(run("clip_loss", "--batch", "8", "--repeats", "1", "--format", "json").stdout)
    assert again["value"] == report["value"]  # seeded inputs
    text = run("clip_loss", "--batch", "8", "--repeats", "1").stdout
    assert text.startswith("clip_loss on cpu, float32, B = 8, seed 0")
    assert f"value            {report['value']:.6g}" in text and "(median of 1)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: name: unknown loss 'nope'; `ssl-kb loss` lists the known ones"),
        (["info_nce", "--dtype", "float8"], "error: dtype: expected one of float32"),
        (["info_nce", "--device", "tpu"], "error: device: expected cpu, cuda or cuda:N, got 'tpu'"),
    ],
)
def test_bad_arguments_exit_2(args, message):
    assert message in run(*args, code=2).stderr


def test_cuda_on_a_machine_without_it_exits_1():
    import torch

    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    assert "CUDA is not available" in run("info_nce", "--device", "cuda", code=1).stderr


def test_without_torch_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch):
    for module in [m for m in sys.modules if m == "torch" or m.startswith(("torch.", "ssl_kb.losses"))]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ModuleNotFoundError
    err = run("info_nce", code=1).stderr
    assert "`ssl-kb loss` needs PyTorch: pip install 'ssl-kb[losses]' (torch is missing)" in err
