"""Quantiles from histogram buckets, the way Prometheus' ``histogram_quantile`` estimates them.

Pure, so both worlds share it: the live Kong ``/metrics`` source (adapters/metrics_codec.py)
and the rehearsal's Kong and Prometheus measurements (sim/measure.py) estimate a window's
quantiles from the same buckets with the same interpolation, so a bucket's width is the
same error bound in both. Algorithm: Prometheus promql/quantile.go ``bucketQuantile``.
"""

from __future__ import annotations

import math
from typing import Mapping


def histogram_quantile(q: float, buckets: Mapping[float, float]) -> float:
    """Prometheus' ``histogram_quantile``: linear inside the bucket; the top finite bound for +Inf."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]] if bounds else 0.0
    if total <= 0:
        return 0.0
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for le in bounds:
        count = buckets[le]
        if count >= rank:
            if math.isinf(le):
                return lower_bound
            if count == lower_count:
                return le
            return lower_bound + (le - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = le, count
    return lower_bound
