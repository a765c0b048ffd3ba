"""Median and nearest-rank p90, worked out by hand."""

from __future__ import annotations

from fractions import Fraction

from slabridge.report.stats import median, percentile_nearest_rank, share


def test_the_median_of_an_odd_count_is_the_middle_value() -> None:
    assert median([300, 100, 200]) == 200


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([100, 400, 200, 300]) == Fraction(250)
    assert median([1, 2]) == Fraction(3, 2)


def test_p90_is_the_smallest_value_with_90_percent_of_values_at_or_below_it() -> None:
    values = list(range(1, 11))  # 1..10: ceil(0.9 * 10) = 9th value
    assert percentile_nearest_rank(values, 90) == 9
    values = list(range(1, 12))  # 1..11: ceil(9.9) = 10th value
    assert percentile_nearest_rank(values, 90) == 10
    assert percentile_nearest_rank([7200, 1800, 2700], 90) == 7200  # ceil(2.7) = 3rd
    assert percentile_nearest_rank([42], 90) == 42


def test_statistics_of_nothing_are_none() -> None:
    assert median([]) is None
    assert percentile_nearest_rank([], 90) is None
    assert share(0, 0) is None
    assert share(2, 3) == Fraction(2, 3)
