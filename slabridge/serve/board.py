"""The live SLA board: open tickets at risk or breached now, and each goal's compliance.

"Now" is the request's instant: each open tracked ticket's stored snapshot is evaluated again
by the pure engine, so a ticket whose due time passed a minute ago shows as breached before any
sync has re-checked it. The page is plain server-rendered HTML with inline CSS: no script, no
font, no asset from the network.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from slabridge.report.budget import GoalBudget
from slabridge.report.compute import build_report, data_start
from slabridge.report.history import SourceCounter, store_history
from slabridge.report.models import Goal, format_percent, format_seconds
from slabridge.report.periods import goal_windows, period_containing
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import parse_ticket
from slabridge.sync.runtime import Runtime

FILTERS: tuple[str, ...] = ("connector", "policy", "tier", "team")
SORTS: tuple[str, ...] = ("time_left", "-time_left")


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One ticket on the board: its most urgent cycle at risk or breached."""

    connector: str
    ticket_id: str
    policy: str
    tier: str
    team: str
    state: str  # breached | at risk
    metric: str
    due_at: datetime
    seconds_left: float  # wall-clock seconds to the due time; negative once overdue
    url: str | None

    def value(self, name: str) -> str:
        return str(getattr(self, name))


@dataclass(frozen=True, slots=True)
class GoalLine:
    """One goal's compliance in its current window (week, month or quarter)."""

    label: str
    window: str
    met: int
    decided: int
    target: float
    budget: str  # the #17 error budget this period; see goal_budget()
    budget_detail: str = ""  # the report's sentence for it (the cell's tooltip)

    @property
    def share(self) -> float | None:
        return None if not self.decided else self.met / self.decided


def _row(
    connector: str, ticket: Any, evaluation: Evaluation, now: datetime, team_field: str, url: Any
) -> BoardRow | None:
    urgent: tuple[datetime, str, bool] | None = None
    for name, metric in evaluation.metrics.items():
        cycle = metric.latest
        breached = cycle.status == "breached"
        if cycle.due_at is None or not (breached or cycle.at_risk):
            continue
        if urgent is None or cycle.due_at < urgent[0]:
            urgent = (cycle.due_at, name, breached)
    if urgent is None:
        return None
    due_at, metric_name, breached = urgent
    customer = ticket.customer
    team = ticket.fields.get(team_field)
    return BoardRow(
        connector=connector,
        ticket_id=ticket.id,
        policy=evaluation.policy or "-",
        tier=(customer.tier if customer is not None and customer.tier else "-"),
        team=str(team) if team not in (None, "") else "-",
        state="breached" if breached else "at risk",
        metric=metric_name,
        due_at=due_at,
        seconds_left=(due_at - now).total_seconds(),
        url=url,
    )


def board_rows(runtime: Runtime, now: datetime, team_field: str = "team") -> list[BoardRow]:
    """Every open tracked ticket with a cycle at risk or breached at ``now``, most urgent first.

    Only tickets stored at risk or breached, or whose next interesting instant has passed, are
    evaluated again: the others are as the last sync found them (DESIGN.md, principle 5).
    """
    rows: list[BoardRow] = []
    for tracked in runtime.store.iter_tickets():
        if not tracked.is_open:
            continue
        if not (tracked.at_risk or tracked.breached) and (
            tracked.next_instant is None or tracked.next_instant > now
        ):
            continue  # ok when synced, and nothing changes by the clock before next_instant
        try:
            ticket = parse_ticket(tracked.snapshot)
            evaluation = runtime.evaluate(ticket, now)
        except Exception:  # the sync reports an unreadable ticket; the board goes on
            continue
        connector = runtime.connectors.get(tracked.connector)
        url = connector.ticket_url(ticket.id) if connector is not None else None
        row = _row(tracked.connector, ticket, evaluation, now, team_field, url)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda row: (row.seconds_left, row.connector, row.ticket_id))
    return rows


