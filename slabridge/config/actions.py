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

    def tag_name(self, key: str, value: Any, policy_names: Sequence[str]) -> str | None:
        """One ``actions.tags`` entry: a tag without spaces, ``{policy}`` its only placeholder."""
        if value is None:
            return None
        where = key_path("actions.tags", key)
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
            self.add(where, "expected a tag: text without spaces")
            return None
        leftover = value.replace("{policy}", "")
        if "{" in leftover or "}" in leftover:
            self.add(where, "the only placeholder a tag may hold is {policy}")
        elif key == "policy" and "{policy}" in value:
            self.policy_tags_without_spaces(where, value, policy_names)
        return value

    def tag_names(self, raw: Any, policy_names: Sequence[str]) -> dict[str, str | None]:
        """``actions.tags``: the tag (or None) for each of breached, at_risk and policy."""
        tags = self.mapping(raw, "actions.tags") or {}
        self.known_keys(tags, "actions.tags", ("breached", "at_risk", "policy"))
        return {
            key: self.tag_name(key, tags.get(key), policy_names)
            for key in ("breached", "at_risk", "policy")
        }

    def escalate_action(self, raw: Any) -> EscalateAction | None:
        """``actions.escalate_priority``: when to raise the priority, and to what."""
        if raw is None:
            return None
        esc = self.mapping(raw, "actions.escalate_priority") or {}
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
        return EscalateAction(on or "breach", to or "one_level_up")

    def instance_fields(self, body: Any, where: str) -> dict[str, str]:
        """One instance's ``actions.fields`` entry: due_at and breached, each a field of its own."""
        entry = self.mapping(body, where) or {}
        self.known_keys(entry, where, ("due_at", "breached"))
        own: dict[str, str] = {}
        for key, value in entry.items():
            if value is None or isinstance(value, dict | list | bool):
                self.add(
                    key_path(where, key), "expected the helpdesk's field key (an id or a name)"
                )
            else:
                own[key] = str(value)
        if "due_at" in own and own.get("breached") == own["due_at"]:
            self.add(
                key_path(where, "breached"),
                "the same field as due_at: each needs a field of its own "
                "(they would overwrite each other on every sync)",
            )
        return own

    def field_table(self, raw: Any, defined_instances: set[str]) -> dict[str, dict[str, str]]:
        """``actions.fields``: the fields to own, per defined connector instance."""
        fields: dict[str, dict[str, str]] = {}
        table = self.mapping(raw, "actions.fields", "a mapping of connector instances") or {}
        for instance, body in table.items():
            where = key_path("actions.fields", instance)
            if instance not in defined_instances:
                defined = ", ".join(sorted(defined_instances)) or "none"
                self.add(where, f"unknown connector instance (defined under connectors: {defined})")
                continue
            fields[instance] = self.instance_fields(body, where)
        return fields

    def writable_by_connector(
        self,
        instance: str,
        kind: str,
        connector: type[Connector],
        names: Mapping[str, str | None],
        actions: Actions,
        policy_names: Sequence[str],
    ) -> None:
        """What ``actions`` asks of one connector instance must be something it can write."""
        can = connector.capabilities
        who = f"connector {instance!r} ({kind}) cannot write"
        if any(names.values()) and not can.tags:
            self.add("actions.tags", f"{who} tags")
        elif any(names.values()):
            self.tags_the_helpdesk_accepts(
                connector, f"connector {instance!r} ({kind})", names, policy_names
            )
        if actions.escalate_priority is not None and not can.priority:
            self.add("actions.escalate_priority", f"{who} priorities")
        if instance in actions.fields and not can.fields:
            self.add(key_path("actions.fields", instance), f"{who} fields")
        for key, field_key in actions.fields.get(instance, {}).items():
            problem = connector.field_key_problem(field_key)
            if problem is not None:
                where = key_path(key_path("actions.fields", instance), key)
                self.add(where, f"not a field {kind} can write: {problem}")

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
        names = self.tag_names(data.get("tags"), policy_names)
        escalate = self.escalate_action(data.get("escalate_priority"))
        fields = self.field_table(data.get("fields"), defined_instances)
        tag_actions = TagActions(names["breached"], names["at_risk"], names["policy"])
        actions = Actions(tag_actions, escalate, fields)
        if connector_types is None:
            return actions
        for instance, config in connectors.items():
            kind = config.type if isinstance(config, ConnectorConfig) else str(config.get("type"))
            connector = connector_types.get(kind)
            if connector is not None:
                self.writable_by_connector(instance, kind, connector, names, actions, policy_names)
        return actions
