"""The live board as a person sees it, in Debian's Chromium driven by Playwright.

Tickets of two fake helpdesks are synced; the board lists the ones at risk or breached now,
by time left, filters them, and refuses a viewer without the login. The page loads nothing
from anywhere but the server itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakekit import POLICY
from servekit import SECRETS, Served, serve_section, serving

from slabridge.cli import cli
from slabridge.report.models import format_percent
from slabridge.report.periods import month_period
from slabridge.sla.ticket import Customer, Event, Ticket

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
TEAM_FIELD = 9300

# label -> (minutes since it opened, minutes to its first reply or None, tier, team)
ZENDESK = {
    "z-breached-2h": (180, None, "enterprise", "billing"),
    "z-5m-left": (55, None, "pro", "billing"),
    "z-10m-left": (50, None, "pro", "platform"),
    "z-fresh": (10, None, "pro", "platform"),
    "z-answered": (120, 30, "pro", "billing"),
}
FRESHDESK = {
    "f-breached-10m": (70, None, "pro", None),
    "f-12m-left": (48, None, "enterprise", None),
}
ORDER = ["z-breached-2h", "f-breached-10m", "z-5m-left", "z-10m-left", "f-12m-left"]
GOALS = [
    {"name": "first replies within the hour", "metric": "first_response", "share": "90%"},
    {"metric": "resolution", "share": "80%", "period": "week"},
]


def _unavailable(reason: str) -> None:
    # CI installs Chromium (.ci/run) and the dev extras: a missing browser there is a failure.
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"the SLA board must be checked in a browser on CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
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


def tickets_of(kind: str, now: datetime) -> list[Ticket]:
    """The seeded tickets, opened ``now`` minus their minutes (``now``: when the fixture seeds;
    an instant taken at import would be minutes old once a long test run reaches this module)."""
    made = []
    for label, (opened, replied, tier, team) in (
        ZENDESK if kind == "zendesk" else FRESHDESK
    ).items():
        created = now - timedelta(minutes=opened)
        events: tuple[Event, ...] = (Event(created, "status", status="open"),)
        if replied is not None:
            events += (Event(created + timedelta(minutes=replied), "reply", author="agent"),)
        fields = {str(TEAM_FIELD): team} if team else {}
        made.append(
            Ticket(
                id=label,
                created_at=created,
                updated_at=events[-1].at,
                status="open",
                priority="normal",
                customer=Customer(id=f"org-{tier}", name=f"{tier} customer", tier=tier),
                events=events,
                fields=fields,
            )
        )
    return made


@pytest.fixture(scope="module")
def seeded_at() -> datetime:
    """The instant the tickets are seeded from (each opened its minutes before it)."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def board(
    tmp_path_factory: pytest.TempPathFactory, seeded_at: datetime
) -> Iterator[tuple[Served, dict[str, str]]]:
    from slabridge_zendesk.fake import FakeZendesk

    mapping = {
        "product": {"from": "custom_field", "id": FakeZendesk.PRODUCT_FIELD_ID},
        "fields": {"team": {"from": "custom_field", "id": TEAM_FIELD}},
    }
    document = {**POLICY, "goals": GOALS}
    now = seeded_at
    with serving(
        tmp_path_factory.mktemp("board"),
        ("zendesk", "freshdesk"),
        document=document,
        overrides={"zendesk": {"mapping": mapping}},
        seed=lambda kind, _fake: tickets_of(kind, now),
    ) as served:
        labels = {}
        for kind in ("zendesk", "freshdesk"):
            for label, ticket_id in zip(
                ZENDESK if kind == "zendesk" else FRESHDESK, served.ids[kind], strict=True
            ):
                labels[f"{kind}:{ticket_id}"] = label
        yield served, labels


def visible_rows(page: Any, labels: dict[str, str]) -> list[dict[str, str]]:
    cells = page.eval_on_selector_all(
        "#tickets tbody tr",
        "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(c => c.innerText))",
    )
    return [
        {
            "label": labels[f"{row[0]}:{row[1]}"],
            "state": row[2],
            "left": row[4],
            "tier": row[7],
            "team": row[8],
        }
        for row in cells
        if len(row) == 9
    ]


