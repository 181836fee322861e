"""Synthetic stored runs for the report, compare, gate and export tests (no model involved)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent_eval.graders.model import CriterionScore, Evidence, JudgeVerdict, Verdict
from agent_eval.providers.model import ModelResponse, Usage
from agent_eval.scenarios.model import Turn
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord, RunInfo

# Debian's Chromium, started as this closed network needs (no background connections, no first-run UI).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

AGENT = "backend-developer"
ROSTER = (AGENT, "frontend-developer", "code-reviewer", "none")
CHECKS = ("zod-validation", "rls-enabled", "status-codes", "parameterized-sql")
XSS_PAYLOAD = (
    "Here you go </script><script>window.__xss = 1</script>"
    '<img src=x onerror="window.__xss = 2"><!-- <svg onload="window.__xss = 3">'
)


def run_info(
    run_id: str,
    *,
    status: str = "finished",
    offline: bool = False,
    dataset_hash: str = "d" * 64,
    started_at: str = "2026-11-30T00:00:00+00:00",
) -> RunInfo:
    return RunInfo.model_validate(
        {
            "run_id": run_id,
            "agent": AGENT,
            "model": "claude-sonnet-4-5",
            "judge_model": "claude-haiku-4-5",
            "suites": ("routing", "standards"),
            "epochs": 1,
            "git_commit": "0123456789abcdef",
            "agent_hash": "a" * 64,
            "dataset_hash": dataset_hash,
            "config": {},
            "started_at": started_at,
            "finished_at": None if status == "running" else started_at,
            "status": status,
            "offline": offline,
        }
    )


def routing_record(run_id: str, index: int, correct: bool, epoch: int = 1, output: str = "") -> ResultRecord:
    expected = ROSTER[index % len(ROSTER)]
    chosen = expected if correct else ROSTER[(index + 1) % len(ROSTER)]
    return ResultRecord(
        run_id=run_id,
        scenario_id=f"route-{index:04d}",
        suite="routing",
        epoch=epoch,
        input=f"Please help with task {index}",
        expected=expected,
        chosen=chosen,
        passed=correct,
        output=output or f'{{"name": "Task", "input": {{"subagent_type": "{chosen}"}}}}',
        usage=Usage(input_tokens=1200, output_tokens=40, cache_read_input_tokens=1000),
        cost_usd=0.002,
        latency_s=1.1 + (index % 7) / 10,
    )


def standards_record(
    run_id: str,
    index: int,
    statuses: dict[str, str],
    *,
    judge_scores: Sequence[int] = (4, 4),
    output: str = "const x = 1;\n",
    epoch: int = 1,
) -> ResultRecord:
    checks = {
        check: Verdict(
            check=check,
            status=status,
            reason=f"{check} {status}",  # type: ignore[arg-type]
            evidence=(Evidence(line=1, text=output.splitlines()[0] if output else "", note="n"),),
        )
        for check, status in statuses.items()
    }
    judge = JudgeVerdict(
        model="claude-haiku-4-5",
        scores=tuple(
            CriterionScore(
                criterion=f"criterion-{k}", section="Standards", score=score, rationale=f"rationale {k}"
            )
            for k, score in enumerate(judge_scores)
        ),
    )
    return ResultRecord(
        run_id=run_id,
        scenario_id=f"std-{index:04d}",
        suite="standards",
        epoch=epoch,
        input=f"Build endpoint {index}",
        context=(
            Turn(role="user", content="Earlier question"),
            Turn(role="assistant", content="Earlier answer"),
        ),
        tags=("api",),
        checks=checks,
        passed=all(s != "fail" for s in statuses.values()),
        judge=judge,
        output=output,
        usage=Usage(input_tokens=3000, output_tokens=900),
        cost_usd=0.02,
        latency_s=8.0,
    )


def save_run(store: Store, info: RunInfo, records: Sequence[ResultRecord]) -> None:
    """Store a run, its results and one call per result (so usage and latency have data)."""
    store.create_run(info)
    for record in records:
        store.save_result(record)
        response = ModelResponse(
            model=info.model,
            content=({"type": "text", "text": "x"},),
            stop_reason="end_turn",
            usage=record.usage,
            cost_usd=record.cost_usd,
            latency_s=record.latency_s,
        )
        store.record_call(
            info.run_id, f"{record.scenario_id}-{record.epoch}", record.suite, info.model, response
        )


def routing_run(store: Store, run_id: str, correct: Sequence[bool], **info: object) -> RunInfo:
    """A routing-only run whose i-th scenario is routed correctly when correct[i]."""
    run = run_info(run_id, **info)  # type: ignore[arg-type]
    save_run(store, run, [routing_record(run_id, i, ok) for i, ok in enumerate(correct)])
    return run


_WORDS = ("order", "user", "invoice", "account", "session", "payment", "item", "tenant", "audit", "token")
_LINES = (
    "const {a}{n} = await db.query('select * from {a}s where id = $1', [{b}Id]);",
    "router.get('/api/v1/{a}s/:id', async (req, res) => {{",
    "  if (!{a}) return res.status(404).json({{ error: '{b} {n} not found' }});",
    "const {a}Schema = z.object({{ {b}: z.string().max({n}) }});",
    "  const limit = Math.min(Number(req.query.limit ?? {n}), 100);",
    "// {a}: keep {b} lookups bounded ({n} per page)",
)


def _response(rng: random.Random, chars: int) -> str:
    """Code-like text that compresses like a real answer (varied identifiers and numbers)."""
    lines: list[str] = []
    while sum(len(line) + 1 for line in lines) < chars:
        template = rng.choice(_LINES)
        lines.append(template.format(a=rng.choice(_WORDS), b=rng.choice(_WORDS), n=rng.randint(1, 9999)))
    return "\n".join(lines)[:chars]


def mixed_run(
    store: Store,
    run_id: str,
    *,
    routing: int,
    standards: int,
    output_chars: int = 600,
    seed: int = 7,
    xss: bool = False,
) -> RunInfo:
    """A plausible run: ~85% routing accuracy, checks failing now and then, judge scores 2–5."""
    rng = random.Random(seed)
    run = run_info(run_id)
    records_out = [_response(rng, output_chars) for _ in range(standards)]
    records = [routing_record(run_id, i, rng.random() < 0.85) for i in range(routing)]
    for i in range(standards):
        statuses = {c: rng.choice(("pass", "pass", "pass", "fail", "n/a")) for c in CHECKS}
        output = (XSS_PAYLOAD + "\n" + records_out[i]) if xss and i == 0 else records_out[i]
        records.append(
            standards_record(
                run_id, i, statuses, judge_scores=(rng.randint(2, 5), rng.randint(2, 5)), output=output
            )
        )
    if xss:
        records[0] = routing_record(run_id, 0, False, output=XSS_PAYLOAD)
    save_run(store, run, records)
    return run


def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A Store in tmp_path/home, made the CLI's AGENT_EVAL_HOME, with tmp_path as the working directory."""
    home = tmp_path / "home"
    monkeypatch.setenv("AGENT_EVAL_HOME", str(home))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    return Store(home)


