"""Monthly records: stocks on the first of each month, flows during it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.categories import ELITE, EXIT_REASONS, GENERATIONS, JUNIOR, LATER_FATES, POSTINGS, RANKS
from sim.posts import NO_ONE

if TYPE_CHECKING:
    from sim.engine import Engine

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

    Rows are kept as plain numbers in the order of `STOCK_KEYS` and
    `FLOW_KEYS`; `sim.records` turns them into frames at the end.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.months: list[int] = []
        self.stocks: list[list[float]] = []
        self.flows: list[list[float]] = []
        posts = engine.posts
        # A post's class for counting headcounts and vacancies: 2 x rank + 1 if abroad.
        self._post_class = 2 * posts.rank.astype(np.int64) + posts.abroad
        self._posts_by_class = np.bincount(self._post_class, minlength=2 * len(RANKS)).tolist()
        self._rank_offset = posts.rank.astype(np.int64) * len(GENERATIONS)  # a post's first staff-table cell
        self._unit_count = posts.unit_count

    def record_stocks(self, month: int) -> None:
        """Measure the institution as it stands on the first of `month`."""
        engine = self.engine
        roster, posts, mentoring = engine.roster, engine.posts, engine.scenario.mentoring
        # Everyone in service holds exactly one post: read the staff through the posts they hold.
        held = (posts.holder != NO_ONE).nonzero()[0]
        people = posts.holder[held]
        count = len(people)
        rank = posts.rank[held]
        service = month - roster.entry[people]
        row = np.bincount(self._rank_offset[held] + roster.generation[people], minlength=len(RANKS) * len(GENERATIONS)).tolist()
        held_by_class = np.bincount(self._post_class[held], minlength=2 * len(RANKS)).tolist()
        vacant_by_class = [total - taken for total, taken in zip(self._posts_by_class, held_by_class, strict=True)]
        service_by_rank = np.bincount(rank, weights=service, minlength=len(RANKS)).tolist()  # sums of whole months: exact
        elite_count = sum(row[: len(GENERATIONS)])  # ELITE is rank 0
        abroad = sum(held_by_class[1::2])
        full = mentoring.full_competence_months
        row += (count - abroad, abroad, *(vacant_by_class[2 * r] + vacant_by_class[2 * r + 1] for r in range(len(RANKS))))
        row += (
            vacant_by_class[2 * ELITE + 1],  # heads of mission: the elite posts abroad
            sum(service_by_rank) / count if count else np.nan,
            service_by_rank[ELITE] / elite_count if elite_count else np.nan,
            self._mentored_share(posts.unit[held], rank, service, mentoring.mentor_min_service_months),
            np.minimum(service, full).sum() / full / posts.count,
        )
        self.months.append(month)
        self.stocks.append(row)

    def _mentored_share(self, units: np.ndarray, rank: np.ndarray, service: np.ndarray, mentor_months: int) -> float:
        """Share of junior staff whose unit has a veteran (mentor) at middle or elite rank."""
        juniors = rank == JUNIOR
        junior_units = units[juniors]
        if len(junior_units) == 0:
            return np.nan
        has_mentor = np.zeros(self._unit_count, dtype=bool)
        has_mentor[units[~juniors & (service >= mentor_months)]] = True  # ranks above junior: middle and elite
        return np.count_nonzero(has_mentor[junior_units]) / len(junior_units)

    def record_flows(self, month: int) -> None:
        """Store the month's flow counters."""
        flows = self.engine.flows
        self.flows.append([flows.get(key, 0) for key in FLOW_KEYS])
