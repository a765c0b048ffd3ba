"""The fake this plugin registers (register_fakes) gives the demo and init what they need."""

from __future__ import annotations

from slabridge.testing.registered import StandardFakeTests


class TestJiraRegisteredFake(StandardFakeTests):
    connector_type = "jira"
