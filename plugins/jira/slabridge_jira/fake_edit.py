"""FakeJira's ``PUT issue/{ref}``: labels, priority and typed custom fields, validated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_jira.fake_catalog import (
    API_USER_ID,
    CUSTOM_FIELDS,
    _Issue,
    _item,
    _to,
    error_collection,
)
from slabridge_jira.fake_views import JiraIssueViews
from slabridge_jira.mapping import format_jira_time, parse_jira_time

_NOT_ON_SCREEN = "Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."


class JiraIssueEdits(JiraIssueViews):
    """The edit endpoint; every change recorded in the changelog, as Jira does."""

    def _edit_issue(self, request: FakeRequest, ref: str) -> FakeResponse:
        issue = self._find(ref)
        if issue is None:
            return self._missing_issue()
        body = request.json()
        if not isinstance(body, dict):
            return FakeResponse(400, error_collection("Request body must be a JSON object."))
        update = body.get("update") or {}
        fields = body.get("fields") or {}
        both = set(update) & set(fields)
        if both:
            return FakeResponse(
                400,
                error_collection(
                    errors={f: "Field cannot be set and updated in the same request." for f in both}
                ),
            )
        errors: dict[str, str] = {}
        labels = _updated_labels(issue.labels, update.get("labels", []), errors)
        for name in update:
            if name != "labels":
                errors[name] = _NOT_ON_SCREEN.format(name=name)
        if "labels" in fields:
            labels = list(fields["labels"])
        priority, custom = self._set_fields(issue, fields, errors)
        if errors:
            return FakeResponse(400, error_collection(errors=errors))
        items = self._edit_items(issue, labels, priority, custom)
        if items:
            issue.labels, issue.priority, issue.custom = labels, priority, custom
            self._history(issue, self.clock(), items, author=API_USER_ID)
            issue.updated = max(issue.updated, self.clock())
            self._writes += 1
        if request.arg("returnIssue") == "true":
            return FakeResponse(200, self._issue_json(issue, ["*all"]))
        return FakeResponse(204)

    def _set_fields(
        self, issue: _Issue, fields: Mapping[str, Any], errors: dict[str, str]
    ) -> tuple[str | None, dict[str, Any]]:
        """The priority and custom fields after a ``fields`` edit; each bad one in ``errors``."""
        priority = issue.priority
        custom = dict(issue.custom)
        for name, value in fields.items():
            if name == "labels":
                continue
            if name == "priority":
                priority = self._set_priority(value, errors) or priority
                continue
            specs = (*CUSTOM_FIELDS, *self.scenario_fields)
            spec = next((f for f in specs if f[0] == name), None)
            if spec is None:
                errors[name] = _NOT_ON_SCREEN.format(name=name)
                continue
            problem = _custom_value_problem(spec[2], value)
            if problem:
                errors[name] = problem
            else:
                custom[name] = self._stored_value(name, spec[2], value)
        return priority, custom

    def _set_priority(self, value: Any, errors: dict[str, str]) -> str | None:
        """The id of the priority ``{"id"}`` or ``{"name"}`` names; None (in ``errors``) if none."""
        ref_value = value.get("id") or value.get("name") if isinstance(value, dict) else None
        try:
            return self._priority_id(str(ref_value))
        except KeyError:
            errors["priority"] = f"Priority '{ref_value}' is not valid"
            return None

    def _edit_items(
        self, issue: _Issue, labels: list[str], priority: str | None, custom: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The changelog items of an edit: what differs from the issue as it is."""
        items: list[dict[str, Any]] = []
        if labels != issue.labels:
            items.append(
                {
                    **_item("labels", "jira", None, " ".join(issue.labels)),
                    **_to(None, " ".join(labels)),
                }
            )
        if priority != issue.priority:
            old = issue.priority
            items.append(
                {
                    **_item("priority", "jira", old, self._priority_name(old) if old else None),
                    **_to(priority, self._priority_name(priority)),
                }
            )
        for name, value in custom.items():
            if issue.custom.get(name) != value:
                items.append(
                    {
                        **_item(name, "custom", None, _show(issue.custom.get(name))),
                        **_to(None, _show(value)),
                    }
                )
        return items

    def _stored_value(self, name: str, kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "option":
            return self._option(name, str(value.get("value")))
        if kind == "datetime":
            moment = parse_jira_time(value)
            return format_jira_time(moment) if moment else value
        return value


def _updated_labels(
    current: list[str], operations: Iterable[Mapping[str, Any]], errors: dict[str, str]
) -> list[str]:
    """The labels after ``update.labels`` (``{"add": …}``, ``{"remove": …}``); bad ones in
    ``errors``."""
    labels = list(current)
    for operation in operations:
        for verb, label in operation.items():
            if not isinstance(label, str) or " " in label or not label:
                errors["labels"] = f"The label '{label}' contains spaces which is invalid."
            elif verb == "add" and label not in labels:
                labels.append(label)
            elif verb == "remove" and label in labels:
                labels.remove(label)
            elif verb not in ("add", "remove", "set"):
                errors["labels"] = f"Operation '{verb}' is not supported for labels."
    return labels


def _custom_value_problem(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "Operation value must be a number"
    if kind == "datetime" and (not isinstance(value, str) or parse_jira_time(value) is None):
        return "Date value is invalid; use yyyy-MM-dd'T'HH:mm:ss.SSSZ"
    if kind == "option" and not (isinstance(value, dict) and isinstance(value.get("value"), str)):
        return "Specify a valid value for the option field"
    if kind == "array" and not isinstance(value, list):
        return "Operation value must be an array"
    return None


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("value") or value.get("name") or "")
    return str(value)


__all__ = [
    "JiraIssueEdits",
]
