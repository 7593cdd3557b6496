"""Who the purge hits in one month, as one compiled loop (see sim/model/rules/purge.py for the rule)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.categories import NO_PARTY
from sim.model.roster import LEFT, SERVING


@njit(cache=True)
def purge_month(
    event_draw: np.ndarray,
    cause_draw: np.ndarray,
    recall_draw: np.ndarray,
    month: int,
    intensity: float,
    wave_level: float,
    wave_start: int,
    dismissal_share: float,
    defection_probability: float,
    rank_multiplier: np.ndarray,
    party_multiplier: np.ndarray,
    posting_multiplier: np.ndarray,
    nationality_multiplier: np.ndarray,
    association_multiplier: float,
    left_service_multiplier: float,
    kept_rank_multiplier: np.ndarray,
    entrants_since: int,
    entrants_multiplier: float,
    cohort_by_year: np.ndarray,
    status: np.ndarray,
    rank: np.ndarray,
    highest_rank: np.ndarray,
    party_year: np.ndarray,
    abroad: np.ndarray,
    nationality: np.ndarray,
    associated_until: np.ndarray,
    entry: np.ndarray,
    exit_month: np.ndarray,
    frailty: np.ndarray,
    post: np.ndarray,
    appointed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The month's purge events, before any state changes.

    `wave_start` is the first month of the HQ wave, or -1 if there is none
    (then `wave_level` is not used). Returns, in slot order: the serving
    people dismissed in the wave, those arrested (or recalled), a mask over
    the arrested of those who defect on recall, and the followed people
    (left in an earlier month) who are caught. With zero intensity nobody
    followed is caught.
    """
    size = len(event_draw)
    dismissed = np.empty(size, np.int64)
    arrested = np.empty(size, np.int64)
    defects = np.empty(size, np.bool_)
    caught = np.empty(size, np.int64)
    n_dismissed = n_arrested = n_caught = 0
    as_of_year = month // 12
    wave = wave_level != 0.0 and wave_start >= 0
    for slot in range(size):
        if status[slot] == LEFT and intensity != 0.0 and exit_month[slot] < month:
            cohort = NO_PARTY if party_year[slot] > as_of_year else cohort_by_year[party_year[slot]]
            entrant = entrants_multiplier if entry[slot] >= entrants_since else 1.0
            hazard = (
                intensity
                * left_service_multiplier
                * kept_rank_multiplier[highest_rank[slot]]
                * party_multiplier[cohort]
                * nationality_multiplier[nationality[slot]]
                * entrant
                * frailty[slot]
            )
            if event_draw[slot] < -np.expm1(-hazard / 12.0):
                caught[n_caught] = slot
                n_caught += 1
            continue
        if status[slot] != SERVING or appointed[post[slot]]:
            continue
        cohort = NO_PARTY if party_year[slot] > as_of_year else cohort_by_year[party_year[slot]]
        associated = association_multiplier if associated_until[slot] >= month else 1.0
        entrant = entrants_multiplier if entry[slot] >= entrants_since else 1.0
        purge_hazard = (
            intensity
            * rank_multiplier[rank[slot]]
            * party_multiplier[cohort]
            * posting_multiplier[1 if abroad[slot] else 0]
            * nationality_multiplier[nationality[slot]]
            * associated
            * entrant
            * frailty[slot]
        )
        wave_hazard = wave_level if wave and not abroad[slot] and entry[slot] < wave_start else 0.0
        total = purge_hazard + wave_hazard
        if event_draw[slot] >= -np.expm1(-total / 12.0):
            continue
        by_wave = cause_draw[slot] * total < wave_hazard
        if by_wave and recall_draw[slot] < 1.0 - min(1.0, (1.0 - dismissal_share) * entrant):
            dismissed[n_dismissed] = slot
            n_dismissed += 1
        else:
            arrested[n_arrested] = slot
            defects[n_arrested] = abroad[slot] and recall_draw[slot] < defection_probability
            n_arrested += 1
    return dismissed[:n_dismissed], arrested[:n_arrested], defects[:n_arrested], caught[:n_caught]
