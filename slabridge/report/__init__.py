"""slabridge.report."""
