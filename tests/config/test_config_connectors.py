"""Tags a connector's helpdesk would refuse are config errors at load (Connector.tag_problem)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

import pytest

from slabridge.config import ConfigError, load_config_text
from slabridge.connectors.base import (
    ChangeSet,
    CheckProblem,
    Connector,
    ConnectorConfig,
    ReadItem,
    Skipped,
    WriteResult,
)
from slabridge.sla.ticket import Ticket

SECRET = "s3cret-policy-name-0042"


class ShortTagConnector(Connector):
    """A helpdesk whose tags hold at most ten characters."""

    type_name: ClassVar[str] = "shorttags"
    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig

    @classmethod
    def tag_problem(cls, tag: str) -> str | None:
        return None if len(tag) <= 10 else f"at most 10 characters (this one has {len(tag)})"

    def check(self) -> list[CheckProblem]:
        return []

    def read(self, cursor: str | None) -> Iterator[ReadItem]:
        return iter(())

    def fetch(self, ticket_ids: Sequence[str]) -> Iterator[Ticket | Skipped]:
        return iter(())

    def apply(self, changes: Sequence[ChangeSet]) -> list[WriteResult]:
        return []


TEXT = """
connectors:
  short: {type: shorttags}
policies:
  - {name: gold, targets: {default: {first_response: 1h}}}
  - {name: enterprise_plus, targets: {default: {first_response: 1h}}}
  - {name: "${PLAN}", targets: {default: {first_response: 1h}}}
actions:
  tags: {breached: BREACHED, at_risk: sla_risk, policy: "sla_{policy}"}
"""


def issues(text: str, **environ: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, connector_types={"shorttags": ShortTagConnector}, environ=environ)
    return [str(issue) for issue in caught.value.issues]


def test_a_tag_and_each_policy_tag_the_helpdesk_refuses_is_named_by_its_key_path() -> None:
    found = issues(TEXT.replace("BREACHED", "sla_breached_now"), PLAN=SECRET)
    assert found == [
        "actions.tags.breached: tag 'sla_breached_now' cannot be written by connector 'short' "
        "(shorttags): at most 10 characters (this one has 16)",
        "actions.tags.policy: the tag of policy 'enterprise_plus' ('sla_enterprise_plus') cannot "
        "be written by connector 'short' (shorttags): at most 10 characters (this one has 19)",
        "actions.tags.policy: the tag of a policy name from the environment cannot be written by "
        "connector 'short' (shorttags): at most 10 characters (this one has 27)",
    ]
    assert not any(SECRET in line for line in found)


def test_tags_from_the_environment_are_checked_but_never_shown() -> None:
    found = issues(TEXT.replace("BREACHED", "'${TAG}'"), PLAN="p", TAG=SECRET)
    assert found[0] == (
        "actions.tags.breached: the tag cannot be written by connector 'short' (shorttags): "
        "at most 10 characters (this one has 23)"
    )
    assert not any(SECRET in line for line in found)


def test_tags_the_helpdesk_accepts_load() -> None:
    text = TEXT.replace("BREACHED", "breached").replace("enterprise_plus", "plus")
    config = load_config_text(
        text, connector_types={"shorttags": ShortTagConnector}, environ={"PLAN": "p"}
    )
    assert config.actions.tags.policy_tag("plus") == "sla_plus"
