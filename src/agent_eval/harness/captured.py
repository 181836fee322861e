"""The captured routing harness: each scenario's request is the one the user's own Claude Code would send,
rebuilt from a template of its request layout with this run's roster and the scenario's words.

`agent-eval capture` runs the CLI once (offline, see sandbox/capture.py) and stores the template under
`AGENT_EVAL_HOME/claude-code/<cli version>/<model>.json`. The template's text is Anthropic's: it stays in the
user's home and is never printed whole. Dropped from it: the billing header block and `metadata` (ids of the
user's device and session). Kept as captured: the date line, the skills list, the environment block.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_eval.agents.roster import RosterLike, roster_agents
from agent_eval.harness.claude_code import UnsupportedScenario, conversation_turns
from agent_eval.harness.conversation import scenario_messages
from agent_eval.harness.routing import ROSTER_HEADER, roster_entry
from agent_eval.providers import pricing
from agent_eval.providers.anthropic import to_model_response
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider
from agent_eval.sandbox.capture import PROBE_AGENT, PROBE_WORDS, Capture
from agent_eval.sandbox.proxy import BILLING_HEADER_PREFIX, Json, Upstream
from agent_eval.sandbox.upstream import anthropic_upstream
from agent_eval.scenarios.model import Scenario

HARNESS = "captured"
WORDS = "\u27e6agent-eval:words\u27e7"
ROSTER = "\u27e6agent-eval:roster\u27e7"
PROJECT = "\u27e6agent-eval:project\u27e7"
HOME = "\u27e6agent-eval:home\u27e7"
PROJECT_SLUG = "\u27e6agent-eval:project-slug\u27e7"  # the project path as the CLI names its state folder
# Body fields a ModelRequest carries; the rest (thinking, effort, context management) come from the template.
REQUEST_FIELDS = ("model", "max_tokens", "system", "messages", "tools", "tool_choice", "temperature")
DROPPED_FIELDS = ("metadata", "stream")
ENTRY = re.compile(r"^- (?P<name>[^:\n]+): ", re.MULTILINE)


class TemplateError(ValueError):
    """No usable template: none captured for this CLI version and model, or a capture without a roster."""


@dataclass(frozen=True)
class Template:
    cli_version: str
    model: str
    body: Json  # the CLI's request with WORDS, ROSTER, PROJECT, HOME markers
    builtin_entries: tuple[tuple[str, str], ...]  # (name, entry text) of the CLI's own agent types

    def to_json(self) -> Json:
        return {"cli_version": self.cli_version, "model": self.model, "body": self.body,
                "builtin_entries": [list(e) for e in self.builtin_entries]}

    @classmethod
    def from_json(cls, data: Json) -> Template:
        return cls(data["cli_version"], data["model"], data["body"],
                   tuple((str(n), str(t)) for n, t in data["builtin_entries"]))

    @property
    def extra_fields(self) -> Json:
        """The beta fields a ModelRequest cannot carry: sent as captured."""
        return {k: v for k, v in self.body.items() if k not in REQUEST_FIELDS}


def project_slug(project: Path) -> str:
    """`/work/my app` → `-work-my-app`: how the CLI names a project's folder under its config dir."""
    return re.sub(r"[^A-Za-z0-9]", "-", str(project))


def _paths(project: Path, home: Path) -> dict[str, str]:
    return {PROJECT: str(project), HOME: str(home), PROJECT_SLUG: project_slug(project)}


def _mask(text: str, capture: Capture) -> str:
    for marker, path in sorted(_paths(capture.project, capture.home).items(), key=lambda item: -len(item[1])):
        text = text.replace(json.dumps(path)[1:-1], marker)
    return text


