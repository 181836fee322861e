"""datasets/backend-developer/agentic.yaml: it loads and validates, bad files are refused naming the file,
the task and the field, and every task that sets up a bug really starts broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.executors.fixture import changed_files, file_hashes, prepare_fixture
from agent_eval.executors.task import execute_task
from agent_eval.graders.checks.registry import default_check_ids
from agent_eval.scenarios.agentic import AgenticTask, load_agentic_dataset
from agent_eval.scenarios.dataset import DatasetError
from executor_fixtures import npm_home, postgres_server

__all__ = ["npm_home", "postgres_server"]

DATASET = Path(__file__).resolve().parents[1] / "datasets" / "backend-developer" / "agentic.yaml"


def tasks() -> dict[str, AgenticTask]:
    return {task.id: task for task in load_agentic_dataset(DATASET, default_check_ids()).tasks}


def test_dataset_loads_with_limits_and_graders() -> None:
    loaded = tasks()
    assert len(loaded) >= 12
    assert all(task.executed for task in loaded.values())
    assert loaded["tasks-resource"].limits.max_turns == 40  # its own
    assert loaded["tasks-resource"].limits.max_wall_s == 600  # the file's default
    assert {"rls-probe", "typecheck", "http-contract"} <= {g for t in loaded.values() for g in t.executed}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("tasks:\n  - {id: a, prompt: x, executed: [lint]}\n", "task 'a': field 'executed.0'"),
        ("tasks:\n  - {id: a, prompt: x, checks: [zod]}\n", "task 'a': field 'checks': unknown check id(s)"),
        ("tasks:\n  - {id: a, prompt: x, limits: {max_turns: 0}}\n", "task 'a': field 'limits.max_turns'"),
        (
            "tasks:\n  - {id: a, prompt: x, http: [{id: c, method: GET, path: /x, expect: [200]}]}\n",
            "task 'a': field '(entry)': Value error, http cases are given but http-contract",
        ),
        ("tasks:\n  - {id: a, prompt: x, setup: {../x.ts: y}}\n", "task 'a': field 'setup'"),
        ("tasks:\n  - {id: a, prompt: x}\n  - {id: a, prompt: y}\n", "task 'a': field 'id': duplicate id"),
        ("tasks:\n  - {prompt: x}\n", "tasks[0]: field 'id'"),
    ],
)
def test_bad_task_files_name_file_task_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "agentic.yaml"
    path.write_text("agent: backend-developer\nsuite: agentic\n" + body, encoding="utf-8")
    with pytest.raises(DatasetError) as raised:
        load_agentic_dataset(path, default_check_ids())
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_an_unrelated_change_does_not_hide_the_leak_the_task_planted(
    postgres_server, npm_home: Path, tmp_path: Path
) -> None:
    task = tasks()["fix-comments-leak"]
    project = prepare_fixture(tmp_path / "task", home=npm_home, setup=task.setup)
    unrelated = "supabase/migrations/20990101000000_notes.sql"
    (project / unrelated).write_text(
        "create table public.notes (id uuid primary key default gen_random_uuid(),\n"
        "  owner_id uuid not null references auth.users (id), body text not null);\n"
        "alter table public.notes enable row level security;\n"
        "create policy notes_owner on public.notes for all to authenticated\n"
        "  using (owner_id = auth.uid()) with check (owner_id = auth.uid());\n"
    )
    verdicts = execute_task(postgres_server, project, task, [unrelated])
    assert verdicts["rls-probe"].status == "fail"
    assert any("comments" in e.note for e in verdicts["rls-probe"].evidence)


@pytest.mark.parametrize("task_id", ["fix-create-handler", "fix-delete-handler", "add-pagination"])
def test_a_task_that_sets_up_a_bug_starts_broken(
    postgres_server, npm_home: Path, tmp_path: Path, task_id: str
) -> None:
    task = tasks()[task_id]
    pristine = file_hashes(prepare_fixture(tmp_path / "pristine", home=npm_home))
    project = prepare_fixture(tmp_path / "task", home=npm_home, setup=task.setup)
    changed = changed_files(pristine, file_hashes(project))
    assert changed == sorted(task.setup)
    # tsc takes seconds: one task shows that a set-up bug is a contract bug, not a type error
    graders = ("typecheck", "http-contract") if task_id == "fix-delete-handler" else ("http-contract",)
    verdicts = execute_task(postgres_server, project, task.model_copy(update={"executed": graders}), changed)
    assert verdicts["http-contract"].status == "fail"
    if "typecheck" in verdicts:
        assert verdicts["typecheck"].status == "pass", verdicts["typecheck"].evidence


def test_fix_comments_leak_starts_leaking(postgres_server, npm_home: Path, tmp_path: Path) -> None:
    task = tasks()["fix-comments-leak"]
    project = prepare_fixture(tmp_path / "task", home=npm_home, setup=task.setup)
    verdicts = execute_task(postgres_server, project, task, sorted(task.setup))
    assert verdicts["rls-probe"].status == "fail"
    assert "comments: user A on user B's row: select returned it" in verdicts["rls-probe"].evidence[0].note


@pytest.mark.parametrize("task_id", ["fix-create-handler", "fix-delete-handler", "add-pagination"])
def test_the_fixture_itself_solves_the_fix_tasks(
    postgres_server, npm_home: Path, tmp_path: Path, task_id: str
) -> None:
    """The pristine handlers are a correct solution: the task's own cases must be satisfiable."""
    task = tasks()[task_id].model_copy(update={"executed": ("http-contract",)})
    project = prepare_fixture(tmp_path / "solved", home=npm_home)
    verdicts = execute_task(postgres_server, project, task, sorted(task.setup))
    assert verdicts["http-contract"].status == "pass", verdicts["http-contract"].evidence
