"""A run's headline numbers, computed from its records."""

from __future__ import annotations

import pandas as pd

from sim.records.run_records import Records

SNAPSHOT_YEARS = tuple(range(1936, 1942))  # 1 January of 1936-1941 (F3, F6, F9 span these years)


def series(timeseries: pd.DataFrame, measure: str, series_group: str = "all") -> pd.Series:
    """One monthly series of the tidy frame, indexed by date."""
    rows = timeseries[(timeseries["measure"] == measure) & (timeseries["series_group"] == series_group)]
    if rows.empty:
        raise KeyError(f"no series {measure}/{series_group} in the records")
    return rows.set_index("date")["value"]


def _on(values: pd.Series, year: int) -> float | None:
    date = pd.Timestamp(year=year, month=1, day=1)
    return float(values.loc[date]) if date in values.index else None


def summarize(records: Records) -> dict:
    """Headcount, purged, defected, recruited, and new-generation shares on 1 January 1936-1941."""
    ts, bio = records.timeseries, records.biographies
    headcount = series(ts, "headcount")
    share_all = series(ts, "new_generation_share", "all")
    share_elite = series(ts, "new_generation_share", "elite")
    recruits = ts[ts["measure"] == "recruits"]["value"].sum()
    return {
        "first_month": headcount.index[0].strftime("%Y-%m"),
        "last_month": headcount.index[-1].strftime("%Y-%m"),
        "headcount_start": int(headcount.iloc[0]),
        "headcount_end": int(bio["serving_at_end"].sum()),
        "people_served": int(len(bio)),
        "purged_in_service": int((bio["exit_reason"] == "purged").sum()),
        "purged_after_leaving": int((bio["later_fate"] == "purged").sum()),
        "purged": int(bio["purged"].sum()),
        "dismissed": int((bio["exit_reason"] == "dismissed").sum()),
        "defected": int((bio["exit_reason"] == "defected").sum()),
        "recruited": int(recruits),
        "new_generation_share": {
            f"{year}-01-01": {"all": _on(share_all, year), "elite": _on(share_elite, year)} for year in SNAPSHOT_YEARS
        },
    }


def format_summary(summary: dict, title: str) -> str:
    """The summary as a short plain-text block for the terminal."""
    lines = [
        title,
        f"  months simulated       {summary['first_month']} to {summary['last_month']}",
        f"  headcount              {summary['headcount_start']} at start, {summary['headcount_end']} at end",
        f"  people who served      {summary['people_served']}",
        f"  purged                 {summary['purged']} ({summary['purged_in_service']} in service, "
        f"{summary['purged_after_leaving']} after leaving)",
        f"  dismissed              {summary['dismissed']}",
        f"  defected               {summary['defected']}",
        f"  recruited              {summary['recruited']}",
        "  new generation share   all staff   elite",
    ]
    for date, shares in summary["new_generation_share"].items():
        if shares["all"] is None:
            continue
        elite = "n/a" if shares["elite"] is None or shares["elite"] != shares["elite"] else f"{shares['elite']:6.1%}"
        lines.append(f"    {date}           {shares['all']:6.1%}      {elite}")
    return "\n".join(lines)
