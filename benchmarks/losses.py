r"""Forward + backward time and peak memory of info_nce and clip_loss against the plain dense formula.

For each loss and batch size, three variants run in the same process, interleaved (so that a noisy
neighbour slows all of them alike):

- ``formula``: the straightforward dense implementation, ``F.cross_entropy`` on the full logit matrix
  (SimCLR: ``masked_fill`` of the diagonal; CLIP: open_clip's two logit matrices);
- ``dense``: ``ssl_kb.losses`` with ``chunk_size=None``;
- ``chunked``: ``ssl_kb.losses`` with ``chunk_size=--chunk-size``.

Memory: on CUDA ``torch.cuda.max_memory_allocated`` above the inputs; out-of-memory is caught and
reported, and ``--beyond-dense`` adds a run at a batch whose float32 logit matrix alone is larger than
the device, where only the chunked path can run. On the CPU each memory figure comes from a fresh subprocess (growth of the peak resident set
size, ``VmHWM``, during one forward + backward), under an address-space limit so that a run too big for
the machine fails alone instead of waking the OOM killer.

Usage::

    PYTHONPATH=src python benchmarks/losses.py                        # CPU: B = 256..4096, memory at 16384
    PYTHONPATH=src python benchmarks/losses.py --device cuda --dtype bf16,fp32 --max-batch 65536 \
        --chunk-size 8192 --beyond-dense                                  # what scripts/gpu-check.sh runs

Writes a Markdown table to stdout (and to ``--out`` if given).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from ssl_kb.losses import clip_loss, info_nce
from ssl_kb.losses._runner import measure_cpu_peak

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
TEMPERATURE = 0.1
LOGIT_SCALE = 1 / 0.07


def formula_info_nce(z_a: torch.Tensor, z_b: torch.Tensor) -> torch.Tensor:
    z = F.normalize(torch.cat([z_a, z_b]), dim=1)
    n = z_a.shape[0]
    sim = z @ z.T / TEMPERATURE
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    labels = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(sim, labels)


def formula_clip(img: torch.Tensor, txt: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    img, txt = F.normalize(img, dim=1), F.normalize(txt, dim=1)
    logits_per_image = scale * img @ txt.T
    logits_per_text = scale * txt @ img.T
    labels = torch.arange(img.shape[0], device=img.device)
    return (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2


def make_step(loss: str, variant: str, batch: int, dim: int, chunk: int, device: str, dtype: torch.dtype):
    """Inputs and a closure running one forward + backward."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(batch, dim, generator=g).to(device, dtype).requires_grad_()
    b = torch.randn(batch, dim, generator=g).to(device, dtype).requires_grad_()
    scale = torch.tensor(LOGIT_SCALE, device=device, requires_grad=True)
    chunk_size = chunk if variant == "chunked" else None

    def fn() -> torch.Tensor:
        if loss == "info_nce":
            if variant == "formula":
                return formula_info_nce(a, b)
            return info_nce(a, b, TEMPERATURE, chunk_size=chunk_size)
        if variant == "formula":
            return formula_clip(a, b, scale)
        return clip_loss(a, b, scale, chunk_size=chunk_size)

    def step() -> None:
        for t in (a, b, scale):
            t.grad = None
        fn().backward()

    return step


def is_oom(error: BaseException) -> bool:
    text = str(error).lower()
    return (
        isinstance(error, torch.OutOfMemoryError | MemoryError)
        or "out of memory" in text
        or "can't allocate" in text
    )


def time_variants(
    steps: dict[str, Callable[[], None]], repeats: int, device: str
) -> dict[str, tuple[float, float] | str]:
    """(min, median) ms per variant, variants interleaved; 'OOM' where a variant ran out of memory."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    failed: dict[str, str] = {}

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    for round_ in range(repeats + 1):  # round 0 warms up
        for name, step in steps.items():
            if name in failed:
                continue
            try:
                sync()
                start = time.perf_counter()
                step()
                sync()
            except (RuntimeError, MemoryError) as error:
                if not is_oom(error):
                    raise
                failed[name] = "OOM"
            if name in failed:  # outside the except: its traceback no longer pins the partial graph
                release(device)
                continue
            if round_ > 0:
                times[name].append((time.perf_counter() - start) * 1000)
    return {name: failed.get(name) or (min(times[name]), statistics.median(times[name])) for name in steps}


def release(device: str) -> None:
    """Hand cached blocks back after an out-of-memory error, so that the next variant starts clean."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


def cuda_peak(step: Callable[[], None]) -> int | str:
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    oom = False
    try:
        step()
        torch.cuda.synchronize()
    except (RuntimeError, MemoryError) as error:
        if not is_oom(error):
            raise
        oom = True
    if oom:
        release("cuda")
        return "OOM"
    return torch.cuda.max_memory_allocated() - base


