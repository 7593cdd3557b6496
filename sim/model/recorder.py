"""Monthly records: stocks on the first of each month, flows during it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.categories import EXIT_REASONS, GENERATIONS, LATER_FATES, POSTINGS, RANKS
from sim.model.stocks import stock_rows

if TYPE_CHECKING:
    from sim.model.state import State

FLOW_KEYS = (
    *(f"exit:{reason}" for reason in EXIT_REASONS[1:]),
    *(f"later:{fate}" for fate in LATER_FATES[1:]),
    "recruits:veterans",
    "recruits:new_generation",
    "promotions",
    "recalls",
    "planned_retirements",
)


STOCK_KEYS = (
    *(f"staff:{rank}:{generation}" for rank in RANKS for generation in GENERATIONS),
    *(f"posting:{posting}" for posting in POSTINGS),
    *(f"vacant:{rank}" for rank in RANKS),
    "heads_of_mission_vacant",
    "service:all",
    "service:elite",
    "mentored_junior_share",
    "experience_capacity",
)


class Recorder:
    """Collects one row of stocks and one of flows per simulated month.

    Rows are plain numbers in the order of `STOCK_KEYS` and `FLOW_KEYS`;
    `sim.records.run_records` turns them into frames. Flows are counted as they happen;
    stocks are measured from the post spells when first read (sim/model/stocks.py).
    """

    def __init__(self, state: State) -> None:
        self.state = state
        self.months: list[int] = []
        self.flows: list[list[float]] = []
        self._stocks: list[list[float]] = []  # rows of the first len(self._stocks) months, measured so far

    def record_stocks(self, month: int) -> None:
        """Mark the first of `month` as a stock date; the stocks are measured from the post spells when read."""
        self.months.append(month)

    @property
    def stocks(self) -> list[list[float]]:
        """One row per recorded month, in the order of `STOCK_KEYS` (do not modify)."""
        if len(self._stocks) != len(self.months):
            # Rows of earlier months never change (later events cannot reach back), but
            # measuring all months at once is one pass, so they are measured again.
            self._stocks = stock_rows(self.state, self.months)
        return self._stocks

    def record_flows(self, month: int) -> None:
        """Store the month's flow counters."""
        flows = self.state.flows
        self.flows.append([flows.get(key, 0) for key in FLOW_KEYS])
