"""Monthly records: stocks on the first of each month, flows during it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.categories import ELITE, EXIT_REASONS, GENERATIONS, JUNIOR, LATER_FATES, MIDDLE, POSTINGS, RANKS
from sim.roster import SERVING

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


class Recorder:
    """Collects one row of stocks and one of flows per simulated month."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.months: list[int] = []
        self.stocks: list[dict[str, float]] = []
        self.flows: list[dict[str, float]] = []

    def record_stocks(self, month: int) -> None:
        """Measure the institution as it stands on the first of `month`."""
        engine = self.engine
        roster, posts, mentoring = engine.roster, engine.posts, engine.scenario.mentoring
        serving = roster.with_status(SERVING)
        rank = roster.rank[serving]
        generation = roster.generation[serving]
        service = month - roster.entry[serving]
        row: dict[str, float] = {}
        counts = np.bincount(rank.astype(np.int64) * len(GENERATIONS) + generation, minlength=len(RANKS) * len(GENERATIONS))
        for r, rank_name in enumerate(RANKS):
            for g, generation_name in enumerate(GENERATIONS):
                row[f"staff:{rank_name}:{generation_name}"] = float(counts[r * len(GENERATIONS) + g])
        abroad = roster.abroad[serving]
        row[f"posting:{POSTINGS[0]}"] = float((~abroad).sum())
        row[f"posting:{POSTINGS[1]}"] = float(abroad.sum())
        vacant = posts.vacant()
        for r, rank_name in enumerate(RANKS):
            row[f"vacant:{rank_name}"] = float((vacant & (posts.rank == r)).sum())
        row["heads_of_mission_vacant"] = float((vacant & (posts.rank == ELITE) & posts.abroad).sum())
        elite = rank == ELITE
        row["service:all"] = float(service.mean()) if len(service) else np.nan
        row["service:elite"] = float(service[elite].mean()) if elite.any() else np.nan
        row["mentored_junior_share"] = self._mentored_share(serving, rank, service, mentoring.mentor_min_service_months)
        competence = np.minimum(1.0, service / mentoring.full_competence_months)
        row["experience_capacity"] = float(competence.sum() / posts.count)
        self.months.append(month)
        self.stocks.append(row)

    def _mentored_share(self, serving: np.ndarray, rank: np.ndarray, service: np.ndarray, mentor_months: int) -> float:
        """Share of junior staff whose unit has a veteran (mentor) at middle or elite rank."""
        units = self.engine.roster.unit[serving]
        juniors = rank == JUNIOR
        if not juniors.any():
            return np.nan
        mentors = (rank <= MIDDLE) & (service >= mentor_months)
        has_mentor = np.bincount(units[mentors], minlength=self.engine.posts.unit_count) > 0
        return float(has_mentor[units[juniors]].mean())

    def record_flows(self, month: int) -> None:
        """Store the month's flow counters."""
        flows = self.engine.flows
        self.flows.append({key: float(flows.get(key, 0)) for key in FLOW_KEYS})
