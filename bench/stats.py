"""Percentiles of measured latencies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct % of values at or below."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """p50/p99 of one scenario, in milliseconds."""

    p50: float
    p99: float
    samples: int

    @classmethod
    def of(cls, values_ms: Sequence[float]) -> Latency:
        return cls(percentile(values_ms, 50), percentile(values_ms, 99), len(values_ms))

    def text(self) -> str:
        return f"p50 {fmt_ms(self.p50)} / p99 {fmt_ms(self.p99)}"


def fmt_ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def fmt_count(value: float) -> str:
    return f"{value:,.0f}"


def rate_of(*totals: list[float]) -> float:
    """Per second over several (count, seconds) totals together."""
    return sum(t[0] for t in totals) / sum(t[1] for t in totals)
