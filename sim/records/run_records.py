"""What a run leaves behind: a tidy monthly series and one biography per person.

Everything downstream (summaries, figures, comparisons, the historian's
classification) reads these frames and never a running model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.categories import (
    EDUCATIONS,
    EXIT_REASONS,
    GENERATIONS,
    LATER_FATES,
    NATIONALITIES,
    ORIGINS,
    PARTY_COHORTS,
    POSTINGS,
    PROFILES,
    PURGE_OUTCOMES,
    RANKS,
)
from sim.model.engine import Engine
from sim.model.generations import party_cohort
from sim.model.recorder import FLOW_KEYS, STOCK_KEYS, Recorder

# Tidy series: measure name -> prefix of its recorder columns (one group per column)
_MEASURES = {
    "vacancies": "vacant:",
    "headcount_by_posting": "posting:",
    "mean_service_months": "service:",
    "exits": "exit:",
    "later_fates": "later:",
    "recruits": "recruits:",
}
_SCALARS = (
    "heads_of_mission_vacant",
    "mentored_junior_share",
    "experience_capacity",
    "promotions",
    "recalls",
    "planned_retirements",
)
STOCK, FLOW = "on the first of the month", "during the month"
# Every measure of the tidy series: the unit of its values and what it measures (the `unit` column, and the data
# dictionary, sim/records/dictionary.py). A share is between 0 and 1, and missing where it would divide by nobody.
SERIES = {
    "headcount_by_generation": ("people", f"staff serving {STOCK}, by generation (sim/model/generations.py)"),
    "elite_by_generation": ("people", f"staff in elite posts {STOCK}, by generation"),
    "headcount_by_rank": ("people", f"staff serving {STOCK}, by the rank of their post"),
    "headcount": ("people", f"staff serving {STOCK}"),
    "new_generation_share": ("share", f"the new generation's share (F6) of all staff (all) or of the elite (elite), {STOCK}"),
    "vacancies": ("posts", f"posts without a holder {STOCK}, by rank"),
    "headcount_by_posting": ("people", f"staff serving at headquarters (hq) or in a mission abroad (abroad) {STOCK}"),
    "mean_service_months": (
        "months",
        f"mean months of service in the commissariat, all staff (all) or the elite (elite), {STOCK}",
    ),
    "exits": ("people per month", f"staff who left the commissariat {FLOW}, by reason"),
    "later_fates": ("people per month", f"former staff who died or were purged {FLOW}, after they left"),
    "recruits": ("people per month", f"outside recruits who entered {FLOW}, by the profile they were drawn from"),
    "heads_of_mission_vacant": ("posts", f"missions without a head of mission {STOCK} (F8)"),
    "mentored_junior_share": ("share", f"share of junior staff with a veteran mentor in their unit {STOCK}"),
    "experience_capacity": (
        "share",
        f"experience-weighted capacity {STOCK}: the sum over staff of min(1, service / full-competence months), per post",
    ),
    "promotions": ("people per month", f"promotions {FLOW}"),
    "recalls": ("people per month", f"recalls from missions abroad {FLOW}"),
    "planned_retirements": ("people per month", f"planned retirements of veterans (a transition policy) {FLOW}"),
}


@dataclass(frozen=True)
class Records:
    """The outputs of one run: `timeseries` (tidy, monthly), `biographies` and `posts` (one row per post held)."""

    timeseries: pd.DataFrame
    biographies: pd.DataFrame
    posts: pd.DataFrame


def month_dates(months: np.ndarray) -> pd.DatetimeIndex:
    """First day of each month index (year * 12 + month - 1); -1 gives NaT."""
    months = np.asarray(months, dtype=np.int64)
    # datetime64[M] counts months from 1970-01; a month index counts them from year 0.
    dates = (months - 1970 * 12).astype("datetime64[M]").astype("datetime64[us]")  # the unit pandas gives dates
    dates[months < 0] = np.datetime64("NaT", "us")
    return pd.DatetimeIndex(dates)


def wide_series(recorder: Recorder) -> pd.DataFrame:
    """Monthly stocks and flows, one column each, indexed by date."""
    stocks = np.array(recorder.stocks, dtype=float).reshape(-1, len(STOCK_KEYS))
    flows = np.array(recorder.flows, dtype=float).reshape(-1, len(FLOW_KEYS))
    frame = pd.DataFrame(np.hstack([stocks, flows]), columns=[*STOCK_KEYS, *FLOW_KEYS])
    frame.index = month_dates(np.array(recorder.months, dtype=np.int64))
    frame.index.name = "date"
    return frame


def tidy_series(wide: pd.DataFrame) -> pd.DataFrame:
    """Long form: columns date, measure, series_group, unit (of the value, see SERIES), value."""
    measures: list[str] = []
    groups: list[str] = []
    parts: list[np.ndarray] = []

    def add(measure: str, columns: dict[str, pd.Series]) -> None:
        for group, values in columns.items():
            measures.append(measure)
            groups.append(group)
            parts.append(values.to_numpy(float))

    staff = {g: sum(wide[f"staff:{r}:{g}"] for r in RANKS) for g in GENERATIONS}
    add("headcount_by_generation", staff)
    add("elite_by_generation", {g: wide[f"staff:elite:{g}"] for g in GENERATIONS})
    by_rank = {r: sum(wide[f"staff:{r}:{g}"] for g in GENERATIONS) for r in RANKS}
    add("headcount_by_rank", by_rank)
    total = sum(by_rank.values())
    add("headcount", {"all": total})
    elite_total = by_rank["elite"]
    add(
        "new_generation_share",
        {
            "all": staff["new_generation"] / total.where(total > 0),
            "elite": wide["staff:elite:new_generation"] / elite_total.where(elite_total > 0),
        },
    )
    for measure, prefix in _MEASURES.items():
        add(measure, {column.removeprefix(prefix): wide[column] for column in wide.columns if column.startswith(prefix)})
    for name in _SCALARS:
        add(name, {"all": wide[name]})
    months = len(wide.index)
    units = [SERIES[measure][0] for measure in measures]
    return pd.DataFrame(
        {
            "date": np.tile(wide.index.to_numpy(), len(parts)),
            "measure": pd.Series(np.repeat(measures, months)).astype("category"),
            "series_group": pd.Series(np.repeat(groups, months)).astype("category"),
            "unit": pd.Series(np.repeat(units, months)).astype("category"),
            "value": np.concatenate(parts),
        }
    )


def _names(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(int), categories=list(names))


def _optional_names(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical:
    """Categorical with code 0 ("" in `names`) as missing."""
    return pd.Categorical.from_codes(codes.astype(int) - 1, categories=list(names[1:]))


def _years_or_missing(years: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable integer years; 0 (never) becomes missing."""
    return pd.arrays.IntegerArray(years.astype(np.int64), mask=years <= 0)


