"""A planned gradual transition (F10): the new generation brought in at a set pace.

From `start`, over `years`, the planned new-generation share of the posts
rises linearly from its value at the start to `target_share`, and is held
there afterwards. Each month the plan aims at the share due on the first
of next month, measured like the records measure it (new generation over
staff serving). It counts the recruits who will arrive this month (the
queue ready after the recruitment lag, within capacity) and sets the share
of them with the new-generation profile to what the plan needs (at most 1;
0 when the plan is ahead, so recruits are then of the veterans' profile).
If even all of them would not do, it retires the oldest veterans, as many
as needed for the share. Ordinary attrition counts towards the plan, so it
retires people only as far as attrition falls behind it.
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
        """Set this month's recruits' mix and retire the oldest veterans as far as the plan needs."""
        if month < self.start:
            return
        roster = engine.roster
        serving = roster.with_status(SERVING)
        is_new = roster.generation[serving] == NEW_GENERATION
        newcomers = int(is_new.sum())
        if self.initial_share is None:
            self.initial_share = newcomers / max(1, len(serving))
        # Aim at the share the records will show on the first of next month.
        share = self.planned_share(month + 1)
        arriving = engine.replacement.arrivals(engine, month)
        needed = math.ceil(share * (len(serving) + arriving) - newcomers)
        self._recruit_share = 1.0 if arriving == 0 else min(1.0, max(0.0, needed / arriving))
        if needed <= arriving or share <= 0:
            return
        # Even with every arrival of the new generation the plan falls short:
        # retire k veterans so that (newcomers + arriving) / (serving + arriving - k) >= share.
        excess = math.ceil(len(serving) + arriving - (newcomers + arriving) / share)
        veterans = serving[~is_new]
        oldest = veterans[np.argsort(roster.birth[veterans], kind="stable")[: max(0, excess)]]
        roster.planned_retirement[oldest] = True
        engine.count("planned_retirements", len(oldest))
        engine.leave_service(oldest, month, RETIRED, LEFT)
