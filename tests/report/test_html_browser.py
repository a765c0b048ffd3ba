"""The HTML report as a director sees it: laid out by headless Chromium, checked by geometry.

Each test reads the DOM and the boxes Chromium computed (getBoundingClientRect, scrollWidth), so a
label cut off at the chart's edge or a legend clipped to an ellipsis fails here, not by eye.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slabridge.report.compute import Report, build_report
from slabridge.report.html import render_html
from slabridge.report.models import format_seconds, validate_credits, validate_goals
from slabridge.report.outcomes import Outcome, OutcomeStatus, TicketFacts
from slabridge.report.periods import parse_period

OCTOBER = parse_period("2026-10")
# Mid-October: the report is in progress, weeks W43 and W44 have not begun.
AS_OF = datetime(2026, 10, 14, 12, 0, tzinfo=UTC)
LONG_GOAL = "enterprise tickets resolved within one business day"
# Debian's package (what .ci/run installs); another Chromium on PATH does as well.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"

# Like the demo: the same company in two helpdesks (two ids), long legal names, long numeric ids.
CUSTOMERS: tuple[tuple[str, str, str, str], ...] = (
    ("zendesk", "12", "Acme GmbH", "enterprise"),
    ("freshdesk", "7000000000041", "Acme GmbH", "enterprise"),
    ("zendesk", "2", "Globex Corporation", "enterprise"),
    ("jira", "7000000000877", "Globex Corporation", "enterprise"),
    ("zendesk", "9", "Umbrella Pty Ltd", "enterprise"),
    ("freshdesk", "7000000000133", "Umbrella Pty Ltd", "enterprise"),
    ("zendesk", "4", "Stark Industries", "pro"),
    ("jira", "7000000000001", "Stark Industries", "pro"),
    ("zendesk", "1", "Kangaroo Freight International Logistics Pty Ltd", "pro"),
    ("freshdesk", "7000000000345", "Kangaroo Freight", "pro"),
    ("zendesk", "11", "Wayne Enterprises", "pro"),
    ("zendesk", "7", "Initech", "pro"),
    ("jira", "7000000000177", "Initech", "pro"),
    ("freshdesk", "7000000000269", "Tyrell GmbH", "pro"),
    ("zendesk", "5", "Soylent SARL", "enterprise"),
    ("jira", "31", "Wonka Ltd", "pro"),
    ("freshdesk", "32", "Massive Dynamic Worldwide Holdings", "enterprise"),
    ("jira", "33", "Hooli", "pro"),
)
# Free-tier tickets on office hours: agents answer at night, before the office opens, so the
# business time to first response is 0s while the customer waited hours on the clock.
NIGHT_OWLS = ("zendesk", "40", "Koala Kloud", "free")


def demo_like_outcomes() -> list[Outcome]:
    records: list[Outcome] = []
    number = 0
    for index, (connector, customer_id, name, tier) in enumerate(CUSTOMERS):
        for ticket in range(8):
            number += 1
            facts = TicketFacts(
                connector=connector,
                ticket_id=str(number),
                customer_id=customer_id,
                customer_name=name,
                tier=tier,
                product=("payments", "api", "web")[ticket % 3],
            )
            start = OCTOBER.start + timedelta(hours=5 + 37 * ticket + index)
            # Customer `index` breaches `index % 5` of 8 first responses: credits from 0% to 25%.
            breached = ticket < index % 5
            first = 7200 if breached else 1200
            records.append(
                Outcome(
                    facts,
                    "first_response",
                    "breached" if breached else "achieved",
                    start,
                    start + timedelta(seconds=first),
                    start + timedelta(seconds=3600),
                    first,
                    3600,
                )
            )
            resolution = 20000 + 9000 * ((ticket + index) % 9)
            records.append(
                Outcome(
                    facts,
                    "resolution",
                    "achieved" if resolution <= 86400 else "breached",
                    start,
                    start + timedelta(seconds=resolution),
                    start + timedelta(seconds=86400),
                    resolution,
                    86400,
                )
            )
    connector, customer_id, name, tier = NIGHT_OWLS
    for ticket in range(6):
        number += 1
        facts = TicketFacts(connector, str(number), None, customer_id, name, tier, "night")
        start = OCTOBER.start + timedelta(days=2 * ticket, hours=22)  # 22:00, office closed
        wall = 5 * 3600 + 600 * ticket  # answered between 03:00 and 04:00 the next night
        records.append(
            Outcome(
                facts,
                "first_response",
                "achieved",
                start,
                start + timedelta(seconds=wall),
                start + timedelta(hours=19),
                0,
                8 * 3600,
            )
        )
    return [r for r in records if r.started_at < AS_OF]


def demo_like_report() -> Report:
    goals, problems = validate_goals(
        [
            {"metric": "first_response", "share": "90%"},
            {
                "name": LONG_GOAL,
                "metric": "resolution",
                "share": "80%",
                "within": "1d",
                "scope": {"tier": "enterprise"},
            },
        ]
    )
    assert not problems
    credits, problems = validate_credits(
        {
            "tiers": {
                "enterprise": {
                    "schedule": [
                        {"below": "99%", "credit": "5%"},
                        {"below": "95%", "credit": "10%"},
                        {"below": "90%", "credit": "25%"},
                    ],
                    "cap": "20%",
                },
                "pro": {
                    "schedule": [
                        {"below": "95%", "credit": "5%"},
                        {"below": "85%", "credit": "10%"},
                    ]
                },
            }
        }
    )
    assert not problems
    return build_report(
        demo_like_outcomes(),
        OCTOBER,
        by=("tier", "product"),
        goals=goals,
        credits=credits,
        source="state store evaluation history",
        as_of=AS_OF,
    )


# -- the browser -------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    # CI installs Chromium (.ci/run) and the dev extras: a missing browser there is a failure.
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"the HTML report must be checked in a browser on CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download: `executable_path`)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@dataclass(slots=True)
class Page:
    """A rendered report: the Playwright page, its HTML file and a full-page screenshot."""

    page: Any
    html: Path
    screenshot: Path

    def boxes(self, selector: str) -> list[dict[str, Any]]:
        """Text and viewport box of every element matching `selector`."""
        return list(
            self.page.eval_on_selector_all(
                selector,
                """els => els.map(e => {
                    const r = e.getBoundingClientRect();
                    return {text: e.textContent, left: r.left, right: r.right,
                            top: r.top, bottom: r.bottom, width: r.width};
                })""",
            )
        )

    def box(self, selector: str) -> dict[str, Any]:
        found = self.boxes(selector)
        assert len(found) == 1, f"{selector}: {len(found)} elements"
        return found[0]


def open_report(browser: Any, html_text: str, folder: Path) -> Page:
    """Open a report at 1200x900, as a director would on a laptop, and screenshot all of it."""
    html = folder / "report.html"
    html.write_text(html_text, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(html.resolve().as_uri())
    shot = folder / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    return Page(page, html, shot)


@pytest.fixture(scope="module")
def director(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The demo-like report, built from outcome records made here."""
    opened = open_report(browser, render_html(demo_like_report()), tmp_path_factory.mktemp("like"))
    yield opened
    opened.page.close()


