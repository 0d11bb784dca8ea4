"""`ssl-kb loss`: run a reference loss (imports torch only when called)."""

from __future__ import annotations

from typing import Annotated

import typer

from . import (
    ListFormat,
    app,
    fail,
    print_json,
)


@app.command()
def loss(
    name: Annotated[str, typer.Argument(help="A loss exported by ssl_kb.losses, e.g. info_nce.")],
    device: Annotated[str, typer.Option("--device", help="cpu or cuda.")] = "cpu",
    batch: Annotated[int, typer.Option("--batch", min=1)] = 256,
    dtype: Annotated[str, typer.Option("--dtype", help="float32, bfloat16 or float16.")] = "float32",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
) -> None:
    """Run a reference loss on random inputs: its value, forward+backward time and memory."""
    try:
        from ..losses.runner import run_loss
    except ModuleNotFoundError as exc:
        fail(f"`ssl-kb loss` needs PyTorch: pip install 'ssl-kb[losses]' ({exc.name} is missing)")
    try:
        report = run_loss(name, batch=batch, device=device, dtype=dtype, seed=seed)
    except (ValueError, RuntimeError) as exc:
        fail(str(exc))
    if fmt is ListFormat.json:
        print_json(report)
        return
    for key, value in report.items():
        typer.echo(f"{key:>14}: {value}")
