"""A gradual transition (F10) as a policy: whom the institution recruits and when veterans retire.

F10 (Uldricks 1977) says the new generation would have dominated without
the purge "only gradually (as was the case before 1937)", the new men
beginning "in lesser positions" and trained "under the tutelage of veteran
diplomats". The policy sets only what an institution controls; the share of
the new generation, the month it becomes a majority and the experience kept
are outcomes of the run.

From `transition.start`:

- **Recruitment quota.** `new_generation_recruits_per_year` new-generation
  recruits a year, due month by month: by the end of the k-th month of the
  policy ⌊quota·k/12⌋ are due. Each month the recruits who arrive are of the
  new-generation profile (F6) as far as the new-generation recruits since
  `start` fall short of what is due; the others are drawn as ever, with the
  scenario's ordinary `replacement.new_generation_share`, from the same
  draws. A quota that vacancies cannot fill waits for later vacancies.
- **Veterans' retirement.** Veterans, anyone serving who is not of the new
  generation (sim/model/generations.py), retire (exit reason `retired`, flagged
  `planned_retirement`) once at or beyond `veteran_retirement_age` or
  `veteran_retirement_service_years` of service (either rule may be None,
  off); with `veteran_retirements_per_year`, at most that many a year, due
  month by month like the quota, oldest first (those over the limit wait
  their turn). The holder of an appointed post (the commissar's) is exempt,
  as from ordinary retirement.

Which posts recruits enter and how long they serve before promotion are the
replacement rule's `outside_entry` and `min_months_in_rank` (the gradual
scenarios close elite and middle posts to outsiders from 1937: F10's "lesser
positions", with training before promotion). The posts are a fixed
structure (sim/model/posts.py), so the policy does not grow the corps. Documented:
the direction (new men from below, trained under veterans, gradually, F10).
Assumptions: every number of the policy (the quota, the retirement age and
service, the cap) and its start; the rule is deterministic and draws no
random numbers of its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.categories import NEW_GENERATION, NEW_GENERATION_PROFILE, RETIRED
from sim.model.roster import LEFT, SERVING
from sim.scenario.config import month_index

if TYPE_CHECKING:
    from sim.model.state import State

_ROUNDING = 1e-9  # so that a quota due in whole numbers (30 a year after 12 months) is not lost to rounding


def due(per_year: float, months: int) -> int:
    """How many of a yearly number are due after `months` months of the policy."""
    return math.floor(per_year * months / 12 + _ROUNDING)


class TransitionRule:
    """The transition policy of the gradual-transition scenarios."""

    def __init__(self, state: State) -> None:
        config = state.scenario.transition
        self.config = config
        self.start = max(month_index(config.start), state.start)  # the policy acts only in simulated months
        self.retirement_age = None if config.veteran_retirement_age is None else 12 * config.veteran_retirement_age
        years = config.veteran_retirement_service_years
        self.retirement_service = None if years is None else 12 * years

    def new_generation_recruits(self, state: State, month: int, ordinary: np.ndarray) -> np.ndarray:
        """Which of this month's recruits, in the order they arrive, have the new-generation profile.

        `ordinary` is the ordinary draw (recruit i is of the new generation if
        its uniform is below `replacement.new_generation_share`). From the
        start the first recruits are of the new generation as far as the
        quota due by the end of this month is not yet met; the rest keep the
        ordinary draw.
        """
        quota = self.config.new_generation_recruits_per_year
        if month < self.start or quota == 0:
            return ordinary
        roster = state.roster
        recruited = np.count_nonzero((roster.view("entry") >= self.start) & (roster.view("profile") == NEW_GENERATION_PROFILE))
        owed = due(quota, month - self.start + 1) - recruited
        if owed <= 0:
            return ordinary
        chosen = ordinary.copy()
        chosen[:owed] = True
        return chosen

    def apply(self, state: State, month: int) -> None:
        """Retire the veterans the policy retires this month."""
        if month < self.start or (self.retirement_age is None and self.retirement_service is None):
            return
        roster = state.roster
        serving = roster.with_status(SERVING)
        veterans = serving[(roster.generation[serving] != NEW_GENERATION) & ~state.posts.appointed[roster.post[serving]]]
        eligible = np.zeros(len(veterans), dtype=bool)
        if self.retirement_age is not None:
            eligible |= month - roster.birth[veterans] >= self.retirement_age
        if self.retirement_service is not None:
            eligible |= month - roster.entry[veterans] >= self.retirement_service
        retiring = veterans[eligible]
        cap = self.config.veteran_retirements_per_year
        if cap is not None:
            allowed = max(0, due(cap, month - self.start + 1) - int(np.count_nonzero(roster.view("planned_retirement"))))
            # Oldest first (earliest birth month), then the longest-serving, then slot order.
            retiring = retiring[np.lexsort((retiring, roster.entry[retiring], roster.birth[retiring]))[:allowed]]
        if len(retiring) == 0:
            return
        roster.planned_retirement[retiring] = True
        state.count("planned_retirements", len(retiring))
        state.leave_service(retiring, month, RETIRED, LEFT)
