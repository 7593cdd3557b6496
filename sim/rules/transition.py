"""A planned gradual transition (F10): the new generation brought in at a set pace.

From `start`, over `years`, the planned new-generation share of the posts
rises linearly from its value at the start to `target_share`, and is held
there afterwards. Each month the plan compares the new generation serving
with the planned number. The shortfall is met first through the open
vacancies (every vacancy chain ends in an outside recruit): the plan sets
the share of this month's recruits who have the new-generation profile to
shortfall / vacancies (at most 1; 0 when the plan is ahead, so recruits are
then of the veterans' profile). If the shortfall exceeds the vacancies, the
plan retires that many of the oldest veterans. Ordinary attrition counts
towards the plan, so it retires people only as far as attrition falls
behind it.
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
    """The planned-transition submodel of the gradual-transition scenarios."""

    def __init__(self, engine: Engine) -> None:
        config = engine.scenario.transition
        self.start = month_index(config.start)
        self.months = config.years * 12
        self.target = config.target_share
        self.initial_share: float | None = None
        self._recruit_share: float | None = None

    def planned_share(self, month: int) -> float | None:
        """The planned new-generation share of posts in `month`, or None before the plan."""
        if month < self.start or self.initial_share is None:
            return None
        progress = min(1.0, (month - self.start) / self.months)
        return self.initial_share + (self.target - self.initial_share) * progress

    def recruit_share(self, month: int) -> float | None:
        """Share of this month's recruits with the new-generation profile, or None before the plan."""
        return self._recruit_share if month >= self.start else None

    def apply(self, engine: Engine, month: int) -> None:
        """Retire the oldest veterans as far as the plan is behind; set the recruits' mix."""
        if month < self.start:
            return
        roster = engine.roster
        serving = roster.with_status(SERVING)
        is_new = roster.generation[serving] == NEW_GENERATION
        if self.initial_share is None:
            self.initial_share = float(is_new.sum()) / max(1, len(serving))
        shortfall = math.ceil(self.planned_share(month) * engine.posts.count) - int(is_new.sum())
        vacancies = int(engine.posts.vacant().sum())
        if shortfall > vacancies:
            veterans = serving[~is_new]
            oldest = veterans[np.argsort(roster.birth[veterans], kind="stable")[: shortfall - vacancies]]
            roster.planned_retirement[oldest] = True
            engine.count("planned_retirements", len(oldest))
            engine.leave_service(oldest, month, RETIRED, LEFT)
            vacancies += len(oldest)
        self._recruit_share = 1.0 if vacancies == 0 else min(1.0, max(0.0, shortfall / vacancies))
