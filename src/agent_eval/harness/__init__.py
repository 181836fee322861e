"""Scenarios → model requests: the routing prompt as Claude Code builds it, and the standards prompt."""
