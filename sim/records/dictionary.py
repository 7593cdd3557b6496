"""The data dictionary: data_dictionary.csv, written beside the tables of every run, ensemble and comparison.

One row per column of each table the result holds: table, column, unit,
meaning. The rows of the table `measure` are the measures of the tidy
series (the values of its `measure` column), each with the unit its
`value` has (sim.records.run_records.SERIES), so that a reader need not guess whether a
value counts people, a share or months. A month outcome is a year-month
("YYYY-MM") beside its `_not_by_horizon` marker (sim/months.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.months import MARKER
from sim.records.outcomes import OUTCOMES
from sim.records.run_records import SERIES
from sim.results.storage import replace_file

FILE = "data_dictionary.csv"
COLUMNS = ("table", "column", "unit", "meaning")
YEAR_MONTH = "year-month (YYYY-MM)"
DATE = "date (YYYY-MM-DD, the first of the month)"
MARKER_MEANING = "true when the event did not happen by the horizon (the month beside it is then empty); empty if not measured"

TIMESERIES = (
    ("date", DATE, "the month: a stock on its first day, a flow during it"),
    ("measure", "", "what the row measures: one of the rows of table `measure` below"),
    ("series_group", "", "the part of the staff (or the rank, posting, reason) the measure counts; `all` for the whole"),
    ("unit", "", "the unit of `value`, as listed for its measure"),
    ("value", "see `unit`", "the measure's value for the group in the month; empty where undefined (a share of nobody)"),
)

BIOGRAPHIES = (
    ("person_id", "", "the person's number in the run (as in the posts table)"),
    ("profile", "", "the profile the person was drawn from on entry: veterans (F5) or new_generation (F6)"),
    ("generation", "", "generation, from party tenure and entry date (sim/model/generations.py)"),
    ("birth", DATE, "month of birth"),
    ("party_joined", "year", "the year the person joined the party; empty if never"),
    ("party_cohort", "", "party cohort by the year of joining: pre_1917, civil_war, nep, recent, none"),
    ("entry", DATE, "month of entry into the commissariat"),
    ("origin", "", "social origin"),
    ("education", "", "education"),
    ("nationality", "", "nationality"),
    ("languages", "true/false", "speaks foreign languages"),
    ("abroad_experience", "true/false", "had lived abroad before entry"),
    ("first_rank", "", "rank of the first post held"),
    ("highest_rank", "", "highest rank held"),
    ("last_rank", "", "rank of the last (or current) post"),
    ("posts_held", "posts", "number of posts held (rows of the posts table)"),
    ("post_history", "", 'the posts held, "YYYY-MM unit rank" joined by "; " (the posts table has them one per row)'),
    ("months_of_service", "months", "months from entry to exit, or to the end of the run"),
    ("serving_at_end", "true/false", "still serving when the run ended"),
    ("exit", DATE, "month of leaving the commissariat; empty if serving at the end"),
    ("exit_reason", "", "why the person left: died, retired, transferred_out, dismissed, purged, defected; empty if serving"),
    ("recalled", "true/false", "recalled from a mission abroad on arrest"),
    ("planned_retirement", "true/false", "left by a transition policy's planned retirement"),
    ("later_fate", "", "died or purged after leaving, while followed; empty if neither"),
    ("later_fate_date", DATE, "month of the later fate"),
    ("purged", "true/false", "purged, on exit or as a later fate"),
    ("purge_outcome", "", "executed, imprisoned or exiled; empty if not purged"),
)

POSTS = (
    ("person_id", "", "the person (as in biographies)"),
    ("post_id", "", "the post's number in the commissariat's layout (sim/model/posts.py)"),
    ("unit", "", 'the post\'s unit: "commissar", "deputy", "collegium" (HQ elite posts), "hq<k>" (a department), '
     '"mission<k>" (a mission abroad)'),
    ("posting", "", "hq or abroad"),
    ("rank", "", "the post's rank: elite, middle, junior"),
    ("start", DATE, "the month the person took the post"),
    ("end", DATE, "the month the person left it (for the next post, or out of the commissariat); empty if held at the end"),
    ("ended_by", "", '"next post", or the exit reason; empty if held at the end'),
)  # fmt: skip

RUN_SUMMARY = (
    ("scenario", "", "the scenario's name"),
    ("seed", "", "the seed"),
    ("first_month", YEAR_MONTH, "the first simulated month"),
    ("last_month", YEAR_MONTH, "the last simulated month"),
    ("headcount_start", "people", "staff serving in the first month"),
    ("headcount_end", "people", "staff serving at the end"),
    ("people_served", "people", "everyone who served"),
    ("purged_in_service", "people", "purged on exit"),
    ("purged_after_leaving", "people", "purged after leaving"),
    ("purged", "people", "purged, in service or after"),
    ("dismissed", "people", "dismissed"),
    ("defected", "people", "defected"),
    ("recruited", "people", "outside recruits over the run"),
    ("new_generation_share", "share", "the new generation's share of all staff and of the elite on 1 January 1936-1941"),
)

BANDS = (
    ("date", DATE, "as in the timeseries"),
    ("measure", "", "as in the timeseries"),
    ("series_group", "", "as in the timeseries"),
    ("unit", "", "the unit of median, low and high, as in the timeseries"),
    ("median", "see `unit`", "median over the replicates"),
    ("low", "see `unit`", "10th percentile over the replicates"),
    ("high", "see `unit`", "90th percentile over the replicates"),
    ("n", "replicates", "replicates with a value that month"),
)

INTERVALS = (
    ("outcome", "", "the key outcome (sim/records/outcomes.py)"),
    ("label", "", "the outcome in words"),
    ("kind", "", "month, share, years or count (in differences: month_diff ...)"),
    ("scenario", "", "the scenario"),
    ("median", "see `kind`", "median over the replicates; empty for a month outcome (see median_month)"),
    ("low", "see `kind`", "10th percentile; empty for a month outcome"),
    ("high", "see `kind`", "90th percentile; empty for a month outcome"),
    ("median_month", YEAR_MONTH, "a month outcome's median; empty if not by the horizon"),
    ("low_month", YEAR_MONTH, "a month outcome's 10th percentile"),
    ("high_month", YEAR_MONTH, "a month outcome's 90th percentile"),
    ("n", "replicates", "replicates with a value"),
    ("median_not_by_horizon", "true/false", MARKER_MEANING),
    ("low_not_by_horizon", "true/false", MARKER_MEANING),
    ("high_not_by_horizon", "true/false", MARKER_MEANING),
    ("text", "", "the cell of the printed table"),
)

UNITS = {"month": YEAR_MONTH, "share": "share (0-1)", "years": "years", "count": "count"}


def _rows(table: str, columns) -> list[tuple[str, str, str, str]]:
    return [(table, column, unit, meaning) for column, unit, meaning in columns]


def _outcome_rows(table: str, draws: bool) -> list[tuple[str, str, str, str]]:
    rows = [(table, "replicate", "", "the replicate's number (its seed: SeedSequence(seed).spawn(replicates)[replicate])")]
    if draws:
        rows.append((table, "draw", "", "the posterior draw the replicate ran under"))
    for outcome in OUTCOMES:
        rows.append((table, outcome.name, UNITS[outcome.kind], outcome.label))
        if outcome.kind == "month":
            rows.append((table, outcome.name + MARKER, "true/false", MARKER_MEANING))
    return rows


def run_tables(timeseries: str, biographies: str, posts: str) -> list[tuple[str, str, str, str]]:
    """The rows for a run's three tables (named as their files) and the measures of its series."""
    measures = [("measure", name, unit, meaning) for name, (unit, meaning) in SERIES.items()]
    return [*_rows(timeseries, TIMESERIES), *measures, *_rows(biographies, BIOGRAPHIES), *_rows(posts, POSTS)]


