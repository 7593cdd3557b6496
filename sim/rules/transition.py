"""A planned gradual transition (F10): veterans retired at the pace of a plan.

From `start`, over `years`, the planned new-generation share of the posts
rises linearly from its value at the start to `target_share`. Each month the
plan compares the new generation serving, plus the vacancies (every vacancy
chain ends in a recruit, and the plan recruits only the new generation),
with the planned number; if short, it retires that many of the oldest
veterans. Ordinary attrition counts towards the plan, so the plan retires
people only as far as attrition falls behind it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.categories import NEW_GENERATION, RETIRED
from sim.config import month_index
from sim.roster import LEFT, SERVING

if TYPE_CHECKING:
    from sim.engine import Engine


class TransitionRule:
    """The planned-retirement submodel of the gradual-transition scenarios."""

    def __init__(self, engine: Engine) -> None:
        config = engine.scenario.transition
        self.start = month_index(config.start)
        self.months = config.years * 12
        self.target = config.target_share
        self.initial_share: float | None = None

    def planned_share(self, month: int) -> float | None:
        """The planned new-generation share of posts in `month`, or None outside the plan."""
        if month < self.start or self.initial_share is None:
            return None
        progress = min(1.0, (month - self.start) / self.months)
        return self.initial_share + (self.target - self.initial_share) * progress

    def apply(self, engine: Engine, month: int) -> None:
        """Retire the oldest veterans as far as the plan is behind."""
        if month < self.start:
            return
        roster = engine.roster
        serving = roster.with_status(SERVING)
        newcomers = serving[roster.generation[serving] == NEW_GENERATION]
        if self.initial_share is None:
            self.initial_share = len(newcomers) / max(1, len(serving))
        planned = math.ceil(self.planned_share(month) * engine.posts.count)
        expected = len(newcomers) + int(engine.posts.vacant().sum())
        shortfall = planned - expected
        if shortfall <= 0:
            return
        veterans = serving[roster.generation[serving] != NEW_GENERATION]
        oldest = veterans[np.argsort(roster.birth[veterans], kind="stable")[:shortfall]]
        roster.planned_retirement[oldest] = True
        engine.count("planned_retirements", len(oldest))
        engine.leave_service(oldest, month, RETIRED, LEFT)