def beyond_batch(loss: str, total_bytes: int) -> int:
    """Smallest power-of-two B whose one float32 logit matrix (2B x 2B for info_nce, B x B for
    clip_loss) is larger than the whole device memory: the dense path cannot run there."""
    batch = 64
    while (2 * batch if loss == "info_nce" else batch) ** 2 * 4 <= total_bytes:
        batch *= 2
    return batch


def beyond_dense(args: argparse.Namespace, losses: list[str], emit: Callable[[str], None]) -> None:
    """CUDA: each variant once at a batch whose dense logit matrix cannot fit in device memory."""
    cuda = args.device.startswith("cuda")
    if args.assume_memory_mib:  # lets a CPU dry run exercise this section
        total = int(args.assume_memory_mib * 2**20)
    else:
        total = torch.cuda.get_device_properties(torch.device(args.device)).total_memory
    for row in (
        "",
        f"Beyond the dense path (fp32, one forward + backward each; one float32 logit matrix alone exceeds "
        f"the device's {total / 2**30:.3g} GiB, so `formula` and `dense` must run out of memory and "
        "`chunked` must not):",
        "",
        "| loss | B | logit matrix GiB | formula | dense | chunked ms | chunked MiB |",
        "|---|---:|---:|---|---|---:|---:|",
    ):
        emit(row)
    for loss in losses:
        batch = beyond_batch(loss, total)
        rows = 2 * batch if loss == "info_nce" else batch
        got: dict[str, str] = {}
        for variant in ("formula", "dense", "chunked"):
            step = make_step(loss, variant, batch, args.dim, args.chunk_size, args.device, torch.float32)
            timed = time_variants({variant: step}, 1, args.device)[variant]
            if isinstance(timed, str):
                got[variant], got[variant + " MiB"] = timed, "-"
            else:
                got[variant] = f"ran ({fmt_ms(timed[0])} ms)" if variant != "chunked" else fmt_ms(timed[0])
                got[variant + " MiB"] = fmt_mib(cuda_peak(step)) if cuda else "-"
            del step
            release(args.device)
        emit(
            f"| {loss} | {batch} | {rows**2 * 4 / 2**30:.3g} | {got['formula']} | {got['dense']} | "
            f"{got['chunked']} | {got['chunked MiB']} |"
        )


