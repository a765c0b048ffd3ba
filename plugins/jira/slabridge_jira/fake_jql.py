"""The JQL subset FakeJira understands: what a sync sends, read in the user's time zone."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo


class Searchable(Protocol):
    """What a JQL query looks at on a fake issue."""

    @property
    def id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def project(self) -> str: ...
    @property
    def labels(self) -> list[str]: ...
    @property
    def status_name(self) -> str: ...
    @property
    def created(self) -> datetime: ...
    @property
    def updated(self) -> datetime: ...


IssueT = TypeVar("IssueT", bound=Searchable)


_CLAUSE_PROJECT = re.compile(
    r'^project\s*(?:in\s*\((?P<list>[^)]*)\)|=\s*(?P<one>"[^"]*"|\S+))$', re.I
)
_CLAUSE_KEYS = re.compile(r"^(?:issuekey|key|id)\s*in\s*\((?P<list>[^)]*)\)$", re.I)
_CLAUSE_KEY = re.compile(r'^(?:issuekey|key|id)\s*=\s*(?P<one>"[^"]*"|\S+)$', re.I)
_CLAUSE_UPDATED = re.compile(
    r'^(?P<field>updated|created)\s*(?P<op>>=|>|<=|<)\s*"(?P<when>[^"]+)"$', re.I
)
_CLAUSE_LABEL = re.compile(r'^labels\s*=\s*(?P<one>"[^"]*"|\S+)$', re.I)
_CLAUSE_STATUS = re.compile(r'^status\s*=\s*(?P<one>"[^"]*"|\S+)$', re.I)


def _unquote(text: str) -> str:
    return text.strip().strip('"').strip("'")


def _split_list(text: str) -> list[str]:
    return [_unquote(part) for part in text.split(",") if part.strip()]


class JqlQuery:
    """The JQL subset a sync sends: project, issue keys/ids, updated/created bounds, labels,
    status; clauses joined by AND; ORDER BY up to 7 fields."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.projects: list[str] | None = None
        self.issue_refs: list[str] = []
        self.bounds: list[tuple[str, str, datetime]] = []
        self.labels: list[str] = []
        self.statuses: list[str] = []
        self.order: list[tuple[str, bool]] = []
        self.bounded = False

    @classmethod
    def parse(cls, jql: str, zone: ZoneInfo) -> JqlQuery:
        query = cls(zone)
        parts = re.split(r"\border\s+by\b", jql.strip(), maxsplit=1, flags=re.I)
        where = parts[0].strip()
        order = parts[1].strip() if len(parts) > 1 else ""
        if order:
            terms = [term.split() for term in order.split(",")]
            if len(terms) > 7:
                raise ValueError("The ORDER BY clause can contain at most 7 fields.")
            for term in terms:
                if not term or term[0].lower() not in ("updated", "created", "key", "id"):
                    raise ValueError(f"Error in the JQL Query: cannot order by {' '.join(term)!r}.")
                query.order.append((term[0].lower(), len(term) > 1 and term[1].lower() == "desc"))
        if where:
            for clause in re.split(r"\s+AND\s+", where, flags=re.I):
                query._clause(clause.strip())
        return query

    def _clause(self, clause: str) -> None:
        while clause.startswith("(") and clause.endswith(")"):
            clause = clause[1:-1].strip()
        if match := _CLAUSE_PROJECT.match(clause):
            listed = match.group("list")
            self.projects = (
                _split_list(listed) if listed is not None else [_unquote(match.group("one"))]
            )
            self.bounded = True
        elif match := _CLAUSE_KEYS.match(clause):
            self.issue_refs = _split_list(match.group("list"))
            self.bounded = True
        elif match := _CLAUSE_KEY.match(clause):
            self.issue_refs = [_unquote(match.group("one"))]
            self.bounded = True
        elif match := _CLAUSE_UPDATED.match(clause):
            when = jql_date(match.group("when"), self.zone)
            self.bounds.append((match.group("field").lower(), match.group("op"), when))
            self.bounded = True
        elif match := _CLAUSE_LABEL.match(clause):
            self.labels.append(_unquote(match.group("one")))
            self.bounded = True
        elif match := _CLAUSE_STATUS.match(clause):
            self.statuses.append(_unquote(match.group("one")).casefold())
        else:
            raise ValueError(f"Error in the JQL Query: the clause {clause!r} is not supported.")

    def select(self, issues: list[IssueT]) -> list[IssueT]:
        def keep(issue: IssueT) -> bool:
            if self.projects is not None and issue.project not in self.projects:
                return False
            if (
                self.issue_refs
                and issue.id not in self.issue_refs
                and issue.key not in self.issue_refs
            ):
                return False
            if any(label not in issue.labels for label in self.labels):
                return False
            if self.statuses and issue.status_name.casefold() not in self.statuses:
                return False
            for name, op, when in self.bounds:
                value = issue.updated if name == "updated" else issue.created
                if not {
                    ">=": value >= when,
                    ">": value > when,
                    "<=": value <= when,
                    "<": value < when,
                }[op]:
                    return False
            return True

        chosen = [issue for issue in issues if keep(issue)]
        for name, descending in reversed(self.order or [("key", True)]):
            chosen.sort(key=functools.partial(_sort_key, name=name), reverse=descending)
        return chosen


def _sort_key(issue: Searchable, name: str) -> Any:
    if name == "updated":
        return issue.updated
    if name == "created":
        return issue.created
    if name == "id":
        return int(issue.id)
    project, _, number = issue.key.rpartition("-")
    return (project, int(number))


def jql_date(text: str, zone: ZoneInfo) -> datetime:
    """A JQL date literal in the user's zone: ``yyyy-MM-dd HH:mm``, ``yyyy/MM/dd HH:mm``, a date."""
    text = text.strip().replace("/", "-")
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            wall = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return wall.replace(tzinfo=zone).astimezone(UTC)
    raise ValueError(
        f"Error in the JQL Query: date value '{text}' for field 'updated' is invalid. "
        "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd'."
    )


__all__ = ["JqlQuery", "Searchable", "jql_date"]
