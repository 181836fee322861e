"""Report size and open time for a 5,000-result run (prints figures; no assertions).

    .venv/bin/python bench/bench_report.py [--results 5000] [--output-chars 1500]

Builds a synthetic run in a temporary AGENT_EVAL_HOME (half routing, half standards with judge scores and
responses of --output-chars characters), writes its report, then opens it in headless Debian Chromium
and times navigation until the scenario table has rendered.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from agent_eval.report.html import write_report
from agent_eval.store.db import Store
from report_runs import CHROMIUM, CHROMIUM_ARGS, mixed_run


def open_time(report: Path, repeats: int) -> list[float]:
    """Seconds from navigation start until the table shows its first page, per repeat (fresh tab each)."""
    from playwright.sync_api import sync_playwright

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for _ in range(repeats):
            tab = browser.new_page()
            started = time.perf_counter()
            tab.goto(report.as_uri(), wait_until="load")
            tab.wait_for_selector("#scenarios tbody tr.scenario")
            timings.append(time.perf_counter() - started)
            tab.close()
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--results", type=int, default=5000)
    parser.add_argument("--output-chars", type=int, default=1500, help="length of each standards response")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "home")
        half = args.results // 2
        mixed_run(store, "bench", routing=args.results - half, standards=half, output_chars=args.output_chars)
        started = time.perf_counter()
        report = write_report(store, "bench", Path(scratch) / "bench.html")
        written = time.perf_counter() - started
        size_mb = report.stat().st_size / 1e6
        print(
            f"results: {args.results} ({args.results - half} routing, {half} standards, "
            f"{args.output_chars}-char responses)"
        )
        print(f"report: {size_mb:.2f} MB, written in {written:.2f} s")
        if CHROMIUM.exists():
            timings = open_time(report, args.repeats)
            print(
                "open in headless chromium (navigation → table rendered): "
                + ", ".join(f"{t:.2f} s" for t in timings)
                + f"; best {min(timings):.2f} s"
            )
        else:
            print(f"open time: skipped, {CHROMIUM} not installed")


if __name__ == "__main__":
    main()
