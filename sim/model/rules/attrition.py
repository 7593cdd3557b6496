"""Ordinary attrition: death by age, retirement, transfer out, rare defection.

Competing risks within the month: a uniform U decides whether anything
happens (U < p = 1 - exp(-H/12) for the summed annual hazard H); given that
it does, U / p is again uniform and picks which cause, in proportion to the
cause hazards. People who already left are followed and can still die.
The holder of an appointed post (the commissar's) neither retires nor
transfers out: only death or a dated decision ends his tenure. Anyone else
still serving at `retirement_age_limit` retires then. The holders of the
other elite posts transfer out at `elite_transfer_out_rate` when it is set
(the rotation of heads of mission and deputies), everyone else at
`transfer_out_rate`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.categories import DEFECTED, DIED, ELITE, RETIRED, TRANSFERRED_OUT
from sim.model.compiled import attrition_month
from sim.model.roster import GONE, LEFT, SERVING

if TYPE_CHECKING:
    from sim.model.state import State
    from sim.scenario.config import Mortality


def death_hazard(state: State, slots: np.ndarray, month: int) -> np.ndarray:
    """Annual Gompertz mortality hazard of the given people in the given month."""
    return _gompertz(state.scenario.attrition.mortality, month - state.roster.birth[slots])


def _gompertz(mortality: Mortality, age_months: np.ndarray) -> np.ndarray:
    """Annual Gompertz mortality hazard at the given ages in months."""
    return np.exp(mortality.log_baseline + mortality.age_slope * (age_months / 12.0))


_CAUSES = ((DIED, GONE), (RETIRED, LEFT), (TRANSFERRED_OUT, LEFT), (DEFECTED, GONE))


class AttritionRule:
    """Ordinary attrition of the serving and the followed, month by month."""

    def __init__(self, state: State) -> None:
        self.config = state.scenario.attrition
        elite_rate = self.config.elite_transfer_out_rate
        if elite_rate is None:  # the elite transfer out as everyone does
            elite_rate = [("1900-01", self.config.transfer_out_rate)]
        self.elite_transfer = state.schedule(elite_rate)
        self._oldest_birth = math.inf  # earliest birth month of anyone on the roster
        self._seen = 0  # roster slots already looked at for it

    def _bound(self, state: State, month: int) -> float:
        """An upper bound, this month, of anyone's probability of leaving or dying."""
        roster = state.roster
        if roster.size > self._seen:
            self._oldest_birth = min(self._oldest_birth, int(roster.birth[self._seen : roster.size].min()))
            self._seen = roster.size
        config, mortality = self.config, self.config.mortality
        oldest_death = math.exp(mortality.log_baseline + mortality.age_slope * (month - self._oldest_birth) / 12.0)
        transfer = max(config.transfer_out_rate, self.elite_transfer.at(month))
        annual = oldest_death + config.retirement_rate + transfer + config.defection_rate_abroad
        return -math.expm1(-annual / 12.0) * 1.001 + 1e-12  # a margin for rounding; `apply` then tests exactly

    def apply(self, state: State, month: int) -> None:
        """Apply one month of ordinary attrition to the serving and the followed."""
        roster = state.roster
        draw = state.streams.uniforms("attrition", month, roster.size)[0]
        if state.compiled:
            self._compiled(state, draw, month)
            self._retire_at_limit(state, month)
            return
        # Only draws under the bound can mean an event: work out the hazards of
        # those few. Everyone else's outcome is "nothing happens" either way.
        maybe = (draw < self._bound(state, month)).nonzero()[0]
        status = roster.status[maybe]
        self._serving(state, maybe[status == SERVING], draw, month)
        followed = maybe[status == LEFT]  # all left in earlier months: attrition is the month's first event
        if len(followed):
            dies = draw[followed] < -np.expm1(-death_hazard(state, followed, month) / 12.0)
            state.record_later_fate(followed[dies], month, "died")
        self._retire_at_limit(state, month)

    def _retire_at_limit(self, state: State, month: int) -> None:
        """Those still serving who have reached the age limit retire (after the month's other exits)."""
        limit = self.config.retirement_age_limit
        if limit is None:
            return
        roster = state.roster
        serving = roster.with_status(SERVING)
        due = serving[(month - roster.birth[serving] >= 12 * limit) & ~state.posts.appointed[roster.post[serving]]]
        state.leave_service(due, month, RETIRED, LEFT)

    def _compiled(self, state: State, draw: np.ndarray, month: int) -> None:
        """`apply` with the per-person work in one compiled loop (sim/model/compiled/attrition.py)."""
        roster, config = state.roster, self.config
        leavers, causes, dying = attrition_month(
            draw,
            self._bound(state, month),
            roster.status,
            roster.birth,
            roster.abroad,
            month,
            config.mortality.log_baseline,
            config.mortality.age_slope,
            12 * config.retirement_age,
            config.retirement_rate,
            config.transfer_out_rate,
            self.elite_transfer.at(month),
            config.defection_rate_abroad,
            roster.rank,
            roster.post,
            state.posts.appointed,
        )
        self._leave(state, leavers, causes, month)
        state.record_later_fate(dying, month, "died")

    def _serving(self, state: State, serving: np.ndarray, draw: np.ndarray, month: int) -> None:
        """Those in service whose draw is low enough to leave: who leaves, and why."""
        roster, config = state.roster, self.config
        age_months = month - roster.birth[serving]
        death = _gompertz(config.mortality, age_months)
        free = ~state.posts.appointed[roster.post[serving]]  # an appointee neither retires nor transfers out
        retirement = (age_months >= 12 * config.retirement_age) * free * config.retirement_rate
        elite = roster.rank[serving] == ELITE
        transfer = free * np.where(elite, self.elite_transfer.at(month), config.transfer_out_rate)
        defection = roster.abroad[serving] * config.defection_rate_abroad
        total = death + retirement + transfer + defection
        probability = -np.expm1(-total / 12.0)
        happens = draw[serving] < probability
        if not happens.any():
            return
        # Given an event (U < p), U / p is again uniform on [0, 1): it picks the cause.
        leavers = serving[happens]
        pick = draw[leavers] / probability[happens] * total[happens]
        to_death = death[happens]
        to_retirement = to_death + retirement[happens]
        to_transfer = to_retirement + transfer[happens]
        cause = (pick >= to_death).astype(np.int8) + (pick >= to_retirement) + (pick >= to_transfer)
        self._leave(state, leavers, cause, month)

    @staticmethod
    def _leave(state: State, leavers: np.ndarray, cause: np.ndarray, month: int) -> None:
        """Take the leavers out of service, cause by cause in the order of _CAUSES."""
        for code in sorted(set(cause.tolist())):
            reason, status = _CAUSES[code]
            state.leave_service(leavers[cause == code], month, reason, status)
