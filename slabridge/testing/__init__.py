"""slabridge.testing."""
