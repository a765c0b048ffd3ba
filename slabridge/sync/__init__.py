"""slabridge.sync."""
