"""The pure SLA engine: no I/O, no clock; ``now`` is always an argument."""
