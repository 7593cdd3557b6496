"""The key outcomes of one run, as scalars (F6, F10).

What the compare table, the sweep and the findings page report.

Each outcome is computed from a run's records only. A date outside the
simulated horizon gives NaN (missing), an event that never happened within
the horizon gives +inf ("not by the horizon"); a month is a month index
(year * 12 + month - 1). Files show months as "YYYY-MM" with a marker
(sim/months.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.months import MARKER, month_fields, month_text, parse_month
from sim.records.run_records import Records

SNAPSHOTS = (1939, 1941, 1945)  # 1 January; the snapshot years
EXPERIENCE_YEARS = (1939, 1941)
TWENTIES_END = "1930-01"  # "the elite of the 1920s" (F2): held an elite post before 1930
RECRUITMENT_WINDOW = ("1937-01", "1941-12")  # the deluge from 1937 (F7) to the war
EXPERIENCE_BASE = "1937-01"  # experience lost is measured from here (F7, F9: the deluge and the peak)
NEVER = math.inf


@dataclass(frozen=True)
class Outcome:
    """A scalar outcome: its key, a label for tables, and its kind (month, share, years, count)."""

    name: str
    label: str
    kind: str


def _outcomes() -> tuple[Outcome, ...]:
    rows = [
        Outcome("majority_month_all", "new generation (F6) a majority of all staff", "month"),
        Outcome("majority_month_elite", "new generation (F6) a majority of the elite", "month"),
    ]
    for year in SNAPSHOTS:
        rows.append(Outcome(f"share_all_{year}", f"new-generation share of all staff, 1 Jan {year}", "share"))
        rows.append(Outcome(f"share_elite_{year}", f"new-generation share of the elite, 1 Jan {year}", "share"))
    for year in EXPERIENCE_YEARS:
        rows.append(Outcome(f"service_elite_{year}", f"mean service of the elite, 1 Jan {year} (years)", "years"))
        rows.append(Outcome(f"service_all_{year}", f"mean service of all staff, 1 Jan {year} (years)", "years"))
    for year in EXPERIENCE_YEARS:
        rows.append(Outcome(f"mentored_{year}", f"juniors with a veteran mentor in their unit, 1 Jan {year}", "share"))
        rows.append(Outcome(f"capacity_{year}", f"experience-weighted capacity, 1 Jan {year}", "share"))
    rows += [
        Outcome("experience_lost", "experience capacity lost, 1 Jan 1937 to its lowest 1937-41", "share"),
        Outcome("heads_vacant_1939", "heads of mission vacant, 1 Jan 1939", "count"),
        Outcome("heads_vacant_peak", "heads of mission vacant, most in any month 1936-41", "count"),
        Outcome("elite_purged_share", "purged share of the 1920s elite (F2)", "share"),
        Outcome("purged", "purged (whole run)", "count"),
        Outcome("defected", "defected (whole run)", "count"),
        Outcome("recruited", "recruited 1937-41", "count"),
    ]
    return tuple(rows)


OUTCOMES = _outcomes()
BY_NAME = {outcome.name: outcome for outcome in OUTCOMES}
MONTH_OUTCOMES = tuple(outcome.name for outcome in OUTCOMES if outcome.kind == "month")


def _series(ts: pd.DataFrame, measure: str, series_group: str = "all") -> pd.Series:
    rows = ts[(ts["measure"] == measure) & (ts["series_group"] == series_group)]
    return rows.set_index("date")["value"]


def _on(values: pd.Series, year_month: str) -> float:
    date = pd.Timestamp(year_month + "-01")
    return float(values.loc[date]) if date in values.index else math.nan


def _month_of(date: pd.Timestamp) -> float:
    return float(date.year * 12 + date.month - 1)


def first_majority(share: pd.Series) -> float:
    """Month index of the first month with a share above one half; +inf if none."""
    above = share[share > 0.5]
    return _month_of(above.index[0]) if len(above) else NEVER


def _window(values: pd.Series, first: str, last: str) -> pd.Series:
    return values[(values.index >= pd.Timestamp(first + "-01")) & (values.index <= pd.Timestamp(last + "-01"))]


def elite_purged_share(biographies: pd.DataFrame) -> float:
    """Purged share of those who held an elite post before 1930 (F2's "elite of the 1920s")."""
    twenties_elite = biographies["post_history"].str.contains(r"(?:^|; )19(?:1\d|2\d)-\d\d \S+ elite", regex=True)
    if not twenties_elite.any():
        return math.nan
    return float(biographies.loc[twenties_elite, "purged"].mean())


def compute_outcomes(records: Records) -> dict[str, float]:
    """The key outcomes of one run (see OUTCOMES), as floats.

    Args:
        records: the run's records.
    """
    ts, bio = records.timeseries, records.biographies
    share_all = _series(ts, "new_generation_share", "all")
    share_elite = _series(ts, "new_generation_share", "elite")
    service_all = _series(ts, "mean_service_months", "all")
    service_elite = _series(ts, "mean_service_months", "elite")
    mentored = _series(ts, "mentored_junior_share")
    capacity = _series(ts, "experience_capacity")
    values: dict[str, float] = {
        "majority_month_all": first_majority(share_all),
        "majority_month_elite": first_majority(share_elite),
    }
    for year in SNAPSHOTS:
        values[f"share_all_{year}"] = _on(share_all, f"{year}-01")
        values[f"share_elite_{year}"] = _on(share_elite, f"{year}-01")
    for year in EXPERIENCE_YEARS:
        values[f"service_elite_{year}"] = _on(service_elite, f"{year}-01") / 12
        values[f"service_all_{year}"] = _on(service_all, f"{year}-01") / 12
        values[f"mentored_{year}"] = _on(mentored, f"{year}-01")
        values[f"capacity_{year}"] = _on(capacity, f"{year}-01")
    base = _on(capacity, EXPERIENCE_BASE)
    later = _window(capacity, EXPERIENCE_BASE, "1941-12")
    values["experience_lost"] = (base - float(later.min())) / base if base > 0 and len(later) else math.nan
    held = _series(ts, "heads_of_mission_vacant")
    values["heads_vacant_1939"] = _on(held, "1939-01")
    window = _window(held, "1936-01", "1941-12")
    values["heads_vacant_peak"] = float(window.max()) if len(window) else math.nan
    values["elite_purged_share"] = elite_purged_share(bio)
    values["purged"] = float(bio["purged"].sum())
    values["defected"] = float((bio["exit_reason"] == "defected").sum())
    recruits = ts[ts["measure"] == "recruits"].groupby("date")["value"].sum()
    values["recruited"] = float(_window(recruits, *RECRUITMENT_WINDOW).sum())
    return values


def to_json(values: dict[str, float]) -> dict[str, float | str | bool | None]:
    """Outcomes for JSON files: a month as "YYYY-MM" or null with its `_not_by_horizon` marker, NaN as null."""
    plain: dict[str, float | str | bool | None] = {}
    for name, value in values.items():
        if BY_NAME[name].kind == "month":
            plain |= month_fields(name, value)
        else:
            plain[name] = None if math.isnan(value) else float(value)
    return plain


def from_json(plain: dict[str, float | str | bool | None]) -> dict[str, float]:
    """The inverse of `to_json` (also reads the older form, "not by the horizon" in place of the month)."""
    values: dict[str, float] = {}
    for name, value in plain.items():
        if name.endswith(MARKER) and name.removesuffix(MARKER) in plain:
            continue
        if (name in BY_NAME and BY_NAME[name].kind == "month") or isinstance(value, str):
            values[name] = parse_month(value, plain.get(name + MARKER))
        else:
            values[name] = math.nan if value is None else float(value)
    return values


__all__ = ["MONTH_OUTCOMES", "OUTCOMES", "Outcome", "compute_outcomes", "from_json", "month_text", "to_json"]
