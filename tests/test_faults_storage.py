"""The results database under damage and in a read-only home (issue 10, item 6): one line naming the file
and what to do, read-only commands keep working, `| head` is quiet, and migrations are atomic."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.store import migrations
from agent_eval.store.db import DB_FILE, Store, StoreError
from agent_eval.store.model import ResultRecord, RunInfo

CLI = [sys.executable, "-m", "agent_eval.cli.main"]


def stored_run(home: Path, run_id: str = "r1") -> None:
    with Store(home) as store:
        store.create_run(
            RunInfo(
                run_id=run_id, agent="a", model="m", judge_model=None, suites=("routing",), epochs=1,
                git_commit=None, agent_hash="0" * 64, dataset_hash="0" * 64, config={},
                started_at="2026-12-01T00:00:00+00:00", status="finished",
            )
        )
        store.save_result(
            ResultRecord(
                run_id=run_id, scenario_id="s1", suite="routing", epoch=1, input="hi", request_hash="h",
                expected="none", chosen="none", passed=True, output="ok",
            )
        )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
@pytest.mark.parametrize(
    "command", [["runs"], ["report", "r1"], ["export", "r1"], ["run", "--agent", "x", "--model", "local"]]
)
def test_a_damaged_database_is_one_line_naming_the_file(
    home: Path, capsys: pytest.CaptureFixture[str], damage: str, command: list[str]
) -> None:
    stored_run(home)
    database = home / DB_FILE
    if damage == "truncated":
        database.write_bytes(database.read_bytes()[:1500])
    else:
        database.write_text("these are my notes, not a database\n" * 200)
    assert main(command) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(database) in err and "move it aside" in err


def test_read_only_commands_open_the_database_read_only(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored_run(home)
    with Store(home, readonly=True) as store:
        assert [r.run_id for r in store.list_runs()] == ["r1"]
        with pytest.raises(StoreError, match="cannot write"):
            store.save_result(store.results("r1")[0])
    assert main(["runs"]) == 0
    assert "r1" in capsys.readouterr().out


def test_runs_in_an_empty_home_creates_nothing(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs"]) == 0
    assert "no stored runs" in capsys.readouterr().out
    assert not home.exists()


@pytest.fixture
def read_only_home() -> Iterator[tuple[Path, list[str]]]:
    """A home this test's CLI processes cannot write, and the command prefix that makes it so: root ignores
    file modes, so as root the CLI runs in a user namespace (`unshare -U`) where it is nobody."""
    if os.geteuid() == 0 and shutil.which("unshare") is None:
        pytest.skip("running as root without `unshare`: cannot make a folder read-only")
    prefix = ["unshare", "-U"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="agent-eval-ro-"))
    base.chmod(0o755)
    home = base / "home"
    stored_run(home)
    (home / DB_FILE).chmod(0o444)
    home.chmod(0o555)
    probe = subprocess.run([*prefix, "touch", str(home / "probe")], capture_output=True, check=False)
    try:
        if probe.returncode == 0:
            pytest.skip("this sandbox lets the test write a read-only folder")
        yield home, prefix
    finally:
        home.chmod(0o755)
        shutil.rmtree(base)


def test_a_read_only_home_serves_reads_and_refuses_writes_in_one_line(
    read_only_home: tuple[Path, list[str]],
) -> None:
    home, prefix = read_only_home
    env = {**os.environ, "AGENT_EVAL_HOME": str(home)}
    out = home.parent

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, *CLI, *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=out, check=False)

    runs = cli("runs")
    assert (runs.returncode, runs.stderr) == (0, "") and "r1" in runs.stdout
    exported = cli("export", "r1", "--format", "jsonl")
    assert exported.returncode == 0 and '"scenario_id":"s1"' in exported.stdout
    written = cli("run", "--agent", "x", "--model", "local")
    assert written.returncode == 2
    assert "Traceback" not in written.stderr and str(home / DB_FILE) in written.stderr
    assert "AGENT_EVAL_HOME" in written.stderr


def test_runs_piped_into_head_ends_quietly(home: Path) -> None:
    for n in range(400):
        stored_run(home, f"run-{n:03d}-{'x' * 60}")
    env = {**os.environ, "AGENT_EVAL_HOME": str(home)}
    piped = subprocess.run(
        f"{' '.join(CLI)} runs | head -1", shell=True, capture_output=True, text=True, env=env, check=False
    )
    assert piped.stdout.count("\n") == 1
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr


def test_a_failing_migration_leaves_nothing_behind_and_runs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def m999_half_done(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE first_half (x)")
        raise RuntimeError("the second half failed")

    real = list(migrations.MIGRATIONS)
    failing = [*real, ("m999_half_done", m999_half_done)]
    monkeypatch.setattr(migrations, "MIGRATIONS", failing)
    with pytest.raises(RuntimeError, match="second half"):
        Store(tmp_path)
    db = sqlite3.connect(tmp_path / DB_FILE)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    applied = {row[0] for row in db.execute("SELECT name FROM schema_migrations")}
    db.close()
    assert "first_half" not in tables and "runs" in tables  # the real ones kept, m999 entirely rolled back
    assert applied == {name for name, _ in real}
    monkeypatch.setattr(migrations, "MIGRATIONS", real)
    with Store(tmp_path) as store:
        assert store.list_runs() == []
