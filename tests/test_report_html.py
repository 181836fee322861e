"""The HTML report: summary figures with n and intervals, offline banner, escaping, CSP, CLI."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.report.html import write_report
from report_runs import (
    XSS_PAYLOAD,
    isolated_store,
    mixed_run,
    routing_run,
    run_info,
    save_run,
    standards_record,
)


def test_report_states_headline_figures_with_n_and_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "run", [True] * 87 + [False] * 13)
    page = write_report(store, "run", tmp_path / "r.html").read_text()
    assert "Routed correctly <strong>87% (n=100, 95% CI 79–92%)</strong>" in page
    assert "OFFLINE RUN" not in page
    assert "Misrouted scenarios (13)" in page
    assert "p50 1.40 s" in page  # latencies 1.1–1.7 s, one call per result


def test_offline_and_unfinished_runs_are_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "run", [True, False], offline=True, status="interrupted")
    page = write_report(store, "run", tmp_path / "r.html").read_text()
    assert "OFFLINE RUN" in page
    assert "This run is interrupted" in page


def test_standards_section_has_checks_judge_and_disagreements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    records = [
        standards_record("run", 0, {"zod-validation": "pass", "rls-enabled": "n/a"}, judge_scores=(2, 2)),
        standards_record("run", 1, {"zod-validation": "fail", "rls-enabled": "pass"}, judge_scores=(5, 4)),
        standards_record("run", 2, {"zod-validation": "pass", "rls-enabled": "pass"}, judge_scores=(4, 4)),
    ]
    save_run(store, run_info("run"), records)
    page = write_report(store, "run", tmp_path / "r.html").read_text()
    assert "every check the scenario requires applied and passed) <strong>67% (n=3" in page
    no_failure = "No applicable check failed (a required check left n/a not counted against it)"
    assert f"{no_failure} <strong>67% (n=3" in page
    assert "zod-validation: 67% (n=3, 95% CI" in page  # the bar's tooltip
    assert "Judge and rules disagree (2 of 3 judged)" in page
    assert 'data-scenario="std-0000"' in page and 'data-scenario="std-0001"' in page
    assert 'data-scenario="std-0002"' not in page


def test_model_output_cannot_break_out_of_the_data_island(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    mixed_run(store, "run", routing=5, standards=5, xss=True)
    page = write_report(store, "run", tmp_path / "r.html").read_text()
    assert "<script>window.__xss" not in page
    assert "<img src=x" not in page
    assert page.count("</script>") == 2  # the data island and the app script, nothing from the payload
    island = re.search(r'<script type="application/gzip" id="scenario-data">(.*?)</script>', page, re.S)
    assert island is not None
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", island.group(1))
    rows = json.loads(gzip.decompress(base64.b64decode(island.group(1))))
    assert rows[0]["output"] == XSS_PAYLOAD
    assert rows[0]["id"] == "route-0000" and rows[0]["status"] == "fail"


def test_misroute_tables_stay_short_on_large_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "run", [False] * 60 + [True] * 40)
    page = write_report(store, "run", tmp_path / "r.html").read_text()
    assert "Misrouted scenarios (60)" in page
    assert page.count("data-scenario=") == 50
    assert "The first 50 of 60" in page


def test_only_the_report_script_may_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "run", [True])
    page = write_report(store, "run", tmp_path / "r.html").read_text()
    policy = re.search(r"script-src '(sha256-[^']+)'", html.unescape(page))
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert policy is not None and script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert policy.group(1) == f"sha256-{digest}"
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_report_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = isolated_store(tmp_path, monkeypatch)
    routing_run(store, "run", [True, False])
    assert main(["report", "run"]) == 0
    assert (tmp_path / "reports" / "run.html").is_file()
    assert main(["report", "run", "-o", "elsewhere/x.html"]) == 0
    assert (tmp_path / "elsewhere" / "x.html").is_file()
    capsys.readouterr()
    assert main(["report", "nope"]) == 2
    assert "unknown run 'nope'" in capsys.readouterr().err
