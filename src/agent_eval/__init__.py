"""agent-eval: evaluate Claude Code agent definitions (routing, standards, judge) and gate CI on them.

The Python API, for notebooks and scripts:

- `run_eval(agent, root=…, **options)` runs an evaluation, as `agent-eval run` does;
- `load_results(run_id)` reads a stored run as a pandas DataFrame (one row per scenario × epoch);
- `compare_runs(run_a, run_b)` is the paired comparison of `agent-eval compare`;
- `check` and `verdict` write project checks (a `.py` file in the project's `checks/` folder).

Importing `agent_eval` stays cheap: each function imports its stage when it is called.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from agent_eval.compare.runs import Comparison
    from agent_eval.graders.checks.registry import check, verdict
    from agent_eval.run.options import RunResult

__all__ = ["check", "compare_runs", "load_results", "run_eval", "verdict"]

# Imported on first use: the registry loads every built-in check (tree-sitter, pglast).
_LAZY = {
    "check": "agent_eval.graders.checks.registry",
    "verdict": "agent_eval.graders.checks.registry",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("agent-eval")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agent_eval' has no attribute {name!r}")


def load_results(run_id: str, home: str | None = None) -> pd.DataFrame:
    """Return the stored results of `run_id` as a DataFrame (one row per scenario × epoch).

    `home`: the results folder (default AGENT_EVAL_HOME, else `.agent-eval/` in the working directory).
    """
    from agent_eval.store.frames import results_frame

    return results_frame(run_id, home=home)


def run_eval(agent: str, root: str | Path = ".", **options: Any) -> RunResult:
    """Run (or resume) an evaluation of `agent` in the project at `root`, as `agent-eval run` does.

    `options` are the fields of `agent_eval.run.options.RunOptions`: suites, model, judge_model, epochs,
    concurrency, limit, batch, resume, use_cache, max_cost, agents_dir, home, progress, report. The
    project's own checks (`checks/*.py`) apply. Returns the run (`.run.run_id` for `load_results`) and
    the report's path. Raises `agent_eval.run.options.RunError` on bad input, before any model call.
    """
    from agent_eval.graders.project_checks import load_project_checks
    from agent_eval.run.evaluate import run_eval as run
    from agent_eval.run.options import RunOptions

    project = Path(root)
    load_project_checks(project)
    return run(RunOptions(agent=agent, root=project, **options))


def compare_runs(run_a: str, run_b: str, home: str | None = None, alpha: float = 0.05) -> Comparison:
    """The paired comparison of stored runs A (before) and B (after) over their shared scenarios.

    `.as_dict()` is what `agent-eval compare --json` prints. Raises LookupError naming an unknown run.
    """
    from agent_eval.compare.runs import compare_runs as compare
    from agent_eval.paths import home_dir
    from agent_eval.store.db import Store

    with Store(home_dir(home)) as store:
        return compare(store, run_a, run_b, alpha=alpha)
