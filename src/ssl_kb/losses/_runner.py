r"""Running a loss on random example inputs and measuring it: the library side of ``ssl-kb loss NAME``.

Private (``ssl_kb.losses._runner``): the runner is a tool, not a loss, so it is not in
:mod:`ssl_kb.losses`'s ``__all__`` and a record cannot link to it (``ssl-kb check`` reports KB209). The
inputs come from :data:`ssl_kb.losses._examples.EXAMPLES` (``name -> factory``); :func:`available_losses`
lists them, :func:`run_loss` runs one forward and backward pass of ``ssl_kb.losses.<name>``.

Memory: on CUDA the peak is ``torch.cuda.max_memory_allocated`` during forward + backward, above what was
allocated before. On the CPU there is no allocator statistic, so two honest proxies are reported:
``saved_tensor_bytes``, the bytes autograd keeps for backward (counted with
``torch.autograd.graph.saved_tensors_hooks``, each storage once), and on Linux ``peak_memory_bytes``, the
growth of the process's peak resident set size (``VmHWM``, reset through ``/proc/self/clear_refs``) during
forward + backward, which includes the transient buffers and allocator slack; ``None`` where unavailable.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from ._examples import EXAMPLES, Factory

__all__ = ["available_losses", "measure_cpu_peak", "run_loss"]

_DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float64": torch.float64,
    "fp64": torch.float64,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}


def _examples() -> dict[str, tuple[Callable[..., Any], Factory]]:
    """``{loss name: (loss function, factory)}``: every entry of ``EXAMPLES``, a public loss each."""
    package = importlib.import_module(__package__ or "ssl_kb.losses")
    found: dict[str, tuple[Callable[..., Any], Factory]] = {}
    for name, factory in EXAMPLES.items():
        if name not in package.__all__:
            raise RuntimeError(f"EXAMPLES: {name!r} is not exported by {package.__name__}")
        found[name] = (getattr(package, name), factory)
    return found


def available_losses() -> list[str]:
    """Sorted names of the losses that :func:`run_loss` can run.

    >>> {"info_nce", "clip_loss"} <= set(available_losses())
    True
    """
    return sorted(_examples())


@contextmanager
def _count_saved_tensors(seen: dict[int, int]) -> Iterator[None]:
    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        yield


def _rss_peak_kib() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_rss_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_kib() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def measure_cpu_peak(fn: Callable[[], Any]) -> int | None:
    """Growth in bytes of the process's peak resident set size while ``fn()`` runs (Linux), else None."""
    before = _rss_kib()
    if before is None or not _reset_rss_peak():
        fn()
        return None
    fn()
    peak = _rss_peak_kib()
    return None if peak is None else max(peak - before, 0) * 1024


def run_loss(
    name: str,
    *,
    batch: int,
    device: str = "cpu",
    dtype: str = "float32",
    seed: int = 0,
    repeats: int = 3,
) -> dict[str, Any]:
    """Run loss ``name`` forward and backward on random inputs; value, time and memory.

    Args:
        name: a name from :func:`available_losses`.
        batch: batch size ``B`` passed to the example factory.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
        dtype: ``float32``/``fp32``, ``bfloat16``/``bf16``, ``float16``/``fp16``, ``float64``/``fp64``.
        seed: seeds the ``torch.Generator`` handed to the factory (inputs are reproducible).
        repeats: timed forward + backward passes after one warm-up; the median is reported.

    Returns:
        ``{"name", "value", "time_ms", "peak_memory_bytes", "saved_tensor_bytes", "memory_note",
        "device", "dtype", "batch", "seed"}``.

    Raises:
        ValueError: a bad argument (unknown name, dtype or device string, batch or repeats < 1).
        RuntimeError: the machine cannot run it (CUDA requested but absent; out of memory).

    >>> result = run_loss("info_nce", batch=4, repeats=1)
    >>> result["name"], result["device"], result["dtype"], result["value"] > 0
    ('info_nce', 'cpu', 'float32', True)
    """
    examples = _examples()
    if name not in examples:
        raise ValueError(f"name: unknown loss {name!r}; known: {', '.join(sorted(examples))}")
    if dtype not in _DTYPES:
        raise ValueError(f"dtype: expected one of {', '.join(_DTYPES)}, got {dtype!r}")
    if batch < 1:
        raise ValueError(f"batch: expected a positive int, got {batch}")
    if repeats < 1:
        raise ValueError(f"repeats: expected a positive int, got {repeats}")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ValueError(f"device: expected cpu, cuda or cuda:N, got {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():  # the machine, not the arguments
        raise RuntimeError(f"device: {device!r} requested but CUDA is not available")
    fn, factory = examples[name]
    args, kwargs = factory(batch, dev, _DTYPES[dtype], torch.Generator().manual_seed(seed))
    flat = [t for a in [*args, *kwargs.values()] for t in (a if isinstance(a, list | tuple) else [a])]
    leaves = [t for t in flat if isinstance(t, torch.Tensor) and t.requires_grad]

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    def step() -> torch.Tensor:
        for t in leaves:
            t.grad = None
        value: torch.Tensor = fn(*args, **kwargs)
        if value.requires_grad:
            torch.autograd.backward(value)
        return value

    value = step()  # warm-up
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - start) * 1000.0)
    saved: dict[int, int] = {}
    with _count_saved_tensors(saved):
        fn(*args, **kwargs)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
        base = torch.cuda.memory_allocated(dev)
        step()
        sync()
        peak: int | None = torch.cuda.max_memory_allocated(dev) - base
        note = "torch.cuda.max_memory_allocated during forward + backward, above the inputs"
    else:
        peak = measure_cpu_peak(step)
        note = (
            "CPU: growth of the peak resident set size (VmHWM) during forward + backward"
            if peak is not None
            else "CPU: peak not measurable here (no /proc/self/clear_refs); see saved_tensor_bytes"
        )
    return {
        "name": name,
        "value": float(value.detach().float()),
        "time_ms": statistics.median(times),
        "peak_memory_bytes": peak,
        "saved_tensor_bytes": sum(saved.values()),
        "memory_note": note,
        "device": str(dev),
        "dtype": str(_DTYPES[dtype]).removeprefix("torch."),
        "batch": batch,
        "seed": seed,
    }