def test_the_board_lists_what_is_at_risk_or_breached_by_time_left(
    browser: Any, board: tuple[Served, dict[str, str]]
) -> None:
    served, labels = board
    page = browser.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(served.url) else outside.append(request.url),
    )
    answer = page.goto(f"{served.url}/?token={SECRETS['BOARD_TOKEN']}")
    assert answer is not None and answer.status == 200
    rows = visible_rows(page, labels)
    assert [row["label"] for row in rows] == ORDER
    assert [row["state"] for row in rows] == [
        "breached",
        "breached",
        "at risk",
        "at risk",
        "at risk",
    ]
    assert rows[0]["left"].startswith("overdue 1h 59m") or rows[0]["left"].startswith("overdue 2h")
    assert rows[2]["left"] in ("4m left", "5m left")
    assert (rows[0]["tier"], rows[0]["team"]) == ("enterprise", "billing")
    assert rows[1]["team"] == "-"  # Freshdesk maps no team here
    assert page.inner_text("#counts") == "5 ticket(s): 2 breached, 3 at risk"

    # Each goal's compliance this period, with its target.
    goals = page.eval_on_selector_all(
        "#goals tbody tr", "rows => rows.map(r => r.innerText.split('\\t'))"
    )
    assert [row[0] for row in goals] == ["first replies within the hour", "resolution 80%"]
    assert goals[0][3] == "90%" and goals[1][3] == "80%"
    # First replies decided: z-answered met; z-breached-2h and f-breached-10m missed.
    assert goals[0][2] == "33.3%" and goals[0][4] == "1 of 3"
    # No resolution is decided yet this week: n/a, not 0%.
    assert goals[1][2] == "n/a" and goals[1][4] == "0 of 0"

    # Sorting: a click on "Time left" puts the most time left first, and back.
    page.click("#sort-time-left")
    assert [row["label"] for row in visible_rows(page, labels)] == ORDER[::-1]
    page.click("#sort-time-left")
    assert [row["label"] for row in visible_rows(page, labels)] == ORDER
    assert outside == [], "the board loads nothing from the network"
    page.close()


def test_the_board_filters_by_team_connector_and_tier(
    browser: Any, board: tuple[Served, dict[str, str]]
) -> None:
    served, labels = board
    page = browser.new_page()
    page.goto(f"{served.url}/?token={SECRETS['BOARD_TOKEN']}")
    page.select_option("select[name=team]", "billing")
    page.click("#filters button")
    assert [row["label"] for row in visible_rows(page, labels)] == ["z-breached-2h", "z-5m-left"]
    page.select_option("select[name=team]", "")
    page.select_option("select[name=connector]", "freshdesk")
    page.click("#filters button")
    assert [row["label"] for row in visible_rows(page, labels)] == ["f-breached-10m", "f-12m-left"]
    page.select_option("select[name=connector]", "")
    page.select_option("select[name=tier]", "enterprise")
    page.click("#filters button")
    assert [row["label"] for row in visible_rows(page, labels)] == ["z-breached-2h", "f-12m-left"]
    # The filter survives a re-sort (the link keeps it, and the login).
    page.click("#sort-time-left")
    assert [row["label"] for row in visible_rows(page, labels)] == ["f-12m-left", "z-breached-2h"]
    page.close()


def test_without_the_token_the_board_answers_401_and_shows_no_ticket(
    browser: Any, board: tuple[Served, dict[str, str]]
) -> None:
    served, _ = board
    page = browser.new_page()
    answer = page.goto(f"{served.url}/")
    assert answer is not None and answer.status == 401
    assert "log in to see the SLA board" in page.inner_text("body")
    assert page.query_selector("#tickets") is None
    wrong = page.goto(f"{served.url}/?token=guess")
    assert wrong is not None and wrong.status == 401
    page.close()


