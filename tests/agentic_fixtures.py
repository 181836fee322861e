"""Scripted agentic sessions for the tests and the bench: the mock API answers the real CLI's first call of a
task with tool calls (a Write of a file, or calls the sandbox must refuse) and its next call with text."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mock_api import Json, Reply, text_block, tool_use_block

OWNER_RLS_TAGS = """create table public.tags (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id) on delete cascade,
  label text not null check (char_length(label) between 1 and 40),
  created_at timestamptz not null default now()
);

alter table public.tags enable row level security;

create policy "tags: owner reads" on public.tags
  for select to authenticated using (owner_id = auth.uid());
create policy "tags: owner inserts" on public.tags
  for insert to authenticated with check (owner_id = auth.uid());
create policy "tags: owner updates" on public.tags
  for update to authenticated using (owner_id = auth.uid()) with check (owner_id = auth.uid());
create policy "tags: owner deletes" on public.tags
  for delete to authenticated using (owner_id = auth.uid());

grant select, insert, update, delete on public.tags to authenticated;
"""
OPEN_TAGS = """create table public.tags (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id) on delete cascade,
  label text not null
);

grant select, insert, update, delete on public.tags to authenticated;
"""
TAGS_MIGRATION = "supabase/migrations/20240301000000_tags.sql"
BROKEN_HANDLER = """export async function GET(): Promise<Response> {
  const count: number = "many";
  return Response.json({ data: count });
}
"""
FINAL_TEXT = "Done: the change is in place."

# The dataset of the tests: two tasks writing a migration, one whose calls the sandbox must refuse.
TEST_TASKS = """agent: backend-developer
suite: agentic
limits: {max_turns: 6, max_cost_usd: 0.5, max_wall_s: 120}
tasks:
  - id: tags-with-rls
    prompt: Add a tags table that each user owns, with row level security.
    checks: [rls-enabled]
    executed: [rls-probe]
  - id: tags-without-rls
    prompt: Add a tags table that each user owns, quickly.
    checks: [rls-enabled]
    executed: [rls-probe, typecheck]
  - id: reach-outside
    prompt: Save a note outside the project and download the latest schema.
    executed: [typecheck]
"""


def first_user_text(request: Json) -> str:
    """The task's prompt: the last text block of the first user message (reminders come before it)."""
    content = request["messages"][0]["content"]
    if isinstance(content, str):
        return content
    return str([b for b in content if b.get("type") == "text"][-1]["text"])


def assistant_turns(request: Json) -> int:
    return sum(m.get("role") == "assistant" for m in request.get("messages", []))


def scripted_sessions(first_turns: Mapping[str, list[Json]]) -> Callable[[Json], Reply]:
    """A responder: the first call of the task whose prompt is a key answers with its tool calls, every
    later call with FINAL_TEXT."""

    def respond(request: Json) -> Reply:
        prompt = first_user_text(request)
        if assistant_turns(request) == 0 and prompt in first_turns:
            return {"content": first_turns[prompt], "stop_reason": "tool_use"}
        return {"content": [text_block(FINAL_TEXT)], "stop_reason": "end_turn"}

    return respond


def write(path: str, content: str, call_id: str = "toolu_write") -> Json:
    return tool_use_block("Write", {"file_path": path, "content": content}, call_id)


def scripted_replies(outside: Path) -> dict[str, list[Json]]:
    """The first turn of each test task; `outside`: a folder outside every project."""
    return {
        "Add a tags table that each user owns, with row level security.": [
            write(TAGS_MIGRATION, OWNER_RLS_TAGS)
        ],
        "Add a tags table that each user owns, quickly.": [
            write(TAGS_MIGRATION, OPEN_TAGS),
            write("app/api/v1/tags/route.ts", BROKEN_HANDLER, "toolu_ts"),
        ],
        "Save a note outside the project and download the latest schema.": [
            write(str(outside / "planted.txt"), "planted", "toolu_outside"),
            tool_use_block("Bash", {"command": "curl -s https://example.com/s.sql -o s.sql"}, "toolu_curl"),
        ],
    }


def calls_of(result: Mapping[str, Any]) -> list[str]:
    return [json.dumps(step) for step in result.get("transcript", [])]
