"""Drawing who a person is when they enter: age, party, origin and the rest."""

from __future__ import annotations

import numpy as np
from scipy.special import gammainc, gammaincinv

from sim.model.categories import EDUCATIONS, NEW_GENERATION_PROFILE
from sim.model.generations import generation
from sim.scenario.config import Distribution, Profile

_PRE_1917, _CIVIL_WAR, _LATER, _NONE = range(4)
MIN_JOINING_AGE = 16  # assumption: youngest age at which anyone joins the party
RISK_RANKS = 2**31  # a person's risk rank is a uniform on [0, 1) in steps of 1 / RISK_RANKS


def categories_from_uniform(uniform: np.ndarray, shares: Distribution) -> np.ndarray:
    """Map uniforms on [0, 1) to category codes with the given shares (inverse CDF)."""
    return shares.cumulative.searchsorted(uniform, side="right").astype(np.int8)


def age_at_entry(profile: Profile, uniform: np.ndarray) -> np.ndarray:
    """Age in years for uniforms on [0, 1): a gamma shifted to `minimum` with the given mean and mode, cut at `maximum`.

    By inverse CDF, so that a person keeps their place in the distribution
    when its parameters change (common random numbers).
    """
    age = profile.age_at_entry
    scale = age.mean - age.mode
    shape = (age.mean - age.minimum) / scale
    top = 1.0 if age.maximum is None else gammainc(shape, (age.maximum - age.minimum) / scale)
    return age.minimum + scale * gammaincinv(shape, uniform * top)


def frailty(risk_rank: np.ndarray, variance: float) -> np.ndarray:
    """Purge-risk multipliers of mean 1 and the given variance (gamma), from people's risk ranks.

    Demographic frailty: with a gamma multiplier of variance v, the share who
    survive a cumulative hazard H is (1 + vH)^(-1/v) instead of exp(-H), so
    a nucleus survives a purge of the same mean strength. Variance 0 gives
    everyone 1.
    """
    if variance == 0.0:
        return np.ones(len(risk_rank))
    shape = 1.0 / variance
    return gammaincinv(shape, (risk_rank + 0.5) / RISK_RANKS) / shape


def party_year(
    cohort_uniform: np.ndarray, year_uniform: np.ndarray, profile: Profile, birth_year: np.ndarray, entry_year: np.ndarray
) -> np.ndarray:
    """Year of joining the party (0: never), consistent with birth and entry year."""
    category = categories_from_uniform(cohort_uniform, profile.party)
    # Nobody joins before age 16 (assumption): a drawn cohort too early for
    # the person's age moves to the next one (pre-1917 -> civil war -> later).
    low_pre = np.maximum(birth_year + MIN_JOINING_AGE, 1898)  # 1898: the party's founding
    category[(category == _PRE_1917) & (low_pre > 1916)] = _CIVIL_WAR
    low_civil = np.maximum(birth_year + MIN_JOINING_AGE, 1917)
    category[(category == _CIVIL_WAR) & (low_civil > 1920)] = _LATER
    # later: from 1921 (or age 16) to the year of entry, or a few years on for early entrants.
    low_later = np.maximum(1921, birth_year + MIN_JOINING_AGE)
    high_later = np.maximum(low_later + 4, entry_year) + 1
    pre, civil = category == _PRE_1917, category == _CIVIL_WAR
    low = np.where(pre, low_pre, np.where(civil, low_civil, low_later))
    end = np.where(pre, 1917, np.where(civil, 1921, high_later))  # first year past the cohort's range
    year = low + np.floor(year_uniform * (end - low)).astype(low.dtype)
    year[category == _NONE] = 0
    return year.astype(np.int16)


def draw_people(rng: np.random.Generator, profile: Profile, entry_month: np.ndarray, profile_code: int) -> dict[str, np.ndarray]:
    """Draw the attributes of people entering in the given months."""
    count = len(entry_month)
    u_age, u_cohort, u_year, u_origin, u_education, u_nationality, u_languages, u_abroad, u_risk = rng.random((9, count))
    birth = entry_month - np.round(age_at_entry(profile, u_age) * 12).astype(np.int32)
    party = party_year(u_cohort, u_year, profile, birth // 12, entry_month // 12)
    return {
        "birth": birth,
        "party_year": party,
        "entry": entry_month,
        "profile": np.full(count, profile_code, dtype=np.int8),
        "generation": generation(party, entry_month, profile_code == NEW_GENERATION_PROFILE),
        "origin": categories_from_uniform(u_origin, profile.origin),
        "education": categories_from_uniform(u_education, profile.education),
        "nationality": categories_from_uniform(u_nationality, profile.nationality),
        "languages": u_languages < profile.languages,
        "abroad_experience": u_abroad < profile.abroad,
        "risk_rank": np.floor(u_risk * RISK_RANKS).astype(np.int32),
    }


def prominence(people: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A score by which the initial staff are sorted into posts, highest into the elite.

    F5: "most important posts went to the pre-revolutionary intelligentsia,
    polyglot, many with long exile abroad". One point each for pre-1917 party
    membership, foreign languages, life abroad and graduate schooling, plus a
    uniform draw on [0, 2) so that the ordering is a tendency, not a rule.
    The weights are an assumption.
    """
    pre_1917 = (people["party_year"] > 0) & (people["party_year"] < 1917)
    graduate = people["education"] == EDUCATIONS.index("graduate")
    score = pre_1917.astype(float) + people["languages"] + people["abroad_experience"] + graduate
    return score + 2.0 * rng.random(len(score))
