"""The ``connectors:`` section: each instance validated by its connector's config model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from slabridge.config.checking import Checker, key_path, pydantic_issues
from slabridge.connectors.base import Connector, ConnectorConfig


class ConnectorChecks(Checker):
    """Checks ``connectors:``; a connector's secrets are remembered for redaction."""

    def connectors(
        self, raw: Any, connector_types: Mapping[str, type[Connector]] | None
    ) -> dict[str, ConnectorConfig | dict[str, Any]]:
        data = self.mapping(raw, "connectors", "a mapping of connector instances")
        out: dict[str, ConnectorConfig | dict[str, Any]] = {}
        for instance, body in (data or {}).items():
            path = key_path("connectors", instance)
            entry = self.mapping(body, path)
            if entry is None:
                continue
            kind = entry.get("type")
            if not isinstance(kind, str) or not kind:
                self.add(key_path(path, "type"), "required: the connector type, e.g. zendesk")
                continue
            if connector_types is None:
                out[instance] = entry
                continue
            connector = connector_types.get(kind)
            if connector is None:
                installed = ", ".join(sorted(connector_types)) or "none installed"
                self.add(key_path(path, "type"), f"unknown connector type (installed: {installed})")
                continue
            model = connector.config_model
            try:
                validated = model.model_validate(entry)
                self.secrets.extend(validated.secrets())
                out[instance] = validated
            except ValidationError as error:
                for issue in pydantic_issues(error, model, path):
                    self.issues.append(issue)
        return out
