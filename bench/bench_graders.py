"""Benchmark: time to grade one response with every rule-based check (parse included), in milliseconds.

Run from the project root: `.venv/bin/python bench/bench_graders.py [FOLDER] [--rounds N]`. Grades every
markdown response in FOLDER (default: datasets/backend-developer/reference) ROUNDS times, each time from
the raw text (fresh parse, no cache shared between rounds), and prints median, p90 and max per response.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from agent_eval.graders.grade import grade_response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", default="datasets/backend-developer/reference")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    responses = [p for p in sorted(Path(args.folder).glob("*.md")) if p.name != "README.md"]
    if not responses:
        raise SystemExit(f"{args.folder}: no markdown responses to grade")
    texts = [p.read_text(encoding="utf-8") for p in responses]

    start = time.perf_counter()
    grade_response(texts[0])
    first_ms = (time.perf_counter() - start) * 1000

    timings: list[float] = []
    for _ in range(args.rounds):
        for text in texts:
            start = time.perf_counter()
            grade_response(text)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    lines = sum(text.count("\n") + 1 for text in texts) / len(texts)
    print(
        f"responses: {len(texts)} (mean {lines:.0f} lines) x {args.rounds} rounds = {len(timings)} gradings"
    )
    print(f"first grading (imports, parser set-up): {first_ms:.1f} ms")
    print(f"median: {statistics.median(timings):.2f} ms per response")
    print(f"p90:    {timings[int(0.9 * (len(timings) - 1))]:.2f} ms")
    print(f"max:    {timings[-1]:.2f} ms")


if __name__ == "__main__":
    main()
