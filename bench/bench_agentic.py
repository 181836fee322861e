"""Bench: a mock agentic run of every task of datasets/backend-developer/agentic.yaml, end to end, on a fresh
AGENT_EVAL_HOME (so the fixture's `npm ci` and PostgreSQL's `initdb` are paid as on a fresh clone).

The mock API scripts one plausible turn per task (a Write of a migration with owner RLS and/or a route
handler, as the task's graders ask), then a closing text; the real Claude Code CLI runs each session in a
scratch copy. Prints, per task, the time split into set-up (scratch copy), agent (the CLI session) and
grading (rule-based checks and executed graders), the PostgreSQL start time, and the peak memory of this
process and its children (CLI, node, tsc, postgres). Asserts nothing.
Usage: .venv/bin/python bench/bench_agentic.py [--concurrency N] [--limit N] [--home DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from bench_claude_code import PeakMemory  # noqa: E402  (RSS of this process tree, sampled)

from agent_eval.executors import fixture  # noqa: E402
from agent_eval.run.evaluate import run_eval  # noqa: E402
from agent_eval.run.options import RunOptions  # noqa: E402
from agent_eval.scenarios.agentic import AgenticTask, load_agentic_dataset  # noqa: E402
from agent_eval.store.db import Store  # noqa: E402
from agent_eval.suites.agentic import AgenticSuite  # noqa: E402
from agent_eval.suites.agentic_run import ExecutionEnvironment  # noqa: E402
from agentic_fixtures import FINAL_TEXT, assistant_turns, first_user_text, write  # noqa: E402
from mock_api import Json, MockAnthropic, Reply, text_block  # noqa: E402

MODEL = "claude-sonnet-5-5"


def table_sql(table: str) -> str:
    return f"""create table public.{table} (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 200),
  created_at timestamptz not null default now()
);

alter table public.{table} enable row level security;

create policy "{table}: owner reads" on public.{table}
  for select to authenticated using (owner_id = auth.uid());
create policy "{table}: owner inserts" on public.{table}
  for insert to authenticated with check (owner_id = auth.uid());
create policy "{table}: owner updates" on public.{table}
  for update to authenticated using (owner_id = auth.uid()) with check (owner_id = auth.uid());
create policy "{table}: owner deletes" on public.{table}
  for delete to authenticated using (owner_id = auth.uid());

grant select, insert, update, delete on public.{table} to authenticated;
"""


def handler_ts(table: str) -> str:
    return f"""import {{ z }} from "zod";
import {{ requireSession }} from "@/lib/auth";
import {{ withUser }} from "@/lib/db";
import {{ handleError }} from "@/lib/errors";
import {{ paginationSchema, toPage }} from "@/lib/pagination";
import {{ parseBody, parseQuery }} from "@/lib/validation";

const createSchema = z.object({{ title: z.string().min(1).max(200) }});

interface Row {{
  id: string;
  owner_id: string;
  title: string;
  created_at: string;
}}

export async function GET(request: Request): Promise<Response> {{
  try {{
    const session = requireSession(request);
    const page = parseQuery(request, paginationSchema);
    const rows = await withUser(
      session,
      (sql) => sql<Row[]>`
        select id, owner_id, title, created_at from public.{table}
        order by created_at desc, id limit ${{page.limit + 1}} offset ${{page.offset}}`,
    );
    return Response.json(toPage([...rows], page));
  }} catch (error) {{
    return handleError(error);
  }}
}}

