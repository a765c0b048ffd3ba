"""slabridge.commands."""
