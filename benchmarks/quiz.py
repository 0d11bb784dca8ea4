"""Quiz generation floors: a 20-question quiz in under 0.5 s, every topic's bank in under 5 s.

Usage: python benchmarks/quiz.py [--kb kb] [--repeat 5]
Times generation from the store (the KB is loaded into an in-memory SQLite store first, as the CLI
does); the load is reported separately. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ssl_kb import graph as lineage
from ssl_kb.kb import load
from ssl_kb.quiz.bank import bank_files, draw, generate
from ssl_kb.readmodel import ReadModel
from ssl_kb.store import memory_engine


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kb", type=Path, default=Path("kb"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    kb = load(args.kb)
    engine = memory_engine(kb.records.values())
    load_s = time.perf_counter() - start

    def one_quiz() -> None:
        model = ReadModel.read(engine, lineage.build(engine))
        topic = model.topic_order[len(model.topic_order) // 2]
        quiz = draw([q for q in generate(model) if topic in q.topics] or generate(model), 20, seed=1)
        assert quiz

    def whole_bank() -> None:
        files = bank_files(ReadModel.read(engine, lineage.build(engine)))
        assert files

    quiz_s = best(one_quiz, args.repeat)
    bank_s = best(whole_bank, args.repeat)
    n_questions = len(generate(ReadModel.read(engine)))
    rows = [
        ("load kb/ + in-memory store (not part of the floors)", load_s, None),
        ("20-question quiz from the store", quiz_s, 0.5),
        (f"whole bank, every topic ({n_questions} questions)", bank_s, 5.0),
    ]
    print(f"Quiz generation on {len(kb.entries)} records (best of {args.repeat}):\n")
    print("| step | seconds | floor | ok |\n|---|---:|---:|---|")
    for name, seconds, floor in rows:
        ok = "" if floor is None else ("yes" if seconds < floor else "NO")
        print(f"| {name} | {seconds:.3f} | {'' if floor is None else floor} | {ok} |")


if __name__ == "__main__":
    main()
