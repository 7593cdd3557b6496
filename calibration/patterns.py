"""The documented patterns (F4, F6-F9) measured in one run's biographies.

Each function reads the biographies DataFrame (sim/records/run_records.py) and its
parsed post spells, and returns one number; calibration/statistics.py
names them for the targets. Dates are firsts of months, as the model's
stocks are (calibration/spells.py): "on 1 Jan 1937" counts who entered
before January 1937 and had not left before it. "By the end of 1939" counts
events dated up to and including December 1939. A share or mean over no
one is NaN, and so is a date when nothing happened: the distance treats NaN
as far outside every band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.spells import NO_RANK, Spells, month_of, serving_at
from sim.model.categories import ELITE
from sim.scenario.config import month_index

NAN = float("nan")


def share(mask: np.ndarray) -> float:
    """The share of True in `mask`; NaN if it is empty."""
    return float(mask.mean()) if len(mask) else NAN


def purged_by(biographies: pd.DataFrame, year_month: str) -> np.ndarray:
    """Mask of people arrested in the purge (in service, or later) in or before `year_month`."""
    last = month_index(year_month)
    exit_month, later_month = month_of(biographies["exit"]), month_of(biographies["later_fate_date"])
    arrested = (biographies["exit_reason"] == "purged").to_numpy(bool) & (exit_month >= 0) & (exit_month <= last)
    later = (biographies["later_fate"] == "purged").to_numpy(bool) & (later_month >= 0) & (later_month <= last)
    return arrested | later


def defected_by(biographies: pd.DataFrame, year_month: str) -> np.ndarray:
    """Mask of people who defected in or before `year_month`."""
    exit_month = month_of(biographies["exit"])
    return (biographies["exit_reason"] == "defected").to_numpy(bool) & (exit_month >= 0) & (exit_month <= month_index(year_month))


def entered(biographies: pd.DataFrame, first: str, last: str) -> np.ndarray:
    """Mask of people who entered the service in the months `first` to `last` (both included)."""
    entry = month_of(biographies["entry"])
    return (entry >= month_index(first)) & (entry <= month_index(last))


def headquarters(biographies: pd.DataFrame, spells: Spells, on: str) -> np.ndarray:
    """Mask of the headquarters staff on the first of `on`: serving, their latest post not abroad."""
    abroad, rank = spells.at(on)
    return serving_at(biographies, on) & ~abroad & (rank != NO_RANK)


def commissar_continuity(biographies: pd.DataFrame, spells: Spells) -> float:
    """1.0 if the commissar of 1 Jan 1937 held the post without a break until May 1939 and was never purged, else 0.0.

    His spell in the commissar's post must end in 1939-05 (his next post or
    his exit then: F4, Molotov took over in May 1939) and his `purged` is
    false to the end of the run (F8, Litvinov survived). NaN if the post
    was vacant on 1 Jan 1937.
    """
    holders = spells.holding("commissar", "1937-01")
    if not len(holders):
        return NAN
    purged = biographies["purged"].to_numpy(bool)[spells.person[holders]]
    return float(np.all((spells.end[holders] == month_index("1939-05")) & ~purged))


def commissar_vacant_months(spells: Spells, first: str, last: str) -> float:
    """How many months from `first` to `last` began (on their first) with no one in the commissar's post."""
    commissar = spells.label == "commissar"
    start, end = spells.start[commissar], spells.end[commissar]
    months = np.arange(month_index(first), month_index(last) + 1)[:, None]
    held = ((start < months) & (end >= months)).any(axis=1)
    return float((~held).sum())


def surviving_elite(biographies: pd.DataFrame, spells: Spells, on: str, by: str) -> float:
    """How many of those in an elite post on the first of `on` were neither purged nor defected by the end of `by`.

    Dismissal, retirement, transfer and death count as survival (F8:
    Litvinov was dismissed in 1939 and survived). NaN if no one held an
    elite post then.
    """
    _, rank = spells.at(on)
    elite = serving_at(biographies, on) & (rank == ELITE)
    if not elite.any():
        return NAN
    return float((elite & ~purged_by(biographies, by) & ~defected_by(biographies, by)).sum())


def entrants_purged(biographies: pd.DataFrame, first: str, last: str, by: str) -> float:
    """Of those who entered from `first` to `last`, the share arrested in the purge by the end of `by`."""
    cohort = entered(biographies, first, last)
    return share(purged_by(biographies, by)[cohort])


def arrest_months(biographies: pd.DataFrame) -> np.ndarray:
    """The month index of every purge arrest of a serving official."""
    return month_of(biographies.loc[(biographies["exit_reason"] == "purged").to_numpy(bool), "exit"])


def purge_peak(biographies: pd.DataFrame) -> float:
    """The month with the most purge arrests of serving officials, as a decimal year (the earliest of ties)."""
    months = arrest_months(biographies)
    if not len(months):
        return NAN
    first = months.min()
    return float((first + np.argmax(np.bincount(months - first))) / 12)


def peak_outside_ratio(biographies: pd.DataFrame, first: str, last: str) -> float:
    """The most purge arrests of serving officials in any month outside `first`..`last`, over the most in one inside.

    Below 1 exactly when the busiest month lies inside the period: a smooth
    form of `purge_peak` for the distance. NaN if no one was arrested inside.
    """
    months = arrest_months(biographies)
    low, high = month_index(first), month_index(last)
    inside = (months >= low) & (months <= high)
    if not inside.any():
        return NAN
    most_inside = np.bincount(months[inside] - low).max()
    outside = months[~inside]
    most_outside = np.bincount(outside - outside.min()).max() if len(outside) else 0
    return float(most_outside / most_inside)


def headquarters_ratio(biographies: pd.DataFrame, spells: Spells, later: str, earlier: str) -> float:
    """Headquarters headcount on the first of `later` over that on the first of `earlier`; NaN if the latter is 0."""
    before = int(headquarters(biographies, spells, earlier).sum())
    return float(headquarters(biographies, spells, later).sum() / before) if before else NAN


def new_incumbents(biographies: pd.DataFrame, spells: Spells, on: str, since: str) -> float:
    """Of the headquarters staff on the first of `on`, the share whose post (or service) began in `since` or later."""
    staff = headquarters(biographies, spells, on)
    since_month = month_index(since)
    recent = (spells.started(on) >= since_month) | (month_of(biographies["entry"]) >= since_month)
    return share(recent[staff])


def ages_at_entry(biographies: pd.DataFrame) -> np.ndarray:
    """Age at entry in years (whole months / 12) of everyone."""
    return (month_of(biographies["entry"]) - month_of(biographies["birth"])) / 12


def mean_age_at_entry(biographies: pd.DataFrame, first: str, last: str, profile: str) -> float:
    """Mean age at entry of those of `profile` who entered from `first` to `last`; NaN if none."""
    cohort = entered(biographies, first, last) & (biographies["profile"] == profile).to_numpy(bool)
    return float(ages_at_entry(biographies)[cohort].mean()) if cohort.any() else NAN


def share_entering_aged(biographies: pd.DataFrame, first: str, last: str, age: float) -> float:
    """Of those who entered from `first` to `last`, the share aged `age` or more at entry."""
    cohort = entered(biographies, first, last)
    return share(ages_at_entry(biographies)[cohort] >= age)
