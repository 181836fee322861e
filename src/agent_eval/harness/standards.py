"""Standards harness: one scenario → the request an agent answers as itself (its body as system prompt)."""

from __future__ import annotations

from agent_eval.agents.model import Agent
from agent_eval.harness.conversation import scenario_messages, text_block
from agent_eval.providers.model import ModelRequest
from agent_eval.scenarios.model import Scenario

# Room for a complete answer with several code files; a truncated answer would fail checks unfairly.
STANDARDS_MAX_TOKENS = 8192


def build_standards_request(scenario: Scenario, agent: Agent, model: str) -> ModelRequest:
    """The agent's body as the (cached) system prompt, the scenario's context and message as the task.

    The full response text is what the graders read, so nothing here asks for a particular format.
    """
    if not agent.body.strip():
        raise ValueError(f"{agent.path}: agent {agent.name!r} has an empty body, so no system prompt to test")
    return ModelRequest(
        model=model,
        max_tokens=STANDARDS_MAX_TOKENS,
        system=(text_block(agent.body.strip(), cache=True),),
        messages=scenario_messages(scenario),
        purpose="standards",
    )