def _split_roster(text: str) -> tuple[str, list[tuple[str, str]], str] | None:
    """A text holding the roster → (before its entries, the CLI's own entries, after them); None without."""
    start = text.find(ROSTER_HEADER + "\n")
    if start < 0:
        return None
    begin = start + len(ROSTER_HEADER) + 1
    end = text.find("\n\n", begin)
    end = len(text) if end < 0 else end
    section = text[begin:end]
    starts = [m.start() for m in ENTRY.finditer(section)]
    entries = [section[a:b].rstrip("\n") for a, b in zip(starts, [*starts[1:], len(section)], strict=True)]
    builtins = [
        (match["name"], entry) for entry in entries
        if (match := ENTRY.match(entry)) is not None and match["name"] != PROBE_AGENT
    ]
    return text[:begin], builtins, text[end:]


def template_from_capture(capture: Capture) -> Template:
    """The capture with the probe's words, the roster entries and the scratch paths replaced by markers."""
    body = {k: v for k, v in capture.body.items() if k not in DROPPED_FIELDS}
    body["system"] = [
        b for b in body.get("system", []) if not str(b.get("text", "")).startswith(BILLING_HEADER_PREFIX)
    ]
    builtins: list[tuple[str, str]] | None = None
    for message in body["messages"]:
        for block in message["content"] if isinstance(message["content"], list) else ():
            text = block.get("text")
            if text == PROBE_WORDS:
                block["text"] = WORDS
            elif isinstance(text, str) and (split := _split_roster(text)) is not None:
                before, builtins, after = split
                block["text"] = f"{before}{ROSTER}{after}"
    if builtins is None or WORDS not in json.dumps(body, ensure_ascii=False):
        raise TemplateError(f"Claude Code {capture.cli_version}: the captured request has no roster or words")
    masked = json.loads(_mask(json.dumps(body, ensure_ascii=False), capture))
    return Template(capture.cli_version, capture.model, masked, tuple(builtins))


def roster_section(template: Template, roster: RosterLike) -> str:
    """The CLI's own types and the roster's agents, one entry each, sorted by name as the CLI sorts them."""
    custom = {agent.name: roster_entry(agent) for agent in roster_agents(roster)}
    entries = {name: text for name, text in template.builtin_entries if name not in custom} | custom
    return "\n".join(entries[name] for name in sorted(entries, key=str.lower))


def build_body(template: Template, scenario: Scenario, roster: RosterLike, project: Path, home: Path) -> Json:
    """The full request body the CLI would send for `scenario` with `roster` (beta fields included). Earlier
    turns follow the layout the CLI gives a resumed conversation: the first user turn takes the words'
    place, the others follow the environment message, and the prompt-cache breakpoint moves to the end."""
    try:
        earlier, message = conversation_turns(scenario_messages(scenario))
    except UnsupportedScenario as err:
        raise UnsupportedScenario(f"scenario {scenario.id}: {err}") from err
    text = json.dumps(template.body, ensure_ascii=False)
    values = {WORDS: earlier[0][0] if earlier else message, ROSTER: roster_section(template, roster),
              **_paths(project, home)}
    for marker, value in values.items():
        text = text.replace(marker, json.dumps(value, ensure_ascii=False)[1:-1])
    body: Json = json.loads(text)
    if earlier:
        _continue_conversation(body["messages"], earlier, message)
    return body


def _continue_conversation(messages: list[Json], earlier: list[tuple[str, str]], message: str) -> None:
    last = messages[-1]
    blocks = last["content"] if isinstance(last["content"], list) else []
    cache = blocks[-1].pop("cache_control", None) if blocks else None
    if len(blocks) == 1 and blocks[0].get("type") == "text" and len(blocks[0]) == 2:
        last["content"] = blocks[0]["text"]  # a lone plain text block goes as a string, as the CLI sends it
    users = [user for user, _ in earlier[1:]]
    for answer, user in zip([a for _, a in earlier], [*users, None], strict=True):
        messages.append({"role": "assistant", "content": [{"type": "text", "text": answer}]})
        if user is not None:
            messages.append({"role": "user", "content": user})
    final: Json = {"type": "text", "text": message}
    if cache is not None:
        final["cache_control"] = cache
    messages.append({"role": "user", "content": [final]})


