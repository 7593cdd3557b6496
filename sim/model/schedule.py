"""Piecewise-linear schedules of dated knots, evaluated by month index."""

from __future__ import annotations

import numpy as np

from sim.scenario.config import month_index


class PiecewiseSchedule:
    """A value over time: linear between knots, constant before the first and after the last."""

    def __init__(self, knots: list[tuple[str, float]], months: tuple[int, int] | None = None) -> None:
        """`months` (first, last month index), if given, are tabulated once so that `at` is a look-up."""
        self.months = np.array([month_index(date) for date, _ in knots], dtype=float)
        self.values = np.array([value for _, value in knots], dtype=float)
        self._first = 0
        self._table: list[float] = []
        if months is not None:
            self._first = months[0]
            self._table = np.interp(np.arange(months[0], months[1] + 1), self.months, self.values).tolist()

    def at(self, month: int) -> float:
        """Return the value in the given month index."""
        offset = month - self._first
        if 0 <= offset < len(self._table):
            return self._table[offset]
        return float(np.interp(month, self.months, self.values))

    def first_positive_month(self) -> int | None:
        """Return the first month index at which the value is above zero (None if never).

        A schedule positive at its first knot counts as starting at that knot.
        """
        if self.values[0] > 0:
            return int(self.months[0])
        for k in range(1, len(self.values)):
            if self.values[k] > 0:
                return int(self.months[k - 1]) + 1
        return None
