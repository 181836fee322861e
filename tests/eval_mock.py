"""A mock Anthropic API that plays a whole evaluation: routing decisions, code answers and judge scores.

Routing requests (an `Agent` tool offered) are answered with the scenario's expected agent, except for a
deterministic share (`misroute_rate`) answered with no delegation; standards requests get a reference
answer; judge requests (the forced `record_scores` tool) get a 4 on every criterion. Run this file to serve
it from another process (the kill -9 test): it prints the base URL and serves until killed.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from mock_api import Json, MockAnthropic, Reply, last_user_text, tool_use_block

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "datasets" / "backend-developer" / "reference" / "01-orders-list-good.md"


def copy_project(tmp_path: Path) -> Path:
    """A copy of the project's agents, datasets and eval config, so runs write nothing into the repo."""
    root = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def offline_project(tmp_path: Path, monkeypatch: Any) -> Path:
    """`copy_project` with no API credentials in the environment, as the working directory and home."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    root = copy_project(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(root / "home"))
    return root


def keyed_project(tmp_path: Path, monkeypatch: Any) -> Path:
    """`copy_project` as the working directory and home, with a test API key: point ANTHROPIC_BASE_URL at a
    mock before running."""
    root = copy_project(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(root / "home"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    return root


def quiet_options(root: Path, **overrides: Any) -> Any:
    """RunOptions for a run of backend-developer in `root`: no progress bar, no report, unless overridden."""
    from agent_eval.run.options import RunOptions

    values: dict[str, Any] = {"agent": "backend-developer", "root": root, "home": root / "home"}
    return RunOptions(**{**values, "progress": False, "report": False, **overrides})


def expected_by_message(root: Path, agent: str = "backend-developer") -> dict[str, str]:
    from agent_eval.scenarios.dataset import load_scenarios

    return {s.input.message: s.expected or "none" for s in load_scenarios(agent, ("routing",), root)}


def _misrouted(message: str, rate: float) -> bool:
    draw = int(hashlib.sha256(message.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return draw < rate


class EvalResponder:
    def __init__(
        self, expected: dict[str, str], misroute_rate: float = 0.0, answer: str | None = None
    ) -> None:
        self.expected = expected
        self.misroute_rate = misroute_rate
        self.answer = answer if answer is not None else REFERENCE.read_text(encoding="utf-8")

    def __call__(self, request: Json) -> Reply:
        tools = {t.get("name"): t for t in request.get("tools") or []}
        if "record_scores" in tools:
            criteria = tools["record_scores"]["input_schema"]["properties"]
            scores: dict[str, Any] = {c: {"score": 4, "rationale": "meets it"} for c in criteria}
            return {"content": [tool_use_block("record_scores", scores)], "stop_reason": "tool_use"}
        if "Agent" in tools:
            message = last_user_text(request)
            target = self.expected.get(message, "none")
            if _misrouted(message, self.misroute_rate):
                target = "none"
            if target == "none":
                return "I'll handle this directly."
            call = {"description": "delegate the task", "prompt": message, "subagent_type": target}
            return {"content": [tool_use_block("Agent", call)], "stop_reason": "tool_use"}
        return self.answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=REPO)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    api = MockAnthropic(responder=EvalResponder(expected_by_message(args.root)), latency_s=args.latency)
    api.start()
    print(api.base_url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
