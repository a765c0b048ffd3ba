"""The review sections as a person sees them in Chromium (as tests/report/test_html_browser.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from slabridge.cli import cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


def _unavailable(reason: str) -> None:
    # CI installs Chromium and Playwright: a missing browser there is a failure.
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"the HTML report must be checked in a browser on CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def page(review_workdir: Path) -> Iterator[Any]:
    """REVIEW_TICKETS' October report, opened at 1200x900 as on a laptop."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    html = review_workdir / "october.html"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--config",
            str(review_workdir / "slabridge.yaml"),
            "--period",
            "2026-10",
            "--tickets",
            str(review_workdir / "tickets.jsonl"),
            "--output",
            str(html),
        ],
    )
    assert result.exit_code == 0, result.output
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        opened = browser.new_page(viewport={"width": 1200, "height": 900})
        opened.goto(html.resolve().as_uri())
        yield opened
        browser.close()


def test_a_reader_sees_each_customers_sentence_beside_our_compliance(page: Any) -> None:
    lines = page.locator("#customer-lines li")
    assert lines.count() == 2
    first = lines.first
    first.scroll_into_view_if_needed()
    assert first.is_visible()
    assert first.inner_text() == (
        "Cust A (zendesk:A): we met 80.00% of our SLA cycles (4 of 5); your team took a median "
        "2h of business time to answer our questions (3 answered)."
    )
    headers = page.eval_on_selector_all(
        "#table-customer-side thead th", "els => els.map(e => e.innerText)"
    )
    assert headers == [
        "Customer",
        "Our SLA achieved",
        "In pending median",
        "In pending p90",
        "Reply time median",
        "Reply time p90",
        "Answered",
        "Still waiting",
    ]
    cells = page.locator("#table-customer-side tbody tr").first.locator("td").all_inner_texts()
    # 80% of cycles; pending and replies: 30m, 2h, 24h -> median 2h, p90 1d; A3 still waits.
    assert cells == ["Cust A (zendesk:A)", "80.00%", "2h", "1d", "2h", "1d", "3", "1"]


def test_the_time_in_status_table_reads_per_status(page: Any) -> None:
    rows = page.eval_on_selector_all(
        "#table-status tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
    )
    assert rows == [
        ["new", "5", "5", "0", "1h", "1h 15m"],  # 30m, 30m, 1h, 1h, 1h15m
        ["open", "4", "4", "1", "45m", "1h"],  # 15m, 30m, 1h, 1h: median 45m
        ["pending", "4", "4", "1", "2h 30m", "1d"],  # 30m, 2h, 3h, 24h: median 2h30m
        ["solved", "4", "0", "4", "n/a", "n/a"],  # all still solved at the period end
    ]
    assert page.locator("#table-status").is_visible()


def test_the_review_tables_fit_the_window(page: Any) -> None:
    boxes = page.eval_on_selector_all(
        "div.scroll",
        "els => els.map(e => [e.querySelector('table').id, e.scrollWidth, e.clientWidth])",
    )
    review = [box for box in boxes if box[0] in ("table-status", "table-customer-side")]
    assert len(review) == 2
    for name, scroll, client in review:
        assert scroll <= client, f"{name} is {scroll}px wide in a {client}px box"