export async function POST(request: Request): Promise<Response> {{
  try {{
    const session = requireSession(request);
    const body = await parseBody(request, createSchema);
    const [row] = await withUser(
      session,
      (sql) => sql<Row[]>`
        insert into public.{table} (owner_id, title) values (${{session.userId}}, ${{body.title}})
        returning id, owner_id, title, created_at`,
    );
    return Response.json({{ data: row }}, {{ status: 201 }});
  }} catch (error) {{
    return handleError(error);
  }}
}}
"""


def plausible_turn(task: AgenticTask) -> list[Json]:
    """One turn a competent agent might take on `task`: the files its graders look at."""
    table = re.sub(r"[^a-z0-9]+", "_", task.id)[:40]
    calls = []
    if "rls-probe" in task.executed or "http-contract" in task.executed:
        calls.append(write(f"supabase/migrations/20240301000000_{table}.sql", table_sql(table), "toolu_sql"))
    if "typecheck" in task.executed or "http-contract" in task.executed:
        calls.append(write(f"app/api/v1/{task.id}/route.ts", handler_ts(table), "toolu_ts"))
    return calls or [write(f"notes/{task.id}.md", f"# {task.id}\n", "toolu_note")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=1, help="tasks at once (1: clean per-task split)")
    parser.add_argument("--limit", type=int, help="the first N tasks only")
    parser.add_argument("--home", type=Path, help="AGENT_EVAL_HOME to use (default: a fresh temporary one)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-agentic-"))
    root = scratch / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, root / folder)
    home = args.home or scratch / "home"
    tasks = load_agentic_dataset(root / "datasets" / "backend-developer" / "agentic.yaml").tasks
    turns = {task.prompt: plausible_turn(task) for task in tasks}

    def respond(request: Json) -> Reply:
        prompt = first_user_text(request)
        if assistant_turns(request) == 0 and prompt in turns:
            return {"content": turns[prompt], "stop_reason": "tool_use"}
        return {"content": [text_block(FINAL_TEXT)], "stop_reason": "end_turn"}

    grading: dict[str, float] = {}
    original_grade = AgenticSuite.grade

    def timed_grade(self: AgenticSuite, scenario: Any, response: Any, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_grade(self, scenario, response, context)
        finally:
            grading[scenario.id] = time.perf_counter() - started

    postgres: list[float | None] = []
    original_close = ExecutionEnvironment.close

    def close(self: ExecutionEnvironment) -> None:
        postgres.append(self.started_in)
        original_close(self)

    npm: list[float] = []
    original_install = fixture.installed_node_modules

    def timed_install(project: Path, home: Path | None = None) -> Path:
        started = time.perf_counter()
        try:
            return original_install(project, home)
        finally:
            npm.append(time.perf_counter() - started)

    fixture.installed_node_modules = timed_install  # type: ignore[assignment]
    AgenticSuite.grade = timed_grade  # type: ignore[method-assign]
    ExecutionEnvironment.close = close  # type: ignore[method-assign]
    os.environ.update({"ANTHROPIC_API_KEY": "bench-key", "AGENT_EVAL_HOME": str(home)})
    with MockAnthropic(responder=respond) as api, PeakMemory() as memory:
        os.environ["ANTHROPIC_BASE_URL"] = api.base_url
        started = time.perf_counter()
        result = run_eval(RunOptions(
            agent="backend-developer", suites=("agentic",), model=MODEL, judge_model=MODEL, root=root,
            home=home, concurrency=args.concurrency, limit=args.limit, progress=False, report=True,
        ))
        wall = time.perf_counter() - started
        calls = api.count("/v1/messages")
    with Store(home) as store:
        records = store.results(result.run.run_id)

    print(f"run {result.run.run_id}: status {result.run.status}, {len(records)} tasks, {calls} mock API "
          f"calls (agent turns + judge), wall {wall:.1f} s at concurrency {args.concurrency}")
    print(f"{'task':34} {'set-up s':>9} {'agent s':>8} {'grading s':>10}  executed")
    for record in records:
        session = next((s for s in record.transcript if s.get("type") == "session"), {})
        verdicts = " ".join(f"{c}={v.status}" for c, v in record.executed.items())
        print(f"{record.scenario_id:34} {session.get('setup_s', 0):9.2f} {session.get('agent_s', 0):8.2f} "
              f"{grading.get(record.scenario_id, 0):10.2f}  {verdicts}")
    totals = [sum(float(s.get(k, 0)) for r in records for s in r.transcript if s.get("type") == "session")
              for k in ("setup_s", "agent_s")]
    print(f"{'total':34} {totals[0]:9.2f} {totals[1]:8.2f} {sum(grading.values()):10.2f}")
    print(f"fixture npm dependencies, before the first task (npm ci on a fresh home): {npm[0]:.2f} s"
          if npm else "fixture npm dependencies: not installed")
    started_in = postgres[0] if postgres else None
    print(f"PostgreSQL start (embedded, fresh data directory): "
          f"{'not started' if started_in is None else f'{started_in:.2f} s'}")
    print(f"peak memory, this process and its children together: {memory.peak:.0f} MB")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
