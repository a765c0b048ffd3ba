"""The read's estimate: POST /search/approximate-count with the same JQL as the search."""

from __future__ import annotations

from collections.abc import Callable

from jira_support import DC_TOKEN, Clock, request_schema, validate_request
from slabridge_jira.connector import JiraConnector
from slabridge_jira.fake import FakeJira
from slabridge_jira.fake_dc import FakeJiraDataCenter

Make = Callable[..., JiraConnector]


def test_the_estimate_counts_what_the_read_will_search_for(
    fake: FakeJira, make_connector: Make
) -> None:
    for _ in range(4):
        fake.create_issue()
    connector = make_connector()
    assert connector.estimate_changed(None) == 4
    asked = fake.requests_to("POST", "/search/approximate-count")[-1]
    validate_request(asked.json(), request_schema("post", "/rest/api/3/search/approximate-count"))
    list(connector.read(None))
    searched = fake.requests_to("POST", "/search/jql")[0].json()["jql"]
    assert asked.json()["jql"] == searched


def test_a_refused_count_gives_no_estimate(fake: FakeJira, make_connector: Make) -> None:
    fake.inject("5xx", status=500, path="approximate-count", times=20)
    assert make_connector().estimate_changed(None) is None


def test_data_center_estimates_from_the_v2_search_total(clock: Clock) -> None:
    with FakeJiraDataCenter(pat=DC_TOKEN, clock=clock) as server:
        for _ in range(3):
            server.create_issue()
        connector = JiraConnector("dc", server.connector_config())
        assert connector.estimate_changed(None) == 3
        [asked] = server.requests_to("POST", "/rest/api/2/search")
        assert asked.json()["maxResults"] == 0
        connector.close()
