"""Alerts from SLA events: a durable notification outbox and its delivery (issue #20)."""
