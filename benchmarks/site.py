"""Site benchmark: generation time and MkDocs time, separately, for the lecture KB and synthetic KBs.

Run from the repository root:  .venv/bin/python benchmarks/site.py [--sizes 100 1000] [--append]
With --append the table is appended to benchmarks/RESULTS.md under "Site". Synthetic records are
written to a temporary KB (methods in 8 families over 20 years, each with 2 lineage edges to earlier
methods, one result, one lecture claim; plus topics, one dataset and one metric).
"""

from __future__ import annotations

import argparse
import itertools
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def synthetic_kb(root: Path, n: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    kb = root / "kb"
    for folder in ("methods", "topics", "datasets", "metrics"):
        (kb / folder).mkdir(parents=True)
    topics = [f"topic-{i}" for i in range(10)]
    for i, t in enumerate(topics):
        doc = {
            "id": t,
            "kind": "topic",
            "name": f"Topic {i}",
            "order": i + 1,
            "heading": f"Heading {i}",
            "summary": f"Topic {i}.",
            "points": ["A point."],
        }
        (kb / "topics" / f"{t}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    metric = {
        "id": "acc",
        "kind": "metric",
        "name": "accuracy",
        "summary": "Share correct.",
        "higher_is_better": True,
        "unit": "%",
    }
    (kb / "metrics" / "acc.yaml").write_text(yaml.safe_dump(metric, sort_keys=False))
    dataset = {
        "id": "bench",
        "kind": "dataset",
        "name": "Bench",
        "summary": "A benchmark.",
        "modalities": ["image"],
        "tasks": ["classification"],
        "metrics": ["acc"],
    }
    (kb / "datasets" / "bench.yaml").write_text(yaml.safe_dump(dataset, sort_keys=False))
    years: list[int] = []
    for i in range(n):
        year = 2004 + (i * 20) // max(n, 1)
        years.append(year)
        rid = f"method-{i:04d}"
        yymm = f"{(year - 2000) % 100:02d}{rng.randint(1, 12):02d}"
        arxiv = f"{yymm}.{rng.randint(10000, 99999)}" if year >= 2015 else f"{yymm}.{rng.randint(1000, 9999)}"
        if year < 2008:
            arxiv = None
        earlier = [j for j in range(i) if years[j] <= year]
        parents = sorted(set(rng.sample(earlier, min(2, len(earlier))))) if earlier else []
        paper = {
            "title": f"Method {i}: a study",
            "authors": ["A. Author", "B. Author"],
            "year": year,
            "source": "synthetic",
        }
        paper.update({"arxiv": arxiv} if arxiv else {"url": f"https://example.org/{rid}"})
        doc = {
            "id": rid,
            "kind": "method",
            "name": f"M{i}",
            "summary": f"Synthetic method {i} for benchmarking.",
            "topics": [topics[i % len(topics)]],
            "family": f"family-{i % 8}",
            "paper": paper,
            "pretext_task": "predict something",
            "architecture": "ViT",
            "modalities": ["image"],
            "results": [
                {
                    "dataset": "bench",
                    "split": "val",
                    "task": "classification",
                    "metric": "acc",
                    "value": round(rng.uniform(50, 90), 1),
                    "protocol": rng.choice(["linear", "fine-tune"]),
                    "variant": "base",
                    "source": "Table 1",
                }
            ],
            "lineage": [
                {"target": f"method-{j:04d}", "type": "extends", "reason": "builds on it"} for j in parents
            ],
            "lecture_claims": [
                {
                    "slide": "S",
                    "claim": f"M{i} is from {year + 1}",
                    "verdict": "wrong",
                    "correction": f"it is from {year}",
                    "source": "arXiv",
                }
            ],
            "notes": ["a root"] if not parents else [],
        }
        (kb / "methods" / f"{rid}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return kb


def measure(kb_dir: Path, *, quiz: bool = True) -> dict[str, float]:
    """Time each stage of the real build (:mod:`ssl_kb.build`), writing into a temporary folder."""
    from ssl_kb import build as pipeline
    from ssl_kb.project import Project

    project = Project.locate(kb_dir)
    work = Path(tempfile.mkdtemp(prefix="ssl-kb-bench-"))
    times: list[float] = [time.perf_counter()]

    def progress(_stage: int, _note: str) -> None:
        times.append(time.perf_counter())

    try:
        shutil.copy(project.root / "mkdocs.yml", work / "mkdocs.yml")  # what build/mkdocs.yml inherits
        plan = pipeline.plan(project, progress, quizzes=quiz)
        pipeline.write(plan, pipeline.Outputs.under(work), project, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    step = dict(zip(pipeline.STAGES, (b - a for a, b in itertools.pairwise(times)), strict=True))
    return {
        "records": plan.records,
        "pages": plan.site.page_count,
        "questions": plan.site.questions,
        "load": step["check kb/"],
        "store": step["write the store"] + step["build the graph"],
        "generate": step["generate pages"],
        "write": step["stage the outputs"] + step["swap the outputs in"],
        "mkdocs": step["render with MkDocs"],
        "total": times[-1] - times[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--append", action="store_true", help="append the table to benchmarks/RESULTS.md")
    parser.add_argument(
        "--synthetic-quiz",
        action="store_true",
        help="also run the quiz bank on synthetic KBs (slow: the bank is not the subject here)",
    )
    args = parser.parse_args()
    rows = []
    kb = REPO / "kb"
    rows.append(("lecture kb/", measure(kb)))
    print(rows[-1], file=sys.stderr, flush=True)
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append((f"synthetic {n}", measure(synthetic_kb(Path(tmp), n), quiz=args.synthetic_quiz)))
        print(rows[-1], file=sys.stderr, flush=True)
    head = "| KB | records | pages | questions | load+check s | store+graph s | pages+quizzes s | stage+swap s | MkDocs s | total s |"
    lines = [head, "|" + " --- |" * 10]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['records']} | {r['pages']} | {r['questions']} | {r['load']:.2f} | {r['store']:.2f} "
            f"| {r['generate']:.2f} | {r['write']:.2f} | {r['mkdocs']:.2f} | {r['total']:.2f} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.append:
        machine = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
        text = (
            f"\n## Site\n\n`benchmarks/site.py` ({machine}): the stages of the real build (`ssl_kb.build`) "
            f"timed separately; the floor is a lecture-KB build under 15 s.\n\n{table}\n"
        )
        results = REPO / "benchmarks" / "RESULTS.md"
        results.write_text((results.read_text() if results.exists() else "# Benchmarks\n") + text)
    lecture = rows[0][1]
    return 0 if lecture["generate"] + lecture["mkdocs"] < 15 else 1


if __name__ == "__main__":
    sys.exit(main())
