"""Any connector's fake found by type; the Example's passes the checks every registration must."""

from __future__ import annotations

import pytest

from slabridge.plugins import SlabridgePluginManager, create_plugin_manager, register_plugin
from slabridge.testing import example
from slabridge.testing.registered import (
    NoRegisteredFake,
    StandardFakeTests,
    start_registered_fake,
)


def example_manager() -> SlabridgePluginManager:
    manager = create_plugin_manager()
    manager.loaded = True
    assert register_plugin(manager, example, "example")
    return manager


class TestExampleFake(StandardFakeTests):
    connector_type = "example"

    def plugin_manager(self) -> SlabridgePluginManager:
        return example_manager()


def test_a_type_without_a_registered_fake_is_an_error_naming_the_registered_ones() -> None:
    with pytest.raises(NoRegisteredFake, match=r"'acme' \(registered: example\)"):
        start_registered_fake("acme", manager=example_manager())
