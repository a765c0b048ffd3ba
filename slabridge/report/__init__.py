"""Compliance goals, service credits, reports (HTML, CSV, JSON) and backtests of SLA history."""
