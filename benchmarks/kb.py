"""Benchmark of the KB pipeline: CLI start-up, `ssl-kb check` on kb/, and load + validate + store at scale.

    .venv/bin/python benchmarks/kb.py            # prints a Markdown table
    .venv/bin/python benchmarks/kb.py --write    # also replaces the "KB pipeline" section of benchmarks/RESULTS.md

Floors (issue 2): `ssl-kb --help` < 0.3 s, `ssl-kb check` on kb/ < 1 s, 5,000 synthetic records
loaded, validated and written to SQLite < 15 s; time per record should stay flat (linear growth).
Exit status 1 if a floor is missed. Synthetic records are deterministic (seeded).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "RESULTS.md"
SECTION = "## KB pipeline"
SIZES = (500, 1_000, 5_000)
FLOORS = {"help": 0.3, "check": 1.0, "store_5000": 15.0}

N_TOPICS, N_DATASETS, N_METRICS = 12, 20, 5


def cli() -> list[str]:
    script = Path(sys.executable).parent / "ssl-kb"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from ssl_kb.cli import main; main()"]


def best_of(n: int, argv: list[str]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(argv, cwd=REPO, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


# ---------------------------------------------------------------------------- synthetic KB


def _paper(rng: random.Random, i: int, year: int) -> str:
    month = rng.randint(1, 12)
    number = f"{i % 100_000:05d}" if year >= 2015 else f"{i % 10_000:04d}"
    authors = ", ".join(f"Author {rng.randint(1, 3000)}" for _ in range(rng.randint(1, 6)))
    return (
        "paper:\n"
        f"  title: Synthetic paper number {i}\n"
        f"  authors: [{authors}]\n"
        f"  year: {year}\n"
        f'  arxiv: "{year % 100:02d}{month:02d}.{number}"\n'
        f"  venue: Venue {i % 7}\n"
        f"  venue_year: {year + rng.randint(0, 1)}\n"
        "  source: generated\n"
    )


def synthetic_kb(root: Path, n: int, seed: int = 0) -> None:
    """Write ``n`` valid records: topics, datasets, metrics, concepts and methods with papers,
    results, hyperparameters, lineage to earlier methods and lecture claims."""
    rng = random.Random(seed)
    for folder in ("topics", "datasets", "metrics", "concepts", "methods"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for t in range(N_TOPICS):
        (root / "topics" / f"topic-{t}.yaml").write_text(
            f"id: topic-{t}\nkind: topic\nname: Topic {t}\norder: {t + 1}\nheading: Heading {t}\n"
            f"summary: Synthetic topic {t}.\npoints: [first point, second point]\n",
            encoding="utf-8",
        )
    for m in range(N_METRICS):
        (root / "metrics" / f"metric-{m}.yaml").write_text(
            f'id: metric-{m}\nkind: metric\nname: Metric {m}\nsummary: Synthetic metric.\nhigher_is_better: true\nunit: "%"\n',
            encoding="utf-8",
        )
    for d in range(N_DATASETS):
        (root / "datasets" / f"dataset-{d}.yaml").write_text(
            f"id: dataset-{d}\nkind: dataset\nname: Dataset {d}\nsummary: Synthetic dataset.\nmodalities: [image]\n"
            f"tasks: [classification]\nmetrics: [metric-{d % N_METRICS}, metric-{(d + 1) % N_METRICS}]\nsplits: [train, val]\n",
            encoding="utf-8",
        )
    rest = n - N_TOPICS - N_METRICS - N_DATASETS
    n_concepts = rest // 10
    for c in range(n_concepts):
        (root / "concepts" / f"concept-{c}.yaml").write_text(
            f"id: concept-{c}\nkind: concept\nname: Concept {c}\nsummary: Synthetic concept.\n"
            f"topics: [topic-{c % N_TOPICS}]\nyear: 2000\n",
            encoding="utf-8",
        )
    years: list[int] = []
    for i in range(rest - n_concepts):
        year = min(2008 + i * 16 // max(1, rest - n_concepts), 2023)
        years.append(year)
        parents = sorted({rng.randrange(i) for _ in range(min(i, 2))})
        lineage = "".join(
            f"  - target: method-{p}\n    type: extends\n    reason: builds on method {p}\n" for p in parents
        ) + (
            f"  - target: concept-{i % n_concepts}\n    type: uses\n    reason: uses the concept\n"
            if n_concepts
            else ""
        )
        results = ""
        for r in range(2):
            d = rng.randrange(N_DATASETS)
            results += (
                f"  - dataset: dataset-{d}\n    split: val\n    task: classification\n    metric: metric-{d % N_METRICS}\n"
                f"    value: {rng.uniform(1, 99):.2f}\n    protocol: {rng.choice(['linear', 'fine-tune', 'k-nn'])}\n"
                f"    variant: ViT-B/16\n    source: Table {r + 1}\n"
            )
        text = (
            f"id: method-{i}\nkind: method\nname: Method {i}\nfull_name: Synthetic method {i}\n"
            f"summary: A synthetic method used to measure the pipeline.\ntopics: [topic-{i % N_TOPICS}]\n"
            f"family: family-{i % 9}\n{_paper(rng, i, year)}"
            "pretext_task: reconstruct masked patches\narchitecture: Transformer encoder\nbackbone: ViT-B/16\n"
            "modalities: [image]\ntraining_data: ImageNet-1K\n"
            "hyperparameters:\n"
            "  - name: mask_ratio\n    value: 0.75\n    description: fraction masked\n    source: Section 3\n"
            "  - name: epochs\n    value: 800\n    description: pre-training epochs\n    source: Table 9\n"
            f"results:\n{results}"
            + (f"lineage:\n{lineage}" if lineage else "notes: [a root of the synthetic KB]\n")
            + "lecture_claims:\n  - slide: A slide\n    claim: Something the slide says.\n    verdict: correct\n    source: the paper\n"
        )
        (root / "methods" / f"method-{i}.yaml").write_text(text, encoding="utf-8")


def pipeline(n: int) -> dict[str, float]:
    from ssl_kb.kb import load
    from ssl_kb.store import write_store

    with tempfile.TemporaryDirectory(prefix="ssl-kb-bench-") as tmp:
        root = Path(tmp) / "kb"
        synthetic_kb(root, n)
        files = sum(1 for _ in root.rglob("*.yaml"))
        assert files == n, (files, n)
        start = time.perf_counter()
        kb = load(root)
        loaded = time.perf_counter()
        errors = [d for d in kb.diagnostics if d.severity == "error"]
        if errors or len(kb.entries) != n:
            raise SystemExit(f"synthetic KB of {n} is not valid: {errors[:3]}")
        write_store(kb.records.values(), f"sqlite:///{Path(tmp) / 'store.sqlite'}")
        stored = time.perf_counter()
    return {"load": loaded - start, "store": stored - loaded, "total": stored - start}


# ---------------------------------------------------------------------------- report


def report() -> tuple[str, bool]:
    help_s = best_of(5, [*cli(), "--help"])
    check_s = best_of(3, [*cli(), "check", "--kb", str(REPO / "kb")])
    n_real = sum(1 for _ in (REPO / "kb").rglob("*.yaml"))
    rows = [(n, pipeline(n)) for n in SIZES]
    ok = help_s < FLOORS["help"] and check_s < FLOORS["check"] and rows[-1][1]["total"] < FLOORS["store_5000"]
    cpu = platform.processor() or platform.machine()
    lines = [
        SECTION,
        "",
        f"`python benchmarks/kb.py` on {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}; "
        "best of 5 (`--help`) and 3 (`check`) runs, one run per synthetic size.",
        "",
        "| measurement | time | floor | per record |",
        "|---|---:|---:|---:|",
        f"| `ssl-kb --help` | {help_s:.3f} s | < {FLOORS['help']} s | |",
        f"| `ssl-kb check` on kb/ ({n_real} records) | {check_s:.3f} s | < {FLOORS['check']} s | {check_s / n_real * 1000:.2f} ms |",
    ]
    for n, t in rows:
        floor = f"< {FLOORS['store_5000']:.0f} s" if n == 5_000 else ""
        lines.append(
            f"| {n:,} synthetic records: load + validate + lint {t['load']:.2f} s, SQLite store {t['store']:.2f} s "
            f"| {t['total']:.2f} s | {floor} | {t['total'] / n * 1000:.2f} ms |"
        )
    first, last = rows[0][1]["total"] / SIZES[0], rows[-1][1]["total"] / SIZES[-1]
    lines += [
        "",
        f"Time per record from {SIZES[0]:,} to {SIZES[-1]:,} records changes by a factor {last / first:.2f} "
        "(1.0 = exactly linear growth).",
        "",
        f"All floors met: {'yes' if ok else '**no**'}.",
        "",
    ]
    return "\n".join(lines), ok


def write_section(section: str) -> None:
    """Replace (or append) only the KB pipeline section of RESULTS.md; other sections stay as they are."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write", action="store_true", help="update the KB pipeline section of benchmarks/RESULTS.md"
    )
    args = parser.parse_args()
    if shutil.which("ssl-kb") is None and not (Path(sys.executable).parent / "ssl-kb").exists():
        print("note: no ssl-kb console script; timing `python -c` instead", file=sys.stderr)
    section, ok = report()
    print(section)
    if args.write:
        write_section(section)
        print(f"updated {RESULTS.relative_to(REPO)}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
