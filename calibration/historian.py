"""The virtual historian: the observation submodel (docs/ODD.md, "observation").

F1 and F2 are not the true fates of everyone who served in the 1920s; they
are what one historian could document from a biased sample (Uldricks 1977).
So the model is compared with them through an observer. For each simulated
person who served in the 1920s:

1. Career data for the 1930s exists with probability
   logistic(logit(career[rank]) + log(victim_odds) * purged
   + log(abroad_odds) * served_abroad + log(prominence_odds) * old_bolshevik),
   rank being the highest rank held in the 1920s. Without it the person is
   "unaccounted" (F1: lower grades and HQ staff, visible in the open 1920s).
2. Given career data, the fate itself is on record with probability
   logistic(logit(fate_known[fate]) + log(elite_fate_odds) * elite), fate
   being purged, survived or died_or_defected before the purges, elite the
   highest 1920s rank (the fates of commissars and ambassadors are far
   better known: F2's 8% "insufficient information" against F1's 45%):
   then the category is the true fate. A death or defection before the
   purges is on record with probability fate_known.died_or_defected even
   without career data (obituaries, defectors' memoirs).
3. Otherwise the historian reads the career record. It stops at the
   arrest for a victim (careers are followed into other posts), at the
   death for the dead, and at the exit from the commissariat for a survivor
   whose later career is unknown. A record stopping in 1937-38 reads as
   "likely purged" (F1), one still running in 1940 as "not purged" (the
   purge was over, F9), one stopping at any other time as "unaccounted"
   (insufficient data).

Two uniforms per person come from the run's "observation" stream, one
array each over all person slots, so the same seed gives the same historian.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.spells import NO_RANK, Spells, month_of
from sim.model.categories import ELITE
from sim.model.streams import RandomStreams
from sim.scenario.config import Historian, month_index

CATEGORIES = ("definitely_purged", "likely_purged", "not_purged", "died_or_defected", "unaccounted")
FATES = ("purged", "survived", "died_or_defected")
# assumption: a career record still running at the start of 1940, after the
# purging ended (late summer 1939, F9), shows that the person survived it.
SURVIVAL_EVIDENT_FROM = "1940-01"


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p) - np.log1p(-p)


def true_fates(biographies: pd.DataFrame, historian: Historian) -> np.ndarray:
    """Fate codes (index into FATES) of every person in the biographies."""
    begin = month_index(historian.purges_begin)
    exit_month = month_of(biographies["exit"])
    later_month = month_of(biographies["later_fate_date"])
    died_in_service = biographies["exit_reason"].isin(["died", "defected"]).to_numpy() & (exit_month < begin)
    died_later = (biographies["later_fate"] == "died").to_numpy() & (later_month >= 0) & (later_month < begin)
    purged = biographies["purged"].to_numpy(bool)
    return np.where(purged, 0, np.where(died_in_service | died_later, 2, 1))


def observe(
    biographies: pd.DataFrame,
    historian: Historian,
    seed: int | np.random.SeedSequence,
    spells: Spells | None = None,
) -> pd.DataFrame:
    """Classify everyone who served in the 1920s as the source would.

    Args:
        biographies: `Records.biographies` of one run.
        historian: the observation parameters (the scenario's calibration.historian).
        seed: the run's seed; the draws come from its "observation" stream.
        spells: the parsed post histories, if already at hand.

    Returns:
        One row per person of the 1920s staff: person_id, elite (highest 1920s
        rank elite), abroad (served abroad in the 1920s), fate, career_data,
        fate_known, category (one of CATEGORIES).
    """
    rng = RandomStreams(seed).generator("observation", 0)
    size = len(biographies)
    career_draw, fate_draw = rng.random(size), rng.random(size)

    spells = spells if spells is not None else Spells.from_biographies(biographies)
    abroad_then, rank_then = spells.up_to(historian.served_until)
    positions = np.flatnonzero(rank_then != NO_RANK)
    people = biographies.iloc[positions]
    ranks, abroad = rank_then[positions], abroad_then[positions]
    fate = true_fates(people, historian)
    purged = fate == 0
    old_bolshevik = (people["party_cohort"] == "pre_1917").to_numpy()

    career = np.array([historian.career.elite, historian.career.middle, historian.career.junior])[ranks]
    log_odds = (
        _logit(career)
        + np.log(max(historian.victim_odds, 1e-9)) * purged
        + np.log(max(historian.abroad_odds, 1e-9)) * abroad
        + np.log(max(historian.prominence_odds, 1e-9)) * old_bolshevik
    )
    career_data = career_draw[positions] < 1.0 / (1.0 + np.exp(-log_odds))
    known = np.array([historian.fate_known.purged, historian.fate_known.survived, historian.fate_known.died_or_defected])
    elite = ranks == ELITE
    known_chance = known[fate]
    if historian.elite_fate_odds != 1.0:
        elite_log_odds = _logit(known_chance[elite]) + np.log(max(historian.elite_fate_odds, 1e-9))
        known_chance[elite] = 1.0 / (1.0 + np.exp(-elite_log_odds))
    # A death or defection is an event on record (an obituary, a defector's
    # memoir) with or without career data for the 1930s.
    fate_known = (career_data | (fate == 2)) & (fate_draw[positions] < known_chance)

    # The career record stops at the arrest for a victim (careers are followed
    # into other posts), at the death for the dead, and at the exit from the
    # commissariat for a survivor whose later career is not on record.
    exit_month = month_of(people["exit"])
    later_month = month_of(people["later_fate_date"])
    arrested_in_service = (people["exit_reason"] == "purged").to_numpy()
    record_end = np.where((fate == 1) | arrested_in_service, exit_month, np.where(later_month >= 0, later_month, exit_month))
    still_running = (record_end < 0) | (record_end >= month_index(SURVIVAL_EVIDENT_FROM))
    stops_in_terror = (record_end >= month_index(historian.likely_from)) & (record_end <= month_index(historian.likely_to))
    read_from_record = np.select([still_running, stops_in_terror], [2, 1], default=4)
    from_fate = np.array([0, 2, 3])[fate]
    code = np.where(fate_known, from_fate, np.where(career_data, read_from_record, 4))
    return pd.DataFrame(
        {
            "person_id": people["person_id"].to_numpy(),
            "elite": elite,
            "abroad": abroad,
            "fate": pd.Categorical.from_codes(fate, categories=list(FATES)),
            "career_data": career_data,
            "fate_known": fate_known,
            "category": pd.Categorical.from_codes(code, categories=list(CATEGORIES)),
        }
    )