def run_dictionary(suffix: str = "parquet") -> pd.DataFrame:
    """The dictionary of a run directory (its tables written as `suffix`)."""
    rows = run_tables(f"timeseries.{suffix}", f"biographies.{suffix}", f"posts.{suffix}") + _rows("summary.json", RUN_SUMMARY)
    return pd.DataFrame(rows, columns=COLUMNS)


def ensemble_dictionary(suffix: str = "parquet", draws: bool = False) -> pd.DataFrame:
    """The dictionary of an ensemble directory: its bands, outcomes and summary, and each replicate's tables."""
    replicate = "replicates/rNNNN/"
    rows = [
        *_rows(f"bands.{suffix}", BANDS),
        *_outcome_rows("outcomes.csv", draws),
        ("summary.json", "outcomes", "", "each outcome's median, low, high and n, as in comparison.csv, months as YYYY-MM"),
        *run_tables(f"{replicate}timeseries.parquet", f"{replicate}biographies.parquet", f"{replicate}posts.parquet"),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def comparison_dictionary() -> pd.DataFrame:
    """The dictionary of a comparison directory (each scenario's ensemble directory has its own)."""
    rows = _rows("comparison.csv", INTERVALS) + [
        ("comparison.json", "rows", "", "the table: per outcome and scenario the fields of comparison.csv (months in median)"),
        ("comparison.json", "differences", "", "paired differences against the first scenario, the same fields"),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def write_dictionary(directory: Path, frame: pd.DataFrame) -> str:
    """Write data_dictionary.csv into `directory`; its name (to record in a manifest)."""
    replace_file(Path(directory) / FILE, lambda path: frame.to_csv(path, index=False))
    return FILE


__all__ = ["FILE", "comparison_dictionary", "ensemble_dictionary", "run_dictionary", "write_dictionary"]