def post_histories(engine: Engine) -> list[str]:
    """For each person, the posts held as "YYYY-MM unit rank" entries joined by "; ".

    The unit is the post's label (sim/model/posts.py): "commissar", "deputy" or
    "collegium" for the HQ elite posts, "hq<k>" for a department,
    "mission<k>" for a mission abroad.
    """
    size = engine.roster.size
    if not engine.post_history:
        return [""] * size
    slots, posts, months = engine.assignments()
    order = np.lexsort((months, slots))
    slots, posts, months = slots[order], posts[order], months[order]
    table = engine.posts
    labels = [
        f"{m // 12}-{m % 12 + 1:02d} {table.label[p]} {RANKS[table.rank[p]]}"
        for p, m in zip(posts.tolist(), months.tolist(), strict=True)
    ]
    histories: list[list[str]] = [[] for _ in range(size)]
    for slot, label in zip(slots.tolist(), labels, strict=True):
        histories[slot].append(label)
    return ["; ".join(entries) for entries in histories]


def biographies(engine: Engine) -> pd.DataFrame:
    """One row per person who ever served."""
    roster = engine.roster
    v = roster.view
    end = engine.month  # first month not simulated
    exit_month = v("exit")
    served_until = np.where(exit_month >= 0, exit_month, end)
    purged = (v("exit_reason") == EXIT_REASONS.index("purged")) | (v("later_fate") == LATER_FATES.index("purged"))
    party = v("party_year")
    return pd.DataFrame(
        {
            "person_id": np.arange(roster.size),
            "profile": _names(v("profile"), PROFILES),
            "generation": _names(v("generation"), GENERATIONS),
            "birth": month_dates(v("birth")),
            "party_joined": _years_or_missing(party),
            "party_cohort": _names(party_cohort(party), PARTY_COHORTS),
            "entry": month_dates(v("entry")),
            "origin": _names(v("origin"), ORIGINS),
            "education": _names(v("education"), EDUCATIONS),
            "nationality": _names(v("nationality"), NATIONALITIES),
            "languages": v("languages").copy(),
            "abroad_experience": v("abroad_experience").copy(),
            "first_rank": _names(v("first_rank"), RANKS),
            "highest_rank": _names(v("highest_rank"), RANKS),
            "last_rank": _names(np.where(v("rank") >= 0, v("rank"), v("first_rank")), RANKS),
            "posts_held": v("posts_held").astype(int),
            "post_history": post_histories(engine),
            "months_of_service": (served_until - v("entry")).astype(int),
            "serving_at_end": exit_month < 0,
            "exit": month_dates(exit_month),
            "exit_reason": _optional_names(v("exit_reason"), EXIT_REASONS),
            "recalled": v("recalled").copy(),
            "planned_retirement": v("planned_retirement").copy(),
            "later_fate": _optional_names(v("later_fate"), LATER_FATES),
            "later_fate_date": month_dates(v("later_fate_month")),
            "purged": purged,
            "purge_outcome": _optional_names(v("purge_outcome"), PURGE_OUTCOMES),
        }
    )


