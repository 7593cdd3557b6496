"""Bands over replicates: the median and the 10-90% range.

Starsim's `MultiSim.reduce()` gives, for every series, the median of the
replicates and a band between the 10th and 90th percentiles; we do the same
for the tidy monthly series of an ensemble and for scalar outcomes. Quantiles
are numpy's default (linear interpolation between order statistics), with
missing values (NaN) left out; a month or cell where every replicate is NaN
stays NaN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.months import MARKER, month_text, month_value, not_by_horizon

LOW, HIGH = 0.10, 0.90  # the band: 10th and 90th percentiles (Starsim's default)
KEYS = ["date", "measure", "series_group"]


@dataclass(frozen=True)
class Interval:
    """The median of replicate values and their 10-90% band."""

    median: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict:
        """Plain floats, NaN as None (for JSON)."""
        return {name: _plain(getattr(self, name)) for name in ("median", "low", "high")} | {"n": self.n}


def _plain(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


BOUNDS = ("median", "low", "high")
MONTH_KINDS = ("month", "month_diff")  # a month outcome, and a paired difference of two (in months)


def interval_fields(value: Interval, kind: str = "", columns: bool = False) -> dict:
    """An interval for a file: median, low, high and n, with no infinite number (sim/months.py).

    Args:
        value: the interval.
        kind: the outcome's kind. "month": each bound as "YYYY-MM" or None, with its marker
            (`median_not_by_horizon` ...: True when the event did not happen by the horizon). "month_diff":
            each bound in months or None, with the same markers (True: not by the horizon in either
            scenario). Other kinds: numbers, NaN as None.
        columns: the form of a CSV row: the year-months of a "month" outcome in median_month, low_month and
            high_month, so that median, low and high hold numbers only.
    """
    if kind not in MONTH_KINDS:
        return value.as_dict()
    fields: dict = {}
    for bound in BOUNDS:
        number = getattr(value, bound)
        if kind == "month":
            month = month_value(number)
            fields |= {bound: None, f"{bound}_month": month} if columns else {bound: month}
        else:
            fields[bound] = None if math.isnan(number) or math.isinf(number) else float(number)
    fields["n"] = value.n
    for bound in BOUNDS:
        fields[bound + MARKER] = not_by_horizon(getattr(value, bound))
    return fields


def interval(values: Iterable[float], low: float = LOW, high: float = HIGH, discrete: bool = False) -> Interval:
    """Median and band of scalar replicate values, ignoring NaN.

    Infinite values are kept (an event that never happened sorts last). For
    `discrete` values (months) and whenever an infinite value is present,
    quantiles are order statistics ("inverted_cdf"), so that no
    interpolation invents a month between two or mixes a date with "never".
    """
    array = np.asarray(list(values), dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    method = "inverted_cdf" if discrete or np.isinf(array).any() else "linear"
    median, lo, hi = np.quantile(array, [0.5, low, high], method=method)
    return Interval(float(median), float(lo), float(hi), int(array.size))


def replicate_matrix(timeseries: Sequence[pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    """Stack replicate series: the (date, measure, series_group) keys, with the unit, and a rows x replicates matrix.

    Every replicate of an ensemble has the same keys in the same order (same
    scenario, same horizon); this is checked, not assumed.
    """
    if not timeseries:
        raise ValueError("no replicates to reduce")
    keys = timeseries[0][[*KEYS, *(["unit"] if "unit" in timeseries[0] else [])]].reset_index(drop=True)
    columns = []
    for number, frame in enumerate(timeseries):
        if len(frame) != len(keys) or not (frame["date"].to_numpy() == keys["date"].to_numpy()).all():
            raise ValueError(f"replicate {number} has series of a different shape from replicate 0")
        columns.append(frame["value"].to_numpy(float))
    return keys, np.column_stack(columns)


def reduce_timeseries(timeseries: Sequence[pd.DataFrame], low: float = LOW, high: float = HIGH) -> pd.DataFrame:
    """Median and band of every monthly series across replicates.

    Args:
        timeseries: the tidy frames (date, measure, series_group, unit, value) of the replicates.
        low: the band's lower quantile (default 10%).
        high: the band's upper quantile (default 90%).

    Returns:
        A tidy frame with columns date, measure, series_group, unit (if the series have it), median, low, high, n
        (n = replicates with a value that month).
    """
    keys, matrix = replicate_matrix(timeseries)
    present = ~np.isnan(matrix)
    n = present.sum(axis=1)
    quantiles = np.full((matrix.shape[0], 3), np.nan)
    rows = n > 0
    if rows.any():
        quantiles[rows] = np.nanquantile(matrix[rows], [0.5, low, high], axis=1).T
    bands = keys.copy()
    bands["median"], bands["low"], bands["high"] = quantiles[:, 0], quantiles[:, 1], quantiles[:, 2]
    bands["n"] = n
    return bands


def band_series(bands: pd.DataFrame, measure: str, series_group: str = "all") -> pd.DataFrame:
    """One banded series (median, low, high) indexed by date."""
    rows = bands[(bands["measure"] == measure) & (bands["series_group"] == series_group)]
    if rows.empty:
        raise KeyError(f"no series {measure}/{series_group} in the bands")
    return rows.set_index("date")[["median", "low", "high"]]


def format_value(kind: str, value: float) -> str:
    """One number for a table, by kind of outcome."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "month":
        return month_text(value)
    if kind == "share":
        return f"{value:.0%}"
    if kind == "years":
        return f"{value:.1f}"
    if kind == "month_diff":
        return "not by the horizon" if math.isinf(value) else f"{value:+.0f} months"
    if kind == "share_diff":
        return f"{value * 100:+.0f} pp"
    if kind == "years_diff":
        return f"{value:+.1f}"
    if kind == "count_diff":
        return f"{value:+.0f}"
    return f"{value:.0f}"


def format_interval(kind: str, value: Interval) -> str:
    """The median and band as "median (low to high)", or one value when the band is a point."""
    if value.n == 0:
        return "n/a"
    median = format_value(kind, value.median)
    low, high = format_value(kind, value.low), format_value(kind, value.high)
    if kind in ("month", "month_diff") and math.isinf(value.median):
        return "not by the horizon"
    if low == high == median:
        return median
    if kind in ("month", "month_diff") and math.isinf(value.high):
        high = "beyond the horizon"
    return f"{median} ({low} to {high})"
