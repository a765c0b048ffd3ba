"""The shared mapping block: statuses, priorities and where tier, product and region come from."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from slabridge.connectors.mapping import ConnectorMapping, MappingRule, lookup_path

RECORD = {
    "status": "hold",
    "priority": 4,
    "tags": ["newsletter", "emea", "vip"],
    "organization": {"tier": "enterprise", "name": "Acme"},
    "custom_field": {"360001234": "billing", "cf.region": "EU"},
    "custom_fields": [{"id": 1, "value": "x"}],
}


def rule(**values: object) -> MappingRule:
    return MappingRule.model_validate(values)


def test_lookup_path_follows_mappings_lists_and_dotted_keys() -> None:
    assert lookup_path(RECORD, "organization.tier") == "enterprise"
    assert lookup_path(RECORD, "custom_fields.0.value") == "x"
    assert lookup_path(RECORD, "custom_field.cf.region") == "EU"
    assert lookup_path(RECORD, "organization.missing") is None
    assert lookup_path(RECORD, "custom_fields.5.value") is None
    assert lookup_path(RECORD, "status.deeper") is None


def test_a_rule_translates_values_and_falls_back_to_its_default() -> None:
    tier = rule(**{"from": "organization.tier", "values": {"enterprise": "gold"}, "default": "std"})
    assert tier.resolve(RECORD) == "gold"
    assert tier.resolve({"organization": {"tier": "startup"}}) == "std"
    assert tier.resolve({}) == "std"


def test_a_rule_without_values_passes_the_raw_value_through_as_text() -> None:
    assert rule(**{"from": "priority"}).resolve(RECORD) == "4"
    assert rule(**{"from": "organization.name"}).resolve(RECORD) == "Acme"
    assert rule(**{"from": "nothing"}).resolve(RECORD) is None


def test_a_rule_over_a_list_takes_the_first_listed_element() -> None:
    region = rule(**{"from": "tags", "values": {"emea": "EMEA", "apac": "APAC"}, "default": "US"})
    assert region.resolve(RECORD) == "EMEA"
    assert region.resolve({"tags": ["other"]}) == "US"


def test_a_rule_with_an_id_reads_that_custom_field() -> None:
    product = rule(**{"from": "custom_field", "id": 360001234})
    assert product.path == "custom_field.360001234"
    assert product.resolve(RECORD) == "billing"


def test_mapping_merges_config_over_connector_defaults() -> None:
    mapping = ConnectorMapping.model_validate({"statuses": {"hold": "pending"}})
    defaults = {"hold": "on_hold", "open": "open"}
    assert mapping.status("hold", defaults) == "pending"
    assert mapping.status("OPEN", defaults) == "open"
    assert mapping.status("weird", defaults) is None
    assert mapping.priority(4, {"4": "urgent"}) == "urgent"
    assert mapping.priority(None, {"4": "urgent"}) is None


def test_mapping_resolves_tier_product_region_and_extra_fields() -> None:
    mapping = ConnectorMapping.model_validate(
        {
            "tier": {"from": "organization.tier"},
            "region": {"from": "tags", "values": {"emea": "EMEA"}},
            "fields": {"team": {"from": "organization.name"}, "none": {"from": "nope"}},
        }
    )
    assert mapping.tier_of(RECORD) == "enterprise"
    assert mapping.product_of(RECORD) is None
    assert mapping.region_of(RECORD) == "EMEA"
    assert mapping.mapped_fields(RECORD) == {"team": "Acme"}
    assert mapping.source_paths() == {
        "tier": "organization.tier",
        "region": "tags",
        "fields.team": "organization.name",
        "fields.none": "nope",
    }


def test_an_unknown_normalized_status_is_an_error_listing_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match="status 'hold' maps to 'paused'; valid: new, open"):
        ConnectorMapping.model_validate({"statuses": {"hold": "paused"}})
    with pytest.raises(ValidationError, match="valid: low, normal, high, urgent"):
        ConnectorMapping.model_validate({"priorities": {"1": "critical"}})


def test_unknown_keys_in_a_rule_or_mapping_are_errors() -> None:
    with pytest.raises(ValidationError):
        ConnectorMapping.model_validate({"tier": {"form": "organization.tier"}})
    with pytest.raises(ValidationError):
        ConnectorMapping.model_validate({"teir": {"from": "x"}})
