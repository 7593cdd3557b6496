"""Ordinary attrition: death by age, retirement, transfer out, rare defection.

Competing risks within the month: a uniform U decides whether anything
happens (U < p = 1 - exp(-H/12) for the summed annual hazard H); given that
it does, U / p is again uniform and picks which cause, in proportion to the
cause hazards. People who already left are followed and can still die.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.categories import DEFECTED, DIED, RETIRED, TRANSFERRED_OUT
from sim.roster import GONE, LEFT, SERVING

if TYPE_CHECKING:
    from sim.engine import Engine


def death_hazard(engine: Engine, slots: np.ndarray, month: int) -> np.ndarray:
    """Annual Gompertz mortality hazard of the given people in the given month."""
    mortality = engine.scenario.attrition.mortality
    age = (month - engine.roster.birth[slots]) / 12.0
    return np.exp(mortality.log_baseline + mortality.age_slope * age)


_CAUSES = ((DIED, GONE), (RETIRED, LEFT), (TRANSFERRED_OUT, LEFT), (DEFECTED, GONE))


def ordinary_attrition(engine: Engine, month: int) -> None:
    """Apply one month of ordinary attrition to the serving and the followed."""
    roster = engine.roster
    config = engine.scenario.attrition
    draw = engine.streams.uniforms("attrition", month, roster.size)[0]

    serving = roster.with_status(SERVING)
    death = death_hazard(engine, serving, month)
    retirement = np.where(month - roster.birth[serving] >= 12 * config.retirement_age, config.retirement_rate, 0.0)
    defection = np.where(roster.abroad[serving], config.defection_rate_abroad, 0.0)
    total = death + retirement + config.transfer_out_rate + defection
    probability = -np.expm1(-total / 12.0)
    happens = draw[serving] < probability
    if happens.any():
        # Only the few with an event: the cause in proportion to the cause hazards.
        # Given an event (U < p), U / p is again uniform on [0, 1): it picks the cause.
        leavers = serving[happens]
        pick = draw[leavers] / probability[happens] * total[happens]
        to_death = death[happens]
        to_retirement = to_death + retirement[happens]
        to_transfer = to_retirement + config.transfer_out_rate
        cause = (pick >= to_death).astype(np.int8) + (pick >= to_retirement) + (pick >= to_transfer)
        for code, (reason, status) in enumerate(_CAUSES):
            engine.leave_service(leavers[cause == code], month, reason, status)

    followed = roster.with_status(LEFT)
    # Only those who left before this month: a person leaves once a month at most.
    followed = followed[roster.exit[followed] < month]
    dies = draw[followed] < -np.expm1(-death_hazard(engine, followed, month) / 12.0)
    engine.record_later_fate(followed[dies], month, "died")