def template_path(home: Path, cli_version: str, model: str) -> Path:
    return home / "claude-code" / cli_version / f"{model}.json"


def save_template(home: Path, template: Template) -> Path:
    path = template_path(home, template.cli_version, template.model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template.to_json(), ensure_ascii=False), encoding="utf-8")
    return path


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def load_template(home: Path, model: str, cli_version: str | None = None) -> Template:
    """The template for `model` from `cli_version`, or from the newest version captured."""
    root = home / "claude-code"
    versions = [cli_version] if cli_version else sorted(
        (p.name for p in root.glob("*") if p.is_dir()), key=_version_key, reverse=True
    )
    for version in versions:
        path = template_path(home, version, model)
        if path.is_file():
            try:
                return Template.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, KeyError) as err:
                raise TemplateError(
                    f"{path}: not a capture template ({err}); run `agent-eval capture` again"
                ) from err
    raise TemplateError(
        f"no Claude Code request captured for model {model!r} in {root}: "
        f"run `agent-eval capture --model {model}`"
    )


def template_summary(template: Template) -> dict[str, Any]:
    """What `capture` may show: shape and sizes, never the captured text."""
    body = template.body
    return {
        "cli_version": template.cli_version, "model": template.model,
        "system_blocks": len(body.get("system", [])),
        "tools": [t.get("name") for t in body.get("tools", [])],
        "messages": [m.get("role") for m in body.get("messages", [])],
        "beta_fields": sorted(template.extra_fields),
        "builtin_agents": [name for name, _ in template.builtin_entries],
        "chars": len(json.dumps(body, ensure_ascii=False)),
    }


class CapturedRequests:
    """Builds a run's requests from a template, for the user's project at `project` and home `home`.

    The system blocks, the tools and the roster message are the same for every scenario (~80 KB): built
    from one shared copy, every request's texts are the same string objects, so a run of thousands of
    scenarios does not hold thousands of copies.
    """

    def __init__(self, template: Template, roster: RosterLike, project: Path, home: Path) -> None:
        self.template = template
        self.roster = roster
        self.project = project
        self.home = home
        self._shared: dict[str, Any] = {}

    def _share(self, value: Any) -> Any:
        return self._shared.setdefault(json.dumps(value, sort_keys=True, ensure_ascii=False), value)

    def request(self, scenario: Scenario, model: str) -> ModelRequest:
        body = build_body(self.template, scenario, self.roster, self.project, self.home)
        fields = {
            "system": tuple(self._share(b) for b in body.get("system", [])),
            "tools": tuple(self._share(t) for t in body.get("tools", [])),
            "messages": tuple(self._share(m) for m in body["messages"]),
            **{k: v for k, v in body.items() if k in ("max_tokens", "tool_choice", "temperature")},
        }
        return ModelRequest(**fields, model=model, purpose="routing")


class CapturedProvider:
    """Sends a captured-layout request with the template's beta fields, through the run's Anthropic client."""

    offline = False

    def __init__(self, upstream: Provider, template: Template, forward: Upstream | None = None) -> None:
        self.upstream = upstream
        self.template = template
        self._forward = forward or anthropic_upstream(upstream)

    @property
    def name(self) -> str:
        return f"{HARNESS}:{self.template.cli_version}:{self.upstream.name}"

    def cost_bound(self, request: ModelRequest) -> float:
        return pricing.cost_bound(request)

    async def complete(self, request: ModelRequest) -> ModelResponse:
        body = {**request.api_params(), **self.template.extra_fields}
        started = time.perf_counter()
        message = await self._forward(body, {})
        return to_model_response(message, latency_s=time.perf_counter() - started)

    async def aclose(self) -> None:
        await self.upstream.aclose()
