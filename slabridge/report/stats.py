"""Exact statistics for reports: shares as fractions, the median and the nearest-rank p90."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def share(part: int, whole: int) -> Fraction | None:
    """`part / whole` exactly; None when there is nothing to divide."""
    return Fraction(part, whole) if whole else None


def median(values: Sequence[int]) -> Fraction | None:
    """The middle value of the sorted values; the mean of the two middle ones for an even count."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def percentile_nearest_rank(values: Sequence[int], percent: int) -> int | None:
    """The nearest-rank percentile: the smallest value with at least `percent`% of values <= it.

    For p90 of n values that is the ceil(0.9 * n)-th smallest (1-based), an observed value.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)  # ceil without floats
    return ordered[max(rank, 1) - 1]


__all__ = ["median", "percentile_nearest_rank", "share"]
