"""The status field of Freshdesk's ticket-fields API: both choice shapes become StatusChoices."""

from __future__ import annotations

from slabridge_freshdesk.fake_payloads import status_field
from slabridge_freshdesk.statuses import StatusChoice, parse_status_choices, status_choices


def test_choice_objects_carry_the_sla_timer_setting() -> None:
    field = status_field({6: ("Waiting on Customer", True), 7: ("In progress", False)})
    parsed = status_choices([{"name": "priority", "type": "default_priority"}, field])
    assert parsed[3] == StatusChoice(3, "Pending", stops_sla_timer=True)
    assert parsed[6] == StatusChoice(6, "Waiting on Customer", stops_sla_timer=True)
    assert parsed[7] == StatusChoice(7, "In progress", stops_sla_timer=False)
    assert sorted(parsed) == [2, 3, 4, 5, 6, 7]


def test_the_older_object_shape_with_the_number_as_value_is_understood() -> None:
    choices = [
        {"value": 6, "label": "Waiting on Third Party", "stop_sla_timer": True, "deleted": False},
        {"value": "7", "label": "Triage", "customer_display_name": "Being Processed"},
    ]
    assert parse_status_choices(choices) == {
        6: StatusChoice(6, "Waiting on Third Party", True),
        7: StatusChoice(7, "Triage", None),
    }


def test_the_plain_map_names_statuses_but_leaves_their_timer_unknown() -> None:
    field = status_field({6: ("Waiting on Customer", True)}, shape="map")
    assert field["choices"]["6"] == ["Waiting on Customer", "Waiting on Customer"]
    parsed = status_choices([field])
    assert parsed[6] == StatusChoice(6, "Waiting on Customer", None)
    assert parsed[2].name == "Open"


def test_unusable_entries_are_ignored_and_no_status_field_means_no_statuses() -> None:
    assert parse_status_choices([{"label": "no number"}, "text", {"id": True}]) == {}
    assert parse_status_choices({"x": ["Not a number"], "8": []}) == {}
    assert parse_status_choices(None) == {}
    assert status_choices([{"name": "cf_x", "type": "custom_text"}, None]) == {}