def posts_held(engine: Engine) -> pd.DataFrame:
    """One row per person and post held, in the order of person_id, then start.

    Columns person_id, post_id (the post's number, sim/model/posts.py), unit (its label: "commissar", "deputy",
    "collegium", "hq<k>", "mission<k>"), posting (hq, abroad), rank, start (the month the post was taken),
    end (the month it was left, for the next post or out of the commissariat; empty if still held when the
    run ended) and ended_by ("next post", the exit reason, or empty).
    """
    slot, post, start = (part.astype(np.int64) for part in engine.assignments())
    order = np.argsort(slot, kind="stable")  # a person's assignments in the order they were made
    slot, post, start = slot[order], post[order], start[order]
    again = np.zeros(len(slot), dtype=bool)
    again[:-1] = slot[:-1] == slot[1:]  # the person took another post after this one
    end = engine.roster.view("exit")[slot].astype(np.int64)  # -1 (still serving) gives no date
    end[again] = start[np.flatnonzero(again) + 1]
    reason = np.array(EXIT_REASONS, dtype=object)[engine.roster.view("exit_reason")[slot].astype(np.int64)]
    ended_by = np.where(again, "next post", reason)
    ended_by[ended_by == ""] = None  # still held at the end
    table = engine.posts
    return pd.DataFrame(
        {
            "person_id": slot,
            "post_id": post,
            "unit": pd.Categorical(table.label[post].astype(str)),
            "posting": _names(table.abroad[post].astype(int), POSTINGS),
            "rank": _names(table.rank[post], RANKS),
            "start": month_dates(start),
            "end": month_dates(end),
            "ended_by": pd.Categorical(ended_by, categories=["next post", *EXIT_REASONS[1:]]),
        }
    )


def collect(engine: Engine) -> Records:
    """Build the records of a finished (or partly run) engine."""
    return Records(
        timeseries=tidy_series(wide_series(engine.recorder)), biographies=biographies(engine), posts=posts_held(engine)
    )
