"""Ordinary attrition of one month as one compiled loop (see sim/model/rules/attrition.py for the rule)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.categories import ELITE  # module constants: numba compiles their values in
from sim.model.roster import LEFT


@njit(cache=True)
def attrition_month(
    draw: np.ndarray,
    bound: float,
    status: np.ndarray,
    birth: np.ndarray,
    abroad: np.ndarray,
    month: int,
    log_baseline: float,
    age_slope: float,
    retirement_months: float,
    retirement_rate: float,
    transfer_out_rate: float,
    elite_transfer_out_rate: float,
    defection_rate_abroad: float,
    rank: np.ndarray,
    post: np.ndarray,
    appointed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who leaves service and why, and which followed people die, this month.

    `draw` holds the month's attrition uniform of every slot; only draws
    under `bound` can mean an event. Returns the leavers' slots, their cause
    codes (0 death, 1 retirement, 2 transfer out, 3 defection) and the slots
    of followed people (status LEFT) who die, all in slot order.
    """
    size = len(draw)
    leavers = np.empty(size, np.int64)
    causes = np.empty(size, np.int8)
    dying = np.empty(size, np.int64)
    left = died = 0
    for slot in range(size):
        u = draw[slot]
        if u >= bound or status[slot] > LEFT:
            continue
        age_months = month - birth[slot]
        death = np.exp(log_baseline + age_slope * (age_months / 12.0))
        if status[slot] == LEFT:
            if u < -np.expm1(-death / 12.0):
                dying[died] = slot
                died += 1
            continue
        free = not appointed[post[slot]]  # an appointee neither retires nor transfers out
        retirement = retirement_rate if age_months >= retirement_months and free else 0.0
        transfer = (elite_transfer_out_rate if rank[slot] == ELITE else transfer_out_rate) if free else 0.0
        defection = defection_rate_abroad if abroad[slot] else 0.0
        total = death + retirement + transfer + defection
        probability = -np.expm1(-total / 12.0)
        if u < probability:
            # Given an event, u / p is again uniform on [0, 1): it picks the cause.
            pick = u / probability * total
            to_retirement = death + retirement
            to_transfer = to_retirement + transfer
            leavers[left] = slot
            causes[left] = (pick >= death) + (pick >= to_retirement) + (pick >= to_transfer)
            left += 1
    return leavers[:left], causes[:left], dying[:died]