def goal_budget(budget: GoalBudget | None) -> str:
    """The goal's error budget as ``slabridge report`` counts it (slabridge.report.budget):
    ``1 of 4 misses left (75.00% spent)``; negative once overspent, ``-`` without a budget."""
    if budget is None:
        return "-"
    text = f"{budget.left} of {budget.allowed} misses left"
    spent = budget.spent
    return text if spent is None else f"{text} ({format_percent(spent)} spent)"


def goal_lines(runtime: Runtime, now: datetime) -> list[GoalLine]:
    """Each goal of the config, judged over its window that holds ``now``, all tickets.

    Read as ``slabridge report --now`` reads the store (same outcomes, customers and budgets),
    from the previous goal period on, which the budget's projection needs.
    """
    goals: Sequence[Goal] = list(getattr(runtime.config, "goals", None) or ())
    customers = getattr(runtime.config, "customers", None)
    lines: list[GoalLine] = []
    for kind in dict.fromkeys(goal.period for goal in goals):
        chosen = [goal for goal in goals if goal.period == kind]
        span = period_containing(kind, now.date())
        outcomes = store_history(
            runtime.store, runtime.evaluate, data_start(span, chosen, now), now, SourceCounter()
        )
        report = build_report(outcomes, span, goals=chosen, as_of=now, customers=customers)
        current = {
            result.goal_index: result
            for result in report.goal_results
            if not result.key and result.window.start <= now < result.window.end
        }
        budgets = {budget.goal_index: budget for budget in report.budgets}
        for index, goal in enumerate(chosen):
            result = current.get(index)
            # A goal with no cycle decided yet this period still has its line: n/a, not gone.
            window = next(w for w in goal_windows(kind, span) if w.start <= now < w.end)
            budget = budgets.get(index)
            if budget is not None and budget.period.start != window.start:
                budget = None  # `now` is a period's first instant: the budget is the last one's
            lines.append(
                GoalLine(
                    label=goal.label,
                    window=window.label,
                    met=0 if result is None else result.met_cycles,
                    decided=0 if result is None else result.decided_cycles,
                    target=float(goal.share),
                    budget=goal_budget(budget),
                    budget_detail="" if budget is None else budget.sentence(),
                )
            )
    return lines


def select(rows: Iterable[BoardRow], chosen: Mapping[str, str], sort: str) -> list[BoardRow]:
    """The rows matching every chosen filter, by time left (``-time_left``: most left first)."""
    kept = [
        row
        for row in rows
        if all(row.value(name) == chosen[name] for name in FILTERS if chosen.get(name))
    ]
    kept.sort(key=lambda row: row.seconds_left, reverse=sort == "-time_left")
    return kept


