"""What `agent-eval run` is asked for, what it returns, and the error for a run that cannot start."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent_eval.harness.routing import Effort, Thinking
from agent_eval.paths import found_project_root
from agent_eval.store.model import RunInfo
from agent_eval.suites import DEFAULT_SUITES
from agent_eval.suites.harnesses import DEFAULT_HARNESS

if TYPE_CHECKING:  # the summary pulls in the statistics, which nothing needs before the first call
    from agent_eval.run.summary import RunSummary
    from agent_eval.store.model import ResultRecord


class RunError(Exception):
    """A run that cannot start: bad input or no usable model (exit code 2)."""


@dataclass(frozen=True)
class RunOptions:
    """What `agent-eval run` was asked for; None means "take it from the eval config"."""

    agent: str
    suites: tuple[str, ...] = DEFAULT_SUITES  # `--suite all`: routing and standards (agentic is opt-in)
    model: str | None = None
    judge_model: str | None = None
    harness: str = DEFAULT_HARNESS  # how routing requests are made (suites/harnesses/)
    epochs: int | None = None
    concurrency: int | None = None
    limit: int | None = None  # scenarios per suite, in dataset order
    batch: bool = False
    resume: str | None = None
    use_cache: bool = True
    max_cost: float | None = None
    agents_dir: Path | None = None
    root: Path = field(default_factory=found_project_root)
    call_timeout: float | None = None  # seconds per call, retries included (None: the provider's default)
    home: Path | None = None
    progress: bool = True
    report: bool = True
    claude_bin: str | None = None  # an installed Claude Code for --harness claude-code/captured
    with_user_settings: bool = False  # let the user's own Claude Code settings into those sessions
    thinking: Thinking = "adaptive"  # the builtin routing request, as Claude Code sets it
    effort: Effort | None = "medium"
    execute: bool = False  # standards answers' SQL also applied to a real PostgreSQL and RLS probed
    postgres_url: str | None = None  # agentic executors: an existing server instead of the embedded one


@dataclass
class RunResult:
    run: RunInfo
    report: Path | None
    notes: list[str]  # what was skipped and why, for the user
    failed_calls: int = 0
    errored: int = 0  # results whose grading raised (stored with their error; a resume grades them again)
    # The finished run summarised once (its figures and results), for its report and `--json` alike.
    figures: tuple[RunSummary, list[ResultRecord]] | None = None
