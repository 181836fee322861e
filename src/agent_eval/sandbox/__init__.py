"""Running the real Claude Code CLI offline-safe: a scratch project with an isolated home, a local API proxy
that forwards (and caches) the CLI's calls, and a session runner that stops at the first tool call.

Shared by the routing harness (`harness/claude_code.py`), the request capture (`harness/captured.py`) and any
suite that lets the agent work on a fixture project.
"""