@pytest.fixture(scope="module")
def demo(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The report `slabridge demo` writes (fake helpdesks, a sync, then `report --format html`)."""
    from slabridge.demo.run import run_demo

    folder = tmp_path_factory.mktemp("demo")
    saved = dict(os.environ)  # the demo puts the fake helpdesks' tokens in the environment
    try:
        result = run_demo(folder, now=DEMO_NOW, say=lambda _: None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    opened = open_report(browser, result.report_path.read_text(encoding="utf-8"), folder)
    yield opened
    opened.page.close()


# A Monday morning a week into December: the demo's month is in progress.
DEMO_NOW = datetime(2026, 12, 7, 9, 20, tzinfo=UTC)
BOTH = pytest.mark.parametrize("report", ["director", "demo"])


CHART_IDS = (
    "chart-weekly",
    "chart-first-response",
    "chart-breaches-product",
    "chart-breaches-tier",
    "chart-credits",
)


@BOTH
def test_the_screenshot_is_written_and_the_page_fits_the_window(
    report: str, request: pytest.FixtureRequest
) -> None:
    opened: Page = request.getfixturevalue(report)
    assert opened.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width = opened.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1200, f"the page scrolls sideways: {width}px wide"


@BOTH
def test_every_chart_label_lies_inside_its_chart(
    report: str, request: pytest.FixtureRequest
) -> None:
    opened: Page = request.getfixturevalue(report)
    for chart in CHART_IDS:
        svg = opened.box(f"#{chart} svg")
        assert svg["left"] >= 0
        for label in opened.boxes(f"#{chart} svg text"):
            assert label["left"] >= svg["left"] - 0.5, f"{chart}: {label['text']!r} cut off left"
            assert label["right"] <= svg["right"] + 0.5, f"{chart}: {label['text']!r} cut off right"


@BOTH
def test_no_table_scrolls_sideways_at_the_window_width(
    report: str, request: pytest.FixtureRequest
) -> None:
    opened: Page = request.getfixturevalue(report)
    tables = opened.page.eval_on_selector_all(
        "div.scroll",
        "els => els.map(e => [e.querySelector('table').id, e.scrollWidth, e.clientWidth])",
    )
    expected = {"table-goals", "table-budgets", "table-groups", "table-credits"}
    if report == "demo":  # `slabridge report` adds the review tables (time in status, customers)
        expected |= {"table-status", "table-customer-side"}
    assert {name for name, _, _ in tables} == expected
    for name, scroll, client in tables:
        assert scroll <= client, f"{name} is {scroll}px wide in a {client}px box"


@BOTH
def test_legend_names_are_not_clipped(report: str, request: pytest.FixtureRequest) -> None:
    opened: Page = request.getfixturevalue(report)
    names = opened.page.eval_on_selector_all(
        "#chart-weekly .legend .name",
        "els => els.map(e => ({text: e.innerText, scroll: e.scrollWidth, client: e.clientWidth}))",
    )
    assert names
    for name in names:
        assert name["scroll"] <= name["client"], f"{name['text']!r} is clipped"
    figure = opened.box("#chart-weekly")
    for item in opened.boxes("#chart-weekly .legend li"):
        assert figure["left"] <= item["left"] and item["right"] <= figure["right"]


def test_credit_chart_labels_are_not_cut_off_on_the_left(director: Page) -> None:
    svg = director.box("#chart-credits svg")
    labels = director.boxes("#chart-credits svg text.label")
    assert len(labels) == 15
    for label in labels:
        assert label["left"] >= max(svg["left"], 0), f"{label['text']!r} starts off the chart"
    # A name too long for the label column loses its end, never its start, and keeps its full
    # text as a tooltip: "Massive Dynamic Worldwide Holdings" still reads "Massive Dynamic".
    shown = director.page.eval_on_selector_all(
        "#chart-credits svg text.label",
        "els => els.map(e => [e.querySelector('title').textContent, e.lastChild.textContent])",
    )
    clipped = [(full, text) for full, text in shown if full != text]
    assert clipped, "no label in the demo-like chart is long enough to need shortening"
    for full, text in clipped:
        assert text.endswith("…") and full.startswith(text[:-1]), (full, text)
    assert "Massive Dynamic Worldwide Holdings" in dict(clipped)


def test_the_credit_chart_says_how_many_customers_it_shows(director: Page) -> None:
    report = demo_like_report()
    assert len(report.credits) == 18
    note = director.page.locator("#chart-credits").get_by_text(
        "15 of 18 customers shown (largest credits)"
    )
    assert note.count() == 1 and note.is_visible()
    figure, box = director.box("#chart-credits"), note.bounding_box()
    assert figure["top"] <= box["y"] and box["y"] + box["height"] <= figure["bottom"]


def test_the_weekly_chart_stops_at_the_week_in_progress(director: Page) -> None:
    weeks = director.boxes("#chart-weekly svg text.x-label")
    # As of 14 October: W43 and W44 have not begun, so they are neither labelled nor plotted.
    assert [week["text"] for week in weeks] == ["W40", "W41", "W42"]
    points = director.boxes("#chart-weekly svg circle")
    assert points
    assert max(p["right"] for p in points) <= weeks[-1]["right"] + 1
    centre = (weeks[-1]["left"] + weeks[-1]["right"]) / 2
    assert any(abs((p["left"] + p["right"]) / 2 - centre) < 1 for p in points)


def test_long_goal_names_are_shown_in_full_in_the_legend(director: Page) -> None:
    names = director.page.eval_on_selector_all(
        "#chart-weekly .legend .name",
        "els => els.map(e => ({text: e.innerText, scroll: e.scrollWidth, client: e.clientWidth}))",
    )
    assert [n["text"] for n in names] == ["first_response 90%", LONG_GOAL, "all metrics (SLA)"]
    for name in names:
        assert name["scroll"] <= name["client"], f"{name['text']!r} is clipped"
    figure = director.box("#chart-weekly")
    for item in director.boxes("#chart-weekly .legend .name"):
        assert figure["left"] <= item["left"] and item["right"] <= figure["right"]


def test_group_rows_show_business_and_calendar_time(director: Page) -> None:
    headers = director.page.eval_on_selector_all(
        "#table-groups thead th", "els => els.map(e => e.innerText.replace(/\\s+/g, ' '))"
    )
    assert "First response median business / calendar" in headers
    row = director.page.locator("#table-groups tbody tr", has_text="tier=free, product=night")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    # Six replies at 5h00m-5h50m on the clock, all before the office opened: 0s of business time.
    median_cell = cells[6]
    assert median_cell.split("\n") == ["0s", format_seconds(5 * 3600 + 1500)]
    assert row.locator("td .calendar").first.is_visible()


def test_the_demo_report_names_its_goals_in_full_and_explains_its_0s_rows(demo: Page) -> None:
    names = demo.page.eval_on_selector_all(
        "#chart-weekly .legend .name", "els => els.map(e => e.innerText)"
    )
    assert names == ["first_response 90%", "enterprise resolved in a day", "all metrics (SLA)"]
    assert demo.page.locator("#in-progress").is_visible()
    # Free-tier tickets are on Berlin office hours; agents often answer before the office opens.
    medians = demo.page.eval_on_selector_all(
        "#table-groups tbody tr",
        """rows => rows.map(r => [r.cells[0].innerText,
                                  r.cells[6].querySelector('.business')?.innerText,
                                  r.cells[6].querySelector('.calendar')?.innerText])""",
    )
    zero = [(group, calendar) for group, business, calendar in medians if business == "0s"]
    assert zero, "the demo has no group whose median first response is 0s of business time"
    for group, calendar in zero:
        assert calendar and calendar != "0s", f"{group}: no calendar time beside 0s"


# -- error budgets and credits at risk, as a person reads them -----------------------------------

NOVEMBER = parse_period("2026-11")
BUDGET_AS_OF = datetime(2026, 11, 11, tzinfo=UTC)  # 10 of 30 days done


def budget_outcomes() -> list[Outcome]:
    """First responses (1h target, 24x7) of two enterprise customers, and October's history."""
    acme = TicketFacts(
        "zendesk", "", customer_id="361", customer_name="Acme GmbH", tier="enterprise"
    )
    globex = TicketFacts("zendesk", "", customer_id="2", customer_name="Globex", tier="enterprise")
    records: list[Outcome] = []

    def add(
        who: TicketFacts, start: datetime, status: OutcomeStatus, elapsed: int, stop: bool
    ) -> None:
        facts = replace(who, ticket_id=str(len(records)))
        stopped = start + timedelta(seconds=elapsed) if stop else None
        due = start + timedelta(hours=1)
        records.append(Outcome(facts, "first_response", status, start, stopped, due, elapsed, 3600))

    for hour in range(20):  # October 20: after the cut (Oct 1 + 1/3 × 31 days = Oct 11 08:00)
        add(acme, datetime(2026, 10, 20, hour, tzinfo=UTC), "achieved", 600, True)
    for hour in range(14):  # Acme, November 2: met
        add(acme, datetime(2026, 11, 2, 9 + hour, tzinfo=UTC), "achieved", 1800, True)
    add(acme, datetime(2026, 11, 10, 23, tzinfo=UTC), "achieved", 1800, True)  # met at 23:30
    add(globex, datetime(2026, 11, 3, 8, tzinfo=UTC), "breached", 7200, True)  # missed Nov 3
    add(globex, datetime(2026, 11, 10, 22, tzinfo=UTC), "breached", 7200, False)  # missed 23:00
    return records


@pytest.fixture(scope="module")
def budgets(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    goals, problems = validate_goals([{"metric": "first_response", "share": "90%"}])
    credits, more = validate_credits(
        {
            "tiers": {
                "enterprise": {
                    "schedule": [
                        {"below": "99%", "credit": "5%"},
                        {"below": "90%", "credit": "25%"},
                    ],
                    "cap": "20%",
                }
            }
        }
    )
    assert not problems and not more
    report = build_report(
        budget_outcomes(), NOVEMBER, goals=goals, credits=credits, as_of=BUDGET_AS_OF
    )
    opened = open_report(browser, render_html(report), tmp_path_factory.mktemp("budgets"))
    yield opened
    opened.page.close()


def test_the_budget_table_shows_the_hand_computed_budget(budgets: Page) -> None:
    cells = budgets.page.locator("#table-budgets tbody tr").first.locator("td").all_inner_texts()
    goal, period, missed, so_far, projected, allowed, left, spent, fast, slow = cells
    assert (goal, period) == ("first_response 90%", "2026-11 (in progress)")
    # 15 met (14 + 1) and 2 missed: 17 decided; floor(10% × 17) = 1 allowed so far.
    assert (missed, so_far) == ("2 / 17", "1")
    # 17 so far + 20 October cycles after the cut = 37; floor(3.7) = 3 allowed; 3 - 2 = 1 left.
    assert projected.split("\n") == ["37", "so far + last period"]
    assert (allowed, left, spent) == ("3", "1", "66.66%")
    # Last day and last 2 h: the 23:30 reply met, the 23:00 due time missed: 1 of 2 = 50%,
    # ÷ 10% allowed = 5x on both windows of both pairs: at or over 3x and 1x, both alert.
    assert fast.split("\n") == ["5x / 5x", "1d / 2h, alert at 3x", "alerting"]
    assert slow.split("\n") == ["5x / 5x", "3d / 6h, alert at 1x", "alerting"]
    alert = budgets.page.locator("#table-budgets .burn-alert").first
    assert alert.is_visible()
    assert alert.evaluate("e => getComputedStyle(e).color") == "rgb(185, 28, 28)"


def test_the_credit_at_risk_is_a_visible_sentence(budgets: Page) -> None:
    items = budgets.page.locator("#credits-at-risk li")
    # Acme: 15 of 15 met; one miss makes 15/16 = 93.75% < 99%: k = floor(15/0.99 - 15) + 1 = 1.
    # Globex is at 0 of 2, on the last step already: not at risk.
    assert items.all_inner_texts() == [
        "one more enterprise breach takes Acme GmbH (zendesk:361) below 99%: credit 5%"
    ]
    assert items.first.is_visible()


def test_the_budget_table_fits_its_box(budgets: Page) -> None:
    scroll, client = budgets.page.eval_on_selector(
        "#table-budgets", "e => [e.parentElement.scrollWidth, e.parentElement.clientWidth]"
    )
    assert scroll <= client
