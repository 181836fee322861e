"""The report opened in headless Chromium: renders, no console errors, planted XSS inert, rows open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_eval.report.html import write_report
from report_runs import CHROMIUM, CHROMIUM_ARGS, XSS_PAYLOAD, isolated_store, mixed_run

SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page() -> Iterator[tuple[object, list[str]]]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        tab.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        tab.on("pageerror", lambda e: problems.append(str(e)))
        yield tab, problems
        browser.close()


def test_report_renders_and_runs_nothing_from_model_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: tuple[object, list[str]]
) -> None:
    tab, problems = page
    store = isolated_store(tmp_path, monkeypatch)
    mixed_run(store, "run-browser", routing=60, standards=20, xss=True)
    report = write_report(store, "run-browser", tmp_path / "report.html")

    tab.goto(report.as_uri())  # type: ignore[attr-defined]
    summary = tab.locator("#summary")  # type: ignore[attr-defined]
    assert "Routed correctly" in summary.inner_text()
    rows = tab.locator("#scenarios tbody tr.scenario")  # type: ignore[attr-defined]
    assert rows.count() == 50  # first page of 80 results
    assert "Showing 50 of 80" in tab.locator("#shown-count").inner_text()  # type: ignore[attr-defined]
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "browser-report-summary.png"))  # type: ignore[attr-defined]

    rows.first.click()  # route-0000 carries the payload as its routing decision
    detail = tab.locator("#scenarios tr.detail")  # type: ignore[attr-defined]
    assert detail.count() == 1
    text = detail.inner_text()
    assert "Please help with task 0" in text
    assert XSS_PAYLOAD in text  # shown as text, verbatim
    assert detail.locator("img, script, svg").count() == 0
    assert tab.evaluate("window.__xss") is None  # type: ignore[attr-defined]

    tab.locator("#filter").fill("std-0000")  # type: ignore[attr-defined]
    assert rows.count() == 1
    rows.first.click()
    standards_detail = detail.inner_text()
    assert "Earlier question" in standards_detail and "Earlier answer" in standards_detail  # context turns
    assert "line 1:" in standards_detail and "rationale 0" in standards_detail  # evidence and judge
    assert XSS_PAYLOAD in standards_detail
    assert tab.evaluate("window.__xss") is None  # type: ignore[attr-defined]

    rows.first.evaluate("row => row.scrollIntoView({block: 'start'})")
    tab.screenshot(path=str(SCREENSHOTS / "browser-report-transcript.png"))  # type: ignore[attr-defined]
    assert problems == []


def test_sorting_and_misroute_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: tuple[object, list[str]]
) -> None:
    tab, problems = page
    store = isolated_store(tmp_path, monkeypatch)
    mixed_run(store, "run-sort", routing=30, standards=5)
    report = write_report(store, "run-sort", tmp_path / "report.html")
    tab.goto(report.as_uri())  # type: ignore[attr-defined]

    header = tab.locator('th[data-sort="id"]')  # type: ignore[attr-defined]
    header.click()
    header.click()
    first = tab.locator("#scenarios tbody tr.scenario").first  # type: ignore[attr-defined]
    assert first.get_attribute("data-id") == "std-0004"
    assert header.get_attribute("aria-sort") == "descending"

    link = tab.locator("#routing button[data-scenario]").first  # type: ignore[attr-defined]
    target = link.get_attribute("data-scenario")
    link.click()
    opened = tab.locator("#scenarios tr.detail")  # type: ignore[attr-defined]
    assert opened.count() == 1
    assert "Expected" in opened.inner_text()
    assert tab.locator("#scenarios tr.scenario").first.get_attribute("data-id") == target  # type: ignore[attr-defined]
    assert problems == []