def flips(base: Sequence[bool], count: int) -> list[bool]:
    """`base` with its first `count` successes turned into failures."""
    out = list(base)
    for index in [i for i, ok in enumerate(out) if ok][:count]:
        out[index] = False
    return out


def agentic_record(
    run_id: str, index: int, *, parsed_rls: str = "fail", probed_rls: str = "pass"
) -> ResultRecord:
    """An agentic task's result: a diff holding the XSS payload, a transcript with a refused call, a parsed
    rls-enabled and an executed rls-probe that may disagree."""
    path = f"supabase/migrations/2024030100000{index}_tags.sql"
    diff = (f"--- a/{path}\n+++ b/{path}\n@@ -0,0 +1,2 @@\n+create table public.tags (id uuid);\n"
            f"+-- {XSS_PAYLOAD}\n")
    verdict = Verdict(check="rls-enabled", status=parsed_rls, reason="parsed",  # type: ignore[arg-type]
                      evidence=(Evidence(line=1, text="create table public.tags (id uuid);"),))
    probe = Verdict(check="rls-probe", status=probed_rls,  # type: ignore[arg-type]
                    reason="user B read user A's row",
                    evidence=(Evidence(line=0, text="select * from public.tags", note="as user B"),))
    return ResultRecord(
        run_id=run_id, scenario_id=f"agentic-{index}", suite="agentic", epoch=1, input="Add a tags table",
        checks={"rls-enabled": verdict}, executed={"rls-probe": probe},
        transcript=(
            {"type": "tool_use", "id": "t1", "name": "Write",
             "input": {"file_path": path, "content": XSS_PAYLOAD}, "refused": None, "result": "File created"},
            {"type": "tool_use", "id": "t2", "name": "Bash", "input": {"command": "curl https://x"},
             "refused": "network commands are refused in this evaluation: curl", "result": ""},
            {"type": "text", "text": "Done."},
            {"type": "session", "stop": "end_turn", "turns": 3, "calls": 3, "setup_s": 0.5, "agent_s": 2.0,
             "cli": "2.1.337"},
        ),
        passed=False, output=diff, usage=Usage(input_tokens=9000, output_tokens=700), cost_usd=0.05,
        latency_s=3.0,
    )