def cpu_peak_in_subprocess(loss: str, variant: str, batch: int, args: argparse.Namespace) -> dict:
    """Peak RSS growth and time of one forward + backward in a fresh process."""
    cmd = [
        sys.executable, __file__, "--one", f"{loss},{variant},{batch}",
        "--dim", str(args.dim), "--chunk-size", str(args.chunk_size), "--mem-limit-gib", str(args.mem_limit_gib),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy(), check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        err = proc.stderr.strip().splitlines()
        return {
            "peak": "OOM"
            if any(is_oom(RuntimeError(e)) for e in err)
            else f"failed: {err[-1:] or proc.returncode}",
            "ms": None,
        }
    return json.loads(lines[-1])


def run_one(spec: str, args: argparse.Namespace) -> None:
    """Subprocess entry: measure one (loss, variant, batch) on the CPU and print JSON."""
    loss, variant, batch = spec.split(",")
    limit = int(args.mem_limit_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        make_step(loss, variant, 64, args.dim, min(args.chunk_size, 32), "cpu", torch.float32)()  # lazy inits
        step = make_step(loss, variant, int(batch), args.dim, args.chunk_size, "cpu", torch.float32)
        start = time.perf_counter()
        peak = measure_cpu_peak(step)
        ms = (time.perf_counter() - start) * 1000
    except (RuntimeError, MemoryError) as error:
        if not is_oom(error):
            raise
        print(json.dumps({"peak": "OOM", "ms": None}))
        return
    print(json.dumps({"peak": peak, "ms": ms}))


def fmt_ms(value: tuple[float, float] | float | str | None) -> str:
    if isinstance(value, tuple):
        return f"{value[0]:.1f} / {value[1]:.1f}"
    return value if isinstance(value, str) else "-" if value is None else f"{value:.1f}"


def fmt_mib(value: int | str | None) -> str:
    return value if isinstance(value, str) else "-" if value is None else f"{value / 2**20:.0f}"


def machine(device: str) -> str:
    if device.startswith("cuda"):
        return f"{torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}"
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in info.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} threads, torch {torch.__version__}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="fp32", help="comma-separated: fp32, bf16, fp16")
    parser.add_argument("--batches", default="256,512,1024,2048,4096")
    parser.add_argument("--max-batch", type=int, default=None, help="double the batch up to this (GPU)")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--chunk-size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory-batches", default="16384", help="CPU: extra memory-only batch sizes")
    parser.add_argument("--mem-limit-gib", type=float, default=12.0, help="CPU: address-space limit per run")
    parser.add_argument("--losses", default="info_nce,clip_loss")
    parser.add_argument(
        "--beyond-dense",
        action="store_true",
        help="CUDA: also run each variant at a batch whose dense logit matrix exceeds device memory",
    )
    parser.add_argument("--assume-memory-mib", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-memory", action="store_true", help="CPU: skip the memory measurements")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_one(args.one, args)
        return 0
    cuda = args.device.startswith("cuda")
    batches = [int(b) for b in args.batches.split(",")]
    if args.max_batch:
        while batches[-1] * 2 <= args.max_batch:
            batches.append(batches[-1] * 2)
    losses = args.losses.split(",")
    variants = ("formula", "dense", "chunked")
    lines = [
        f"Device: {machine(args.device)}. D = {args.dim}, chunk_size = {args.chunk_size}, "
        f"min / median of {args.repeats} forward + backward passes (variants interleaved; the min is the "
        "figure least disturbed by other processes, and the ratio uses it). Memory: "
        + (
            "`torch.cuda.max_memory_allocated` above the inputs."
            if cuda
            else "not measured (--no-memory)."
            if args.no_memory
            else "growth of peak RSS in a fresh process."
        )
        + " info_nce has 2B rows (a 2B x 2B matrix); clip_loss B rows (B x B).",
        "",
        "| loss | dtype | B | formula ms | dense ms | chunked ms | formula MiB | dense MiB | chunked MiB | dense/formula time |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print("\n".join(lines), flush=True)

    def emit(row: str) -> None:
        lines.append(row)
        print(row, flush=True)
        if args.out:  # rewritten after every row, so that a run cut short keeps what it measured
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text("\n".join(lines) + "\n")

    for dtype_name in args.dtype.split(","):
        dtype = DTYPES[dtype_name]
        for loss in losses:
            for batch in batches:
                steps = {
                    v: make_step(loss, v, batch, args.dim, args.chunk_size, args.device, dtype)
                    for v in variants
                }
                times = time_variants(steps, args.repeats, args.device)
                if cuda:
                    mems = {v: cuda_peak(steps[v]) if times[v] != "OOM" else "OOM" for v in variants}
                elif args.no_memory:
                    mems = dict.fromkeys(variants, None)
                else:
                    mems = {v: cpu_peak_in_subprocess(loss, v, batch, args)["peak"] for v in variants}
                del steps
                dense_t, formula_t = times["dense"], times["formula"]
                ratio = (
                    f"{dense_t[0] / formula_t[0]:.2f}"
                    if isinstance(dense_t, tuple) and isinstance(formula_t, tuple)
                    else "-"
                )
                row = (
                    f"| {loss} | {dtype_name} | {batch} | {fmt_ms(times['formula'])} | {fmt_ms(times['dense'])} | "
                    f"{fmt_ms(times['chunked'])} | {fmt_mib(mems['formula'])} | {fmt_mib(mems['dense'])} | "
                    f"{fmt_mib(mems['chunked'])} | {ratio} |"
                )
                emit(row)
                if cuda:
                    torch.cuda.empty_cache()
    if args.beyond_dense:
        beyond_dense(args, losses, emit)
    if not cuda and args.memory_batches and not args.no_memory:
        extra = [
            "",
            f"Memory at large B (CPU, one pass each in a fresh process, address space limited to "
            f"{args.mem_limit_gib:g} GiB; OOM = did not fit under the limit):",
            "",
            "| loss | B | formula MiB | dense MiB | chunked MiB | chunked / formula | chunked ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in extra:
            emit(row)
        for loss in losses:
            for batch in (int(b) for b in args.memory_batches.split(",")):
                got = {v: cpu_peak_in_subprocess(loss, v, batch, args) for v in variants}
                peaks = {v: got[v]["peak"] for v in variants}
                if isinstance(peaks["formula"], int) and isinstance(peaks["chunked"], int):
                    share = f"{peaks['chunked'] / peaks['formula']:.3f}"
                elif isinstance(peaks["chunked"], int):
                    share = f"< {peaks['chunked'] / (args.mem_limit_gib * 2**30):.3f} (formula OOM)"
                else:
                    share = "-"
                row = (
                    f"| {loss} | {batch} | {fmt_mib(peaks['formula'])} | {fmt_mib(peaks['dense'])} | "
                    f"{fmt_mib(peaks['chunked'])} | {share} | {fmt_ms(got['chunked']['ms'])} |"
                )
                emit(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
