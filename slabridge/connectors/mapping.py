"""Per-connector mapping config: helpdesk statuses, priorities, and where tier/product/region live.

Every connector's config has a ``mapping:`` block of this shape (connectors may subclass
:class:`ConnectorMapping` to add keys)::

    mapping:
      statuses: {hold: on_hold}              # helpdesk status -> normalized status
      priorities: {"1": low, "4": urgent}    # helpdesk priority -> normalized priority
      tier: {from: organization.tier, values: {enterprise: gold}, default: bronze}
      product: {from: custom_field, id: 360001234}   # same as {from: custom_field.360001234}
      region: {from: tags, values: {emea: EMEA, apac: APAC}}
      fields: {team: {from: group.name}}     # extra normalized names in Ticket.fields

The ``from`` path is a dotted path into the record the connector builds for the ticket (each
connector documents what its record holds). Connectors merge ``statuses``/``priorities`` over their
own defaults, so an admin only writes the differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from slabridge.sla.ticket import PRIORITIES, STATUSES


def lookup_path(record: Any, path: str) -> Any:
    """Resolve a dotted path (``organization.tier``, ``custom_fields.0.value``); None if absent.

    Mapping keys are tried as given; a numeric segment indexes a list. A key that itself holds
    dots can be reached when the record has it at the current level (``fields.cf.region`` tries
    ``fields["cf.region"]`` after ``fields["cf"]["region"]``).
    """
    if not path:
        return record
    head, _, rest = path.partition(".")
    if isinstance(record, Mapping):
        if head in record:
            found = lookup_path(record[head], rest)
            if found is not None or not rest:
                return found
        if path in record:
            return record[path]
        return None
    if isinstance(record, list | tuple) and head.isdigit():
        index = int(head)
        return lookup_path(record[index], rest) if index < len(record) else None
    return None


def _as_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class MappingRule(BaseModel):
    """Where one normalized value comes from: ``{from: PATH, values: {RAW: VALUE}, default: X}``.

    ``id`` (optional) is appended to ``from`` as a last path segment.

    The raw value at ``from`` is turned into text; with ``values`` it is translated (a raw value
    not listed gives ``default``), without ``values`` it is taken as is. When the raw value is a
    list (e.g. ``tags``), the first element listed in ``values`` wins, so tags can carry a tier.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from", min_length=1)
    id: str | int | None = None
    values: dict[str, str] = {}
    default: str | None = None

    @property
    def path(self) -> str:
        """The dotted path read: ``from``, plus ``id`` as a last segment when given.

        ``{from: custom_field, id: 360001234}`` (POLICY.md's form for a custom field by id)
        reads ``custom_field.360001234``.
        """
        return self.from_ if self.id is None else f"{self.from_}.{self.id}"

    def resolve(self, record: Any) -> str | None:
        """The normalized value for ``record`` (None when absent and there is no default)."""
        raw = lookup_path(record, self.path)
        if isinstance(raw, list | tuple | set | frozenset):
            if not self.values:
                texts = [_as_text(item) for item in raw]
                return next((text for text in texts if text is not None), self.default)
            for item in raw:
                text = _as_text(item)
                if text is not None and text in self.values:
                    return self.values[text]
            return self.default
        text = _as_text(raw)
        if text is None:
            return self.default
        if self.values:
            return self.values.get(text, self.default)
        return text


class ConnectorMapping(BaseModel):
    """The ``mapping:`` block of a connector's config (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statuses: dict[str, str] = {}
    priorities: dict[str, str] = {}
    tier: MappingRule | None = None
    product: MappingRule | None = None
    region: MappingRule | None = None
    fields: dict[str, MappingRule] = {}

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, value: dict[str, str]) -> dict[str, str]:
        for raw, normalized in value.items():
            if normalized not in STATUSES:
                raise ValueError(
                    f"status {raw!r} maps to {normalized!r}; valid: {', '.join(STATUSES)}"
                )
        return value

    @field_validator("priorities")
    @classmethod
    def _known_priorities(cls, value: dict[str, str]) -> dict[str, str]:
        for raw, normalized in value.items():
            if normalized not in PRIORITIES:
                raise ValueError(
                    f"priority {raw!r} maps to {normalized!r}; valid: {', '.join(PRIORITIES)}"
                )
        return value

    def status(self, raw: Any, defaults: Mapping[str, str]) -> str | None:
        """The normalized status of a helpdesk status: config first, then the connector's defaults.

        Returns None for a status neither knows (the connector then yields ``Skipped``).
        """
        text = _as_text(raw)
        if text is None:
            return None
        return self.statuses.get(text) or defaults.get(text) or defaults.get(text.lower())

    def priority(self, raw: Any, defaults: Mapping[str, str]) -> str | None:
        """The normalized priority of a helpdesk priority (None when absent or unknown)."""
        text = _as_text(raw)
        if text is None:
            return None
        return self.priorities.get(text) or defaults.get(text) or defaults.get(text.lower())

    def tier_of(self, record: Any) -> str | None:
        return self.tier.resolve(record) if self.tier is not None else None

    def product_of(self, record: Any) -> str | None:
        return self.product.resolve(record) if self.product is not None else None

    def region_of(self, record: Any) -> str | None:
        return self.region.resolve(record) if self.region is not None else None

    def mapped_fields(self, record: Any) -> dict[str, str]:
        """The extra normalized names of ``fields:`` with their values (absent ones left out)."""
        values = {name: rule.resolve(record) for name, rule in self.fields.items()}
        return {name: value for name, value in values.items() if value is not None}

    def source_paths(self) -> dict[str, str]:
        """Every configured ``from`` path by the key that uses it, for ``check()`` to verify."""
        paths: dict[str, str] = {}
        for name in ("tier", "product", "region"):
            rule = getattr(self, name)
            if rule is not None:
                paths[name] = rule.path
        for name, rule in self.fields.items():
            paths[f"fields.{name}"] = rule.path
        return paths


__all__ = ["ConnectorMapping", "MappingRule", "lookup_path"]
