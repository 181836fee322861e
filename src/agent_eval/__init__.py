"""agent-eval: evaluate Claude Code agent definitions (routing, standards, judge) and gate CI on them.

Pipeline, one package per stage: agents → scenarios → harness → providers/runner → graders → store →
stats → report. `load_results(run_id)` is the notebook entry point (a pandas DataFrame, one row per
scenario × epoch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    import pandas as pd


def load_results(run_id: str, home: str | None = None) -> pd.DataFrame:
    """Return the stored results of `run_id` as a DataFrame (one row per scenario × epoch)."""
    from agent_eval.store.frames import results_frame

    return results_frame(run_id, home=home)
