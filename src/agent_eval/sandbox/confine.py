"""What an agent under evaluation may do in its scratch project: the tool policy of an agentic session and
the environment its CLI (and so its shell) starts with.

The policy refuses tools that reach outside (web fetches, sub-agents, questions to an absent user), path
arguments that resolve outside the project (symlinks included, so the shared `node_modules` is read-only),
and shell commands that use the network (curl, wget, nc, ssh, git push/pull/fetch/clone, package managers
fetching, …) or name absolute paths outside the project other than the system's own directories. The
environment blanks every variable whose name looks like a secret, points HTTP(S) proxies at a closed port
(the CLI's own calls go to the local API proxy, exempted by NO_PROXY) and puts npm and pip offline.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_eval.sandbox.session import Policy, path_refusal

# Tools a sub-agent does not get, or that leave the project: removed from the session's tool list.
WITHHELD_TOOLS = ("Agent", "Task", "AskUserQuestion", "WebFetch", "WebSearch", "ScheduleWakeup", "Workflow",
                  "RemoteTrigger", "CronCreate", "EnterWorktree")
NETWORK_COMMANDS = frozenset({
    "curl", "wget", "nc", "ncat", "netcat", "telnet", "ssh", "scp", "sftp", "rsync", "ftp", "socat",
    "http", "https", "aria2c", "lynx", "links", "ping", "dig", "nslookup", "host",
})
# Package managers and the subcommands that fetch (or publish); `npx`/`bunx` fetch what is not installed.
FETCHING = {
    "npm": {"install", "i", "ci", "add", "update", "up", "publish", "exec", "x", "login", "adduser", "pack"},
    "yarn": {"add", "install", "upgrade", "up", "dlx", "publish", "npm"},
    "pnpm": {"add", "install", "i", "update", "up", "dlx", "publish", "fetch"},
    "bun": {"add", "install", "i", "update", "x", "publish"},
    "pip": {"install", "download", "wheel"},
    "pip3": {"install", "download", "wheel"},
    "uv": {"add", "pip", "sync", "run", "tool"},
    "git": {"push", "pull", "fetch", "clone", "remote", "submodule", "ls-remote"},
    "gem": {"install", "update", "push"},
    "cargo": {"install", "add", "fetch", "publish"},
    "go": {"get", "install", "mod"},
    "docker": {"pull", "push", "run", "build", "login"},
}
ALWAYS_FETCHING = frozenset({"npx", "bunx", "pnpx", "apt", "apt-get", "brew", "snap", "dnf", "yum", "apk"})
# System directories a command may name (interpreters, /dev/null, temporary files are not among them).
SYSTEM_PREFIXES = ("/usr/", "/bin/", "/sbin/", "/lib", "/etc/alternatives/", "/dev/null", "/dev/stdout",
                   "/dev/stderr", "/proc/self/")
SEPARATORS = frozenset({";", "&", "&&", "|", "||", "(", ")", "`", "$(", "\n"})
WRAPPERS = frozenset({"sudo", "env", "time", "nohup", "nice", "timeout", "xargs", "command", "exec", "then",
                      "do", "else", "if", "while", "until", "!"})
SHELLS = frozenset({"sh", "bash", "zsh", "dash"})
SECRET_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|SESSION|COOKIE|^AWS_|^GH_|^GITHUB_", re.IGNORECASE
)
INTERPRETERS = ("python", "python3", "node")
NETWORK_MODULES = ("pip", "http.server", "urllib", "ensurepip")
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, every proxied connection fails


def confined_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Variables laid over the CLI's inherited environment: secrets blanked, network off for everything but
    the local API proxy, package managers offline."""
    source = os.environ if environ is None else environ
    blanked = {name: "" for name in source if SECRET_NAME.search(name)}
    return {
        **blanked,
        "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "ALL_PROXY": DEAD_PROXY,
        "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY, "all_proxy": DEAD_PROXY,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "npm_config_offline": "true", "npm_config_audit": "false", "PIP_NO_INDEX": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }


def agentic_policy(root: Path, tools: Sequence[str] | None) -> Policy:
    """The permission rule of an agentic session in `root`; `tools`: the agent's own (None: all but the
    withheld ones)."""

    def check(tool: str, tool_input: dict[str, Any]) -> str | None:
        if tool in WITHHELD_TOOLS or (tools is not None and tool not in tools):
            return f"{tool} is not available in this evaluation"
        if tool == "Bash":
            return command_refusal(str(tool_input.get("command", "")), root)
        return path_refusal(tool, tool_input, root)

    return check


def _words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()`$\n")
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: the shell would refuse it too; judge the raw words
        return command.split()


def _segments(words: list[str]) -> list[list[str]]:
    segments: list[list[str]] = [[]]
    for word in words:
        if word in SEPARATORS or set(word) <= set(";&|()`$\n"):
            segments.append([])
        else:
            segments[-1].append(word)
    return [s for s in segments if s]


def _program(segment: list[str]) -> tuple[str, list[str]]:
    """The program a segment runs and its arguments, past variable assignments and wrappers."""
    position = 0
    while position < len(segment) and (
        re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", segment[position]) or segment[position] in WRAPPERS
        or (segment[position].startswith("-") and position > 0 and segment[position - 1] in WRAPPERS)
    ):
        position += 1
    if position >= len(segment):
        return "", []
    return Path(segment[position]).name, segment[position + 1:]


def command_refusal(command: str, root: Path, depth: int = 0) -> str | None:
    """Why a shell command is refused: it uses the network or fetches packages, or names a path outside
    the project; None when it may run. Nested shells (`bash -c "…"`) are read too."""
    words = _words(command)
    for segment in _segments(words):
        program, arguments = _program(segment)
        if program in NETWORK_COMMANDS or program in ALWAYS_FETCHING:
            return f"network commands are refused in this evaluation: {program}"
        subcommands = FETCHING.get(program)
        if subcommands is not None:
            first = next((a for a in arguments if not a.startswith("-")), "")
            if first in subcommands:
                return f"commands that fetch or publish are refused in this evaluation: {program} {first}"
        inline = program in INTERPRETERS and any(a in ("-m", "-e", "-c") for a in arguments)
        if inline and any(a in NETWORK_MODULES or "fetch(" in a or "http" in a for a in arguments):
            return f"network access from {program} is refused in this evaluation"
        if program in SHELLS and "-c" in arguments and depth < 3:
            nested = arguments[arguments.index("-c") + 1:]
            if nested:
                found = command_refusal(nested[0], root, depth + 1)
                if found:
                    return found
    for word in words:
        outside = _outside(word, root)
        if outside:
            return f"Bash: {outside} is outside the project"
    return None


def _outside(word: str, root: Path) -> str | None:
    candidate = word.split("=", 1)[1] if re.match(r"^-*[\w-]+=", word) else word
    if candidate.startswith("~"):
        return candidate
    if not candidate.startswith("/") and ".." not in Path(candidate).parts:
        return None
    if candidate.startswith(SYSTEM_PREFIXES) or candidate in ("/dev/null", "/usr", "/bin"):
        return None
    inside = root.resolve()
    target = (root / candidate).resolve()
    return None if target == inside or inside in target.parents else candidate
