"""An agentic task in the report, opened in headless Chromium: its diff coloured line by line, its tool calls
with their refusals, both RLS verdicts when they disagree, time and cost; model output stays inert text."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.report.html import write_report
from agent_eval.run.summary import summarize_run
from report_runs import (
    CHROMIUM,
    CHROMIUM_ARGS,
    XSS_PAYLOAD,
    agentic_record,
    isolated_store,
    run_info,
    save_run,
)


def stored_agentic_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, object]:
    store = isolated_store(tmp_path, monkeypatch)
    info = run_info("run-agentic").model_copy(update={"suites": ("agentic",)})
    records = [agentic_record("run-agentic", 1), agentic_record("run-agentic", 2, parsed_rls="pass")]
    save_run(store, info, records)
    return write_report(store, "run-agentic", tmp_path / "report.html"), store


def test_the_summary_counts_executed_graders_apart_from_the_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, store = stored_agentic_run(tmp_path, monkeypatch)
    summary, _ = summarize_run(store, "run-agentic")  # type: ignore[arg-type]
    assert summary.agentic is not None and summary.standards is None
    assert [(c.check, c.passed, c.failed) for c in summary.agentic.checks] == [("rls-enabled", 1, 1)]
    assert [(c.check, c.passed, c.failed) for c in summary.agentic.executed] == [("rls-probe", 2, 0)]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed")
def test_an_agentic_row_shows_diff_tool_calls_and_both_rls_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    report, _ = stored_agentic_run(tmp_path, monkeypatch)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.goto(report.as_uri())
        assert "Agentic tasks" in tab.locator("#agentic").inner_text()
        tab.locator("#scenarios tbody tr.scenario").first.click()
        detail = tab.locator("#scenarios tr.detail")
        text = detail.inner_text()
        assert "curl" in text and "network commands are refused" in text  # the refused call, with why
        assert "rls-enabled" in text and "rls-probe" in text and "disagree" in text
        assert "set-up 0.5 s, agent 2.0 s" in text and "$0.0500" in text
        assert detail.locator(".diff-add").count() == 2 and detail.locator(".diff-file").count() == 2
        assert XSS_PAYLOAD in text and detail.locator("img, script, svg").count() == 0
        assert tab.evaluate("window.__xss") is None
        tab.locator("#scenarios tbody tr.scenario").nth(1).click()
        assert tab.locator("#scenarios tr.detail").count() == 2
        assert "disagree" not in tab.locator("#scenarios tr.detail").nth(1).inner_text()
        browser.close()
    assert problems == []
