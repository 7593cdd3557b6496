"""Party cohorts and generations, derived from party tenure and entry date.

Generations (documented in docs/ODD.md):
- old_bolsheviks: joined the party before 1917 (F5, F9).
- civil_war_bolsheviks: joined 1917-1920, the early years of the regime (F5).
- specialists_1920s: not a pre-1921 party member, and either entered before
  1931 or entered later with the veterans' profile: the pre-revolutionary
  intelligentsia and the 1920s-style entrants (F5).
- new_generation: entered in 1931 or later with the new-generation profile
  (F6) and not a pre-1921 party member: the trickle from 1931 (F7) and the
  deluge from 1937 (F6).
The profile a recruit is drawn from (F5 or F6) is part of the rule because
entry date alone would count a 1933 recruit of the 1920s type (an older,
polyglot, non-party specialist) as the new generation.
"""

from __future__ import annotations

import numpy as np

from sim.model.categories import (
    CIVIL_WAR,
    CIVIL_WAR_BOLSHEVIKS,
    NEP,
    NEW_GENERATION,
    NO_PARTY,
    OLD_BOLSHEVIKS,
    PRE_1917,
    RECENT,
    SPECIALISTS_1920S,
)
from sim.scenario.config import PARTY_YEAR_TABLE_END  # the year table's end, by which the scenario bounds dates

REVOLUTION_YEAR = 1917  # F5: Old Bolsheviks joined before 1917
CIVIL_WAR_LAST_YEAR = 1920  # F5: "the early years of the Soviet regime"; the cut-off is an assumption
NEW_GENERATION_FROM_YEAR = 1931  # F7: the trickle of the new generation began in 1931


def _cohort_by_year() -> np.ndarray:
    years = np.arange(PARTY_YEAR_TABLE_END)
    table = np.full(len(years), NO_PARTY, dtype=np.int8)
    table[(years > 0) & (years < REVOLUTION_YEAR)] = PRE_1917
    table[(years >= REVOLUTION_YEAR) & (years <= CIVIL_WAR_LAST_YEAR)] = CIVIL_WAR
    table[(years > CIVIL_WAR_LAST_YEAR) & (years < NEW_GENERATION_FROM_YEAR)] = NEP
    table[years >= NEW_GENERATION_FROM_YEAR] = RECENT
    table.flags.writeable = False
    return table


COHORT_BY_YEAR = _cohort_by_year()  # a constant lookup table, indexed by party-join year (0: never)


def party_cohort(party_year: np.ndarray, as_of_year: int | None = None) -> np.ndarray:
    """Return party-cohort codes; year 0 means never joined.

    With `as_of_year`, people who join only after that year count as non-party.
    """
    year = np.asarray(party_year)
    cohort = COHORT_BY_YEAR[year]
    if as_of_year is not None:
        cohort = np.where(year > as_of_year, np.int8(NO_PARTY), cohort)
    return cohort


def generation(party_year: np.ndarray, entry_month: np.ndarray, new_generation_profile: np.ndarray | bool) -> np.ndarray:
    """Return generation codes from party-join year, entry month index and profile."""
    cohort = party_cohort(party_year)
    entry_year = np.asarray(entry_month) // 12
    newcomer = (entry_year >= NEW_GENERATION_FROM_YEAR) & np.asarray(new_generation_profile, dtype=bool)
    result = np.where(newcomer, NEW_GENERATION, SPECIALISTS_1920S).astype(np.int8)
    result[cohort == PRE_1917] = OLD_BOLSHEVIKS
    result[cohort == CIVIL_WAR] = CIVIL_WAR_BOLSHEVIKS
    return result
