"""Agent definition files → `Agent` values: lenient frontmatter, examples, sections, discovery, lint."""

from agent_eval.agents.model import Agent, Diagnostic, Example, Section

__all__ = ["Agent", "Diagnostic", "Example", "Section"]
