"""The ``actions:`` section: the tags, priority and fields slabridge writes back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slabridge.config.checking import Checker, FromEnv, key_path
from slabridge.config.model import Actions, EscalateAction, TagActions
from slabridge.connectors.base import Connector, ConnectorConfig
from slabridge.sla.ticket import PRIORITIES


class ActionChecks(Checker):
    """Checks ``actions:`` against what each configured connector can write."""

    def policy_tags_without_spaces(
        self, where: str, template: str, policy_names: Sequence[str]
    ) -> None:
        """Each policy name must expand ``template`` into a tag without a space."""
        for policy in policy_names:
            if not any(c.isspace() for c in policy):
                continue
            # Values from ${ENV} are never shown (they could be secrets).
            shown = "a policy name from the environment"
            if not isinstance(policy, FromEnv):
                shown = f"policy {policy!r}"
                if not isinstance(template, FromEnv):
                    shown += f" (tag {template.replace('{policy}', policy)!r})"
            self.add(
                where,
                f"{shown} would give a tag with a space (helpdesks split or refuse such tags; "
                "rename the policy)",
            )

    def tags_the_helpdesk_accepts(
        self,
        connector: type[Connector],
        who: str,
        names: Mapping[str, str | None],
        policy_names: Sequence[str],
    ) -> None:
        """Every tag slabridge would write must be one the connector's helpdesk accepts
        (``Connector.tag_problem``), the tags ``actions.tags.policy`` makes from policy names too.
        """
        for key, template in names.items():
            if template is None:
                continue
            where = key_path("actions.tags", key)
            hidden = isinstance(template, FromEnv)
            tags: list[tuple[str, str | None]] = [(str(template), None)]
            if key == "policy" and "{policy}" in template:
                tags = [(template.replace("{policy}", name), name) for name in policy_names]
            for tag, policy in tags:
                problem = connector.tag_problem(tag)
                if problem is None:
                    continue
                # Values from ${ENV} are never shown (they could be secrets).
                if policy is not None and isinstance(policy, FromEnv):
                    shown = "the tag of a policy name from the environment"
                elif policy is not None:
                    shown = f"the tag of policy {policy!r}" + ("" if hidden else f" ({tag!r})")
                else:
                    shown = "the tag" if hidden else f"tag {tag!r}"
                self.add(where, f"{shown} cannot be written by {who}: {problem}")

    def actions(
        self,
        raw: Any,
        connectors: Mapping[str, ConnectorConfig | dict[str, Any]],
        connector_types: Mapping[str, type[Connector]] | None,
        instance_names: set[str] | None = None,
        policy_names: Sequence[str] = (),
    ) -> Actions:
        data = self.mapping(raw, "actions") or {}
        defined_instances = set(connectors) if instance_names is None else instance_names
        self.known_keys(data, "actions", ("tags", "escalate_priority", "fields"))
        tags = self.mapping(data.get("tags"), "actions.tags") or {}
        self.known_keys(tags, "actions.tags", ("breached", "at_risk", "policy"))
        names: dict[str, str | None] = {}
        for key in ("breached", "at_risk", "policy"):
            value = tags.get(key)
            if value is None:
                names[key] = None
                continue
            where = key_path("actions.tags", key)
            if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
                self.add(where, "expected a tag: text without spaces")
                names[key] = None
                continue
            leftover = value.replace("{policy}", "")
            if "{" in leftover or "}" in leftover:
                self.add(where, "the only placeholder a tag may hold is {policy}")
            elif key == "policy" and "{policy}" in value:
                self.policy_tags_without_spaces(where, value, policy_names)
            names[key] = value
        escalate = None
        if data.get("escalate_priority") is not None:
            esc = self.mapping(data["escalate_priority"], "actions.escalate_priority") or {}
            self.known_keys(esc, "actions.escalate_priority", ("on", "to"))
            on = self.choice(
                esc.get("on", "breach"),
                "actions.escalate_priority.on",
                ("breach", "at_risk"),
                "trigger",
            )
            to = self.choice(
                esc.get("to", "one_level_up"),
                "actions.escalate_priority.to",
                ("one_level_up", *PRIORITIES),
                "priority",
            )
            escalate = EscalateAction(on or "breach", to or "one_level_up")
        fields: dict[str, dict[str, str]] = {}
        table = (
            self.mapping(data.get("fields"), "actions.fields", "a mapping of connector instances")
            or {}
        )
        for instance, body in table.items():
            where = key_path("actions.fields", instance)
            if instance not in defined_instances:
                defined = ", ".join(sorted(defined_instances)) or "none"
                self.add(where, f"unknown connector instance (defined under connectors: {defined})")
                continue
            entry = self.mapping(body, where) or {}
            self.known_keys(entry, where, ("due_at", "breached"))
            fields[instance] = {}
            for key, value in entry.items():
                if value is None or isinstance(value, dict | list | bool):
                    self.add(
                        key_path(where, key), "expected the helpdesk's field key (an id or a name)"
                    )
                else:
                    fields[instance][key] = str(value)
            own = fields[instance]
            if "due_at" in own and own.get("breached") == own["due_at"]:
                self.add(
                    key_path(where, "breached"),
                    "the same field as due_at: each needs a field of its own "
                    "(they would overwrite each other on every sync)",
                )
        if connector_types is not None:
            for instance, config in connectors.items():
                kind = (
                    config.type if isinstance(config, ConnectorConfig) else str(config.get("type"))
                )
                connector = connector_types.get(kind)
                if connector is None:
                    continue
                can = connector.capabilities
                who = f"connector {instance!r} ({kind}) cannot write"
                if any(names.values()) and not can.tags:
                    self.add("actions.tags", f"{who} tags")
                elif any(names.values()):
                    self.tags_the_helpdesk_accepts(
                        connector, f"connector {instance!r} ({kind})", names, policy_names
                    )
                if escalate is not None and not can.priority:
                    self.add("actions.escalate_priority", f"{who} priorities")
                if instance in fields and not can.fields:
                    self.add(key_path("actions.fields", instance), f"{who} fields")
                for key, field_key in fields.get(instance, {}).items():
                    problem = connector.field_key_problem(field_key)
                    if problem is not None:
                        where = key_path(key_path("actions.fields", instance), key)
                        self.add(where, f"not a field {kind} can write: {problem}")
        tag_actions = TagActions(names["breached"], names["at_risk"], names["policy"])
        return Actions(tag_actions, escalate, fields)
