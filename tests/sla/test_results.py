"""What the engine returns: the metric names as data and as a type agree."""

from __future__ import annotations

from typing import get_args

from slabridge.sla.results import METRICS, MetricName


def test_the_metric_type_names_every_metric_in_order() -> None:
    assert get_args(MetricName) == METRICS, "goals:/credits: must accept every metric"