def time_left_text(seconds: float) -> str:
    """``12m left``, ``under 1m left``, ``overdue 1h 5m``: whole minutes, as a board reads."""
    minutes = int(abs(seconds) // 60) * 60
    if seconds < 0:
        return f"overdue {format_seconds(minutes)}" if minutes else "overdue under 1m"
    return f"{format_seconds(minutes)} left" if minutes else "under 1m left"


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2330}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1.05rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;min-width:40rem}th,td{padding:.3rem .6rem;text-align:left;
border-bottom:1px solid #d6dae3}th{background:#f1f3f7}td.left{font-variant-numeric:tabular-nums}
tr.breached td.state{color:#a3001b;font-weight:600}tr.at-risk td.state{color:#8a5300}
form{margin:.6rem 0}label{margin-right:.8rem}.muted{color:#5b6475}
"""


def _options(name: str, values: Iterable[str], chosen: str) -> str:
    items = [f'<option value=""{" selected" if not chosen else ""}>all</option>']
    for value in sorted(set(values)):
        mark = " selected" if value == chosen else ""
        items.append(f'<option value="{html.escape(value)}"{mark}>{html.escape(value)}</option>')
    return f'<label>{name} <select name="{name}">{"".join(items)}</select></label>'


def render_board(
    rows: Sequence[BoardRow],
    goals: Sequence[GoalLine],
    chosen: Mapping[str, str],
    sort: str,
    now: datetime,
    *,
    token: str | None = None,
) -> str:
    """The board page. ``token`` (when the viewer logged in with ``?token=``) is kept in the
    filter form and the sort link, so that they stay logged in."""
    shown = select(rows, chosen, sort)
    keep = {"token": token} if token else {}
    filters = "".join(
        _options(name, (row.value(name) for row in rows), chosen.get(name, "")) for name in FILTERS
    )
    hidden = f'<input type="hidden" name="sort" value="{html.escape(sort)}">' + (
        f'<input type="hidden" name="token" value="{html.escape(token)}">' if token else ""
    )
    flipped = "-time_left" if sort == "time_left" else "time_left"
    link = "?" + urlencode({**{k: v for k, v in chosen.items() if v}, **keep, "sort": flipped})
    arrow = "▲" if sort == "time_left" else "▼"
    body_rows = []
    for row in shown:
        ticket = html.escape(row.ticket_id)
        if row.url:
            ticket = f'<a href="{html.escape(row.url)}">{ticket}</a>'
        body_rows.append(
            f'<tr class="{row.state.replace(" ", "-")}"><td>{html.escape(row.connector)}</td>'
            f'<td>{ticket}</td><td class="state">{row.state}</td>'
            f"<td>{html.escape(row.metric.replace('_', ' '))}</td>"
            f'<td class="left" data-seconds="{int(row.seconds_left)}">'
            f"{time_left_text(row.seconds_left)}</td>"
            f"<td>{row.due_at:%Y-%m-%d %H:%M} UTC</td><td>{html.escape(row.policy)}</td>"
            f"<td>{html.escape(row.tier)}</td><td>{html.escape(row.team)}</td></tr>"
        )
    tickets = (
        "".join(body_rows)
        if body_rows
        else '<tr><td colspan="9" class="muted">No ticket is at risk or breached.</td></tr>'
    )
    goal_rows = (
        "".join(
            f"<tr><td>{html.escape(g.label)}</td><td>{html.escape(g.window)}</td>"
            f"<td>{'n/a' if g.share is None else f'{g.share * 100:.1f}%'}</td>"
            f"<td>{g.target * 100:g}%</td><td>{g.met} of {g.decided}</td>"
            f'<td class="budget" title="{html.escape(g.budget_detail)}">'
            f"{html.escape(g.budget)}</td></tr>"
            for g in goals
        )
        or '<tr><td colspan="6" class="muted">No goals: in the config.</td></tr>'
    )
    breached = sum(1 for row in shown if row.state == "breached")
    counts = f"{len(shown)} ticket(s): {breached} breached, {len(shown) - breached} at risk"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SLA board - slabridge</title>
<meta http-equiv="refresh" content="60"><style>{_STYLE}</style></head><body>
<h1>SLA board</h1><p class="muted">As of {now:%Y-%m-%d %H:%M:%S} UTC, refreshed every
minute. <span id="counts">{counts}</span>.</p>
<form method="get" id="filters">{filters}{hidden}<button type="submit">Filter</button></form>
<table id="tickets"><thead><tr><th>Connector</th><th>Ticket</th><th>State</th><th>Metric</th>
<th><a id="sort-time-left" href="{html.escape(link)}">Time left {arrow}</a></th><th>Due</th>
<th>Policy</th><th>Tier</th><th>Team</th></tr></thead><tbody>{tickets}</tbody></table>
<h2>Goals this period</h2>
<table id="goals"><thead><tr><th>Goal</th><th>Window</th><th>Compliance</th><th>Target</th>
<th>Cycles met</th><th>Budget</th></tr></thead><tbody>{goal_rows}</tbody></table>
</body></html>
"""


__all__ = [
    "FILTERS",
    "SORTS",
    "BoardRow",
    "GoalLine",
    "board_rows",
    "goal_budget",
    "goal_lines",
    "render_board",
    "select",
    "time_left_text",
]
