"""Benchmark: the executors' costs, and executed vs parsed `rls-enabled` on the reference answers.

Run from the project root: `.venv/bin/python bench/bench_executors.py [--rounds N]` (needs the extra
`agent-eval[agentic]`, node and npm). Prints: embedded PostgreSQL start-up (cold: initdb + start in a new
data directory; warm: start on a kept one), its memory (PSS of the server's processes), the time of one
fresh database with the Supabase shim, of one rls-probe, of the fixture copy (npm ci cold and cached), of
tsc over the fixture, of an http-contract run; then agreement of `rls-probe` with `rls-enabled` over
datasets/backend-developer/reference*/ with every disagreement and its reason.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from agent_eval.executors.answers import execute_answer
from agent_eval.executors.fixture import prepare_fixture
from agent_eval.executors.http_contract import http_contract
from agent_eval.executors.postgres import PostgresServer, connect, embedded_postgres, fresh_database
from agent_eval.executors.rls_probe import Migration, probe_rls
from agent_eval.executors.typescript import run_tsc
from agent_eval.graders.grade import grade_response
from agent_eval.scenarios.agentic import HttpCase

PROBED = """
create table public.notes (id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id), body text not null);
alter table public.notes enable row level security;
create policy r on public.notes for select to authenticated using (user_id = auth.uid());
create policy w on public.notes for insert to authenticated with check (user_id = auth.uid());
"""
ROUTES = ["app/api/v1/projects/route.ts", "app/api/v1/projects/[id]/route.ts"]
CASES = (
    HttpCase(id="create", method="POST", path="/api/v1/projects", body={"name": "Bench"}, expect=(201,)),
    HttpCase(id="delete", method="DELETE", path="/api/v1/projects/{create.data.id}", expect=(204,)),
)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def server_memory_mb(data_dir: Path) -> float:
    """PSS of the postmaster and its children (shared buffers counted once, split among them)."""
    postmasters = [p for p in psutil.process_iter(["cmdline"]) if str(data_dir) in (p.info["cmdline"] or [])]
    processes = [q for p in postmasters for q in (p, *p.children(recursive=True))]
    return sum(q.memory_full_info().pss for q in processes) / 2**20


def bench_server(server: PostgresServer, rounds: int) -> None:
    def one_database() -> None:
        with fresh_database(server) as url, connect(url):
            pass

    databases = [timed(one_database) for _ in range(rounds)]
    probes = [timed(lambda: probe_rls(server, [Migration(name="m.sql", sql=PROBED)])) for _ in range(rounds)]
    print(f"fresh database + shim:         median {statistics.median(databases) * 1000:7.0f} ms")
    print(
        f"rls-probe (db + apply + probe): median {statistics.median(probes) * 1000:7.0f} ms, "
        f"max {max(probes) * 1000:.0f} ms"
    )


def bench_fixture(server: PostgresServer, work: Path) -> None:
    home = work / "home"
    cold = timed(lambda: prepare_fixture(work / "copy-cold", home=home))
    warm = timed(lambda: prepare_fixture(work / "copy-warm", home=home))
    project = work / "copy-warm"
    tsc = timed(lambda: run_tsc(project))
    http = timed(lambda: http_contract(server, project, ROUTES, CASES))
    print(f"fixture copy, npm ci (cold):   {cold:7.1f} s")
    print(f"fixture copy, cached deps:     {warm * 1000:7.0f} ms")
    print(f"tsc --noEmit over the fixture: {tsc:7.1f} s")
    print(f"http-contract (10 cases):      {http:7.1f} s")


def bench_agreement(server: PostgresServer) -> None:
    files = sorted(
        p for p in Path("datasets/backend-developer").glob("reference*/*.md") if p.name != "README.md"
    )
    counted = agree = 0
    disagreements = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        parsed = grade_response(text, ["rls-enabled"])["rls-enabled"]
        executed = execute_answer(server, text)["rls-probe"]
        if parsed.status == "n/a" and executed.status == "n/a":
            continue
        counted += 1
        if parsed.status == executed.status:
            agree += 1
        else:
            disagreements.append((path, parsed, executed))
    print(
        f"\nexecuted rls-probe vs parsed rls-enabled over {len(files)} reference answers "
        f"({len(files) - counted} n/a in both): {agree}/{counted} agree"
    )
    for path, parsed, executed in disagreements:
        print(f"  {path}: parsed {parsed.status}, executed {executed.status}")
        print(f"    executed: {executed.reason[:300]}")
        for evidence in executed.evidence[:2]:
            print(f"      line {evidence.line}: {evidence.note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="agent-eval-bench-"))
    try:
        data_dir = work / "pg"
        start = time.perf_counter()
        with embedded_postgres(data_dir) as server:
            print(f"embedded PostgreSQL, cold (initdb + start): {time.perf_counter() - start:5.1f} s")
        start = time.perf_counter()
        with embedded_postgres(data_dir) as server:
            print(f"embedded PostgreSQL, warm (start):          {time.perf_counter() - start:5.1f} s")
            print(f"server memory (PSS, all its processes, idle): {server_memory_mb(data_dir):5.0f} MB")
            bench_server(server, args.rounds)
            print(f"server memory after the probes:               {server_memory_mb(data_dir):5.0f} MB")
            bench_fixture(server, work)
            bench_agreement(server)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
