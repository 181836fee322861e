"""The project's reviewable YAML files: block scalars, stable key order, errors located by file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlFileError(ValueError):
    """A YAML file that cannot be read; the message names the file (and line when known)."""


# libyaml's loader parses the same safe subset about ten times faster; PyYAML may be built without it.
_FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ReviewDumper(yaml.SafeDumper):
    """Keeps insertion order, writes multi-line text as `|` blocks and indents list items under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML silently falls back to a quoted style when a block scalar cannot hold the text exactly
    # (trailing spaces, tabs); `|` is only a request.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class FlowList(list[Any]):
    """A short list written on one line (`[a, b]`): tags and ids read better that way."""


def _represent_flow_list(dumper: yaml.SafeDumper, value: FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_ReviewDumper.add_representer(str, _represent_str)
_ReviewDumper.add_representer(FlowList, _represent_flow_list)


def dump_yaml(data: Any, header: str = "") -> str:
    """`data` as YAML in its own key order, preceded by `header` turned into `#` comment lines."""
    body = yaml.dump(
        data, Dumper=_ReviewDumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False
    )
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comment + body


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; a missing file, bad bytes or a syntax error raise YamlFileError with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise YamlFileError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlFileError(f"{path}: cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_FastSafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise YamlFileError(f"{path}{where}: invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}: invalid YAML: {exc}") from exc


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` unless the file already holds exactly it; True when the file changed."""
    if path.is_file() and path.read_bytes() == text.encode("utf-8"):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return True