def test_with_basic_auth_the_browser_asks_for_a_login(browser: Any, tmp_path: Path) -> None:
    section = serve_section(board={"username": "lead", "password": "${BOARD_TOKEN}"})
    with serving(tmp_path, ("zendesk",), serve=section, tickets=2) as served:
        plain = served.session.get(f"{served.url}/")
        assert plain.status_code == 401
        assert plain.headers["WWW-Authenticate"] == 'Basic realm="slabridge board"'
        # The browser asks for a login; headless Chromium has none to give, so the page fails.
        from playwright.sync_api import Error

        anonymous = browser.new_page()
        with pytest.raises(Error, match="ERR_INVALID_AUTH_CREDENTIALS"):
            anonymous.goto(f"{served.url}/")
        anonymous.close()
        # Wrong credentials: the 401 page, and no ticket.
        wrong = browser.new_context(http_credentials={"username": "lead", "password": "guess"})
        refused = wrong.new_page()
        answer = refused.goto(f"{served.url}/")
        assert answer is not None and answer.status == 401
        assert refused.query_selector("#tickets") is None
        wrong.close()
        context = browser.new_context(
            http_credentials={"username": "lead", "password": SECRETS["BOARD_TOKEN"]}
        )
        page = context.new_page()
        logged_in = page.goto(f"{served.url}/")
        assert logged_in is not None and logged_in.status == 200
        assert page.inner_text("h1") == "SLA board"
        context.close()


def test_the_board_shows_what_is_at_risk_at_the_moment_it_is_asked(
    board: tuple[Served, dict[str, str]],
) -> None:
    """No sync has run since; forty minutes on, z-fresh (50 min open) is at risk too."""
    served, labels = board
    state = served.server.state
    real_clock = state.clock
    try:
        state.clock = lambda: real_clock() + 40 * 60
        state.forget_board()
        page = served.session.get(f"{served.url}/", params={"token": SECRETS["BOARD_TOKEN"]})
        assert page.status_code == 200
        rows = re.findall(
            r"<tr class=\"[a-z-]+\"><td>(\w+)</td><td><a [^>]*>([^<]+)</a>", page.text
        )
        shown = {labels[f"{connector}:{ticket}"] for connector, ticket in rows}
        assert "z-fresh" in shown and "z-answered" not in shown
    finally:
        state.clock = real_clock
        state.forget_board()


def budget_text(left: int, allowed: int, missed: int) -> str:
    spent = "" if allowed == 0 else f" ({format_percent(Fraction(missed, allowed))} spent)"
    return f"{left} of {allowed} misses left{spent}"


def test_each_goal_shows_its_error_budget_as_the_report_counts_it(
    browser: Any, board: tuple[Served, dict[str, str]], seeded_at: datetime
) -> None:
    """The budget a person reads in the goals table, worked out by hand for the monthly goal.

    "first replies within the hour" (90%, this month) counts the 7 first-response cycles of the
    seeded tickets (all opened in the last 3 hours, so this month): 1 met (z-answered), 2 missed
    (z-breached-2h, f-breached-10m), 4 still open. No cycle last month, so the month so far is
    scaled up: with f = seconds of the month behind now ÷ the month's seconds, projected =
    ⌊7 ÷ f⌋, misses allowed = ⌊0.1 × projected⌋, left = allowed − 2, spent = 2 ÷ allowed
    (on 7 December 15:30 UTC: f = 6d 15.5h ÷ 31d = 0.2137, projected 32, allowed 3, 1 left,
    66.66% spent). The weekly resolution goal must match `slabridge report` for the same instant.
    """
    served, _ = board
    state = served.server.state
    real_clock = state.clock
    # One instant for the board and the report: the seeding instant, so that the counts above
    # hold however long the module's earlier tests took (z-5m-left is still open then).
    frozen = int(seeded_at.timestamp())
    now = datetime.fromtimestamp(frozen, UTC)
    month = month_period(now.year, now.month)
    elapsed = Fraction(
        frozen - int(month.start.timestamp()), int((month.end - month.start).total_seconds())
    )
    projected = int(7 / elapsed)
    allowed = projected // 10
    try:
        state.clock = lambda: frozen
        state.forget_board()
        page = browser.new_page()
        page.goto(f"{served.url}/?token={SECRETS['BOARD_TOKEN']}")
        shown = page.eval_on_selector_all(
            "#goals tbody tr", "rows => rows.map(r => r.querySelector('td.budget').innerText)"
        )
        page.close()
    finally:
        state.clock = real_clock
        state.forget_board()
    assert shown[0] == budget_text(allowed - 2, allowed, 2)

    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--config",
            str(served.config_path),
            "--period",
            f"{now:%Y-%m}",
            "--now",
            f"{now:%Y-%m-%dT%H:%M:%SZ}",
        ],
    )
    assert result.exit_code == 0, result.output
    budgets = json.loads(result.stdout)["budgets"]
    assert [
        budget_text(b["budget_left"], b["misses_allowed"], b["missed_cycles"]) for b in budgets
    ] == shown
