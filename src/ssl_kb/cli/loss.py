"""`ssl-kb loss`: run a reference loss (imports torch only when called)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import ListFormat, app, fail, print_json


def _bytes(value: int | None) -> str:
    if value is None:
        return "not measurable here"
    return f"{value / 2**20:.1f} MiB" if value >= 2**20 else f"{value / 2**10:.1f} KiB"


def _text(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"{report['name']} on {report['device']}, {report['dtype']}, B = {report['batch']}, "
            f"seed {report['seed']}",
            f"  value            {report['value']:.6g}",
            f"  forward+backward {report['time_ms']:.2f} ms (median of {report['repeats']})",
            f"  peak memory      {_bytes(report['peak_memory_bytes'])} ({report['memory_note']})",
            f"  saved for backward {_bytes(report['saved_tensor_bytes'])}",
        ]
    )


@app.command()
def loss(
    name: Annotated[
        str | None,
        typer.Argument(help="A loss exported by ssl_kb.losses, e.g. info_nce; omit it to list them."),
    ] = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or cuda:N.")] = "cpu",
    batch: Annotated[int, typer.Option("--batch", min=1)] = 256,
    dtype: Annotated[str, typer.Option("--dtype", help="float32, bfloat16 or float16.")] = "float32",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed passes after a warm-up.")] = 3,
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
) -> None:
    """Run a reference loss on random inputs: its value, forward+backward time and memory."""
    try:
        from ..losses._runner import available_losses, run_loss
    except ModuleNotFoundError as exc:
        fail(f"`ssl-kb loss` needs PyTorch: pip install 'ssl-kb[losses]' ({exc.name} is missing)")
    if name is None:
        names = available_losses()
        if fmt is ListFormat.json:
            print_json(names)
        else:
            typer.echo("\n".join(names))
        return
    if name not in available_losses():
        fail(f"name: unknown loss {name!r}; `ssl-kb loss` lists the known ones", code=2)
    try:
        report = run_loss(name, batch=batch, device=device, dtype=dtype, seed=seed, repeats=repeats)
    except ValueError as exc:  # the arguments
        fail(str(exc), code=2)
    except RuntimeError as exc:  # the machine: no CUDA, or out of memory for a batch too large
        fail(str(exc) if str(exc).startswith("device:") else f"{name}: {exc}")
    report["repeats"] = repeats
    if fmt is ListFormat.json:
        print_json(report)
    else:
        typer.echo(_text(report))
