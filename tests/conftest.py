"""Shared fixtures: the shipped scenarios, runs of them, and the accounting checks.

The checks are the model's bookkeeping identities, used on the shipped
scenarios (tests/model/test_engine.py) and on generated ones
(tests/model/test_properties.py):

- stocks are counted on the first of a month and flows during it, so
  headcount(m + 1) = headcount(m) + recruits(m) - exits(m);
- vacancies + headcount = posts, every month;
- a post has at most one holder, and every person serving holds exactly one post;
- a person leaves at most once, for one reason, and the biographies agree
  with the monthly flows and stocks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model.categories import EXIT_REASONS
from sim.model.engine import Engine
from sim.model.roster import SERVING
from sim.records.run_records import Records, collect
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
DATA = Path(__file__).resolve().parent / "data"

# Exits after which the model keeps following the person (status LEFT).
FOLLOWED_EXITS = {"retired", "transferred_out", "dismissed"}


def month_of(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Month index (year * 12 + month - 1) of dates; NaT gives -1."""
    dates = pd.DatetimeIndex(dates)
    months = dates.year.to_numpy(dtype=float) * 12 + dates.month.to_numpy(dtype=float) - 1
    return np.where(dates.isna(), -1, np.nan_to_num(months, nan=-1)).astype(np.int64)


def series(records: Records, measure: str, group: str | None = None) -> pd.Series:
    """One measure of the tidy series by date; summed over its groups unless `group` is given."""
    ts = records.timeseries
    rows = ts[ts["measure"] == measure]
    if group is not None:
        rows = rows[rows["series_group"] == group]
    assert len(rows), f"no rows for measure {measure!r} group {group!r}"
    return rows.groupby("date", observed=True)["value"].sum(min_count=1)


def check_posts(engine: Engine) -> None:
    """A post has at most one holder; the people serving are exactly the post holders."""
    holder = engine.posts.holder
    filled = np.flatnonzero(holder >= 0)
    holders = holder[filled]
    assert len(np.unique(holders)) == len(holders), "one person holds two posts"
    assert (engine.roster.post[holders] == filled).all(), "holder and roster disagree on a post"
    serving = engine.roster.with_status(SERVING)
    assert np.array_equal(np.sort(holders), serving), "the people serving are not exactly the post holders"


def run_checked(engine: Engine, on_month: Callable[[Engine], None] | None = None) -> Records:
    """Populate and run an engine, checking the posts on the first of every month."""
    engine.populate()
    check_posts(engine)
    while not engine.done:
        engine.step()
        check_posts(engine)
        if on_month:
            on_month(engine)
    return collect(engine)


def post_intervals(engine: Engine) -> pd.DataFrame:
    """Holding intervals [start, end) of every post, rebuilt from `engine.post_history`."""
    if not engine.post_history:
        return pd.DataFrame({"slot": [], "post": [], "start": [], "end": []}, dtype=np.int64)
    slots, posts, months = engine.assignments()
    months = months.astype(np.int64)
    order = np.lexsort((months, slots))
    frame = pd.DataFrame({"slot": slots[order], "post": posts[order], "start": months[order]})
    exit_month = engine.roster.view("exit").astype(np.int64)
    person_end = np.where(exit_month >= 0, exit_month, engine.month)[frame["slot"]]
    next_start = frame.groupby("slot")["start"].shift(-1)
    frame["end"] = np.where(next_start.isna(), person_end, next_start.fillna(0)).astype(np.int64)
    return frame


def check_post_history(engine: Engine) -> None:
    """Holding intervals are well formed and never overlap on a post."""
    frame = post_intervals(engine)
    assert (frame["end"] >= frame["start"]).all(), "a holding ends before it starts"
    frame = frame.sort_values(["post", "start", "end"])
    same_post = frame["post"].to_numpy()[1:] == frame["post"].to_numpy()[:-1]
    overlap = frame["start"].to_numpy()[1:] < frame["end"].to_numpy()[:-1]
    assert not (same_post & overlap).any(), "two people held the same post at once"


def check_records(engine: Engine, records: Records) -> None:
    """The bookkeeping identities between stocks, flows and biographies."""
    headcount = series(records, "headcount", "all")
    recruits = series(records, "recruits")
    exits = series(records, "exits")
    vacancies = series(records, "vacancies")
    bio = records.biographies
    start = engine.scenario.start_month
    months = np.arange(start, engine.month)
    assert list(month_of(headcount.index)) == list(months)

    # Stock-flow identity: stocks on the first of the month, flows during it.
    initial = int((month_of(bio["entry"]) < start).sum())
    assert headcount.iloc[0] == initial
    expected = initial + (recruits - exits).cumsum().shift(1, fill_value=0)
    pd.testing.assert_series_equal(headcount, expected, check_names=False)
    serving_now = len(engine.roster.with_status(SERVING))
    assert serving_now == headcount.iloc[-1] + recruits.iloc[-1] - exits.iloc[-1]
    assert serving_now == int(bio["serving_at_end"].sum())

    # Every post is either held or vacant.
    assert ((vacancies + headcount) == engine.posts.count).all()

    # One exit per person, for one reason, and only for those who left.
    left = bio["exit"].notna()
    assert (left == bio["exit_reason"].notna()).all()
    assert (left == ~bio["serving_at_end"]).all()
    exit_month = month_of(bio["exit"])
    entry_month = month_of(bio["entry"])
    assert (exit_month[left] >= np.maximum(entry_month[left], start)).all()
    # The flows count each leaver exactly once, in the month and under the reason of the biography.
    flows = records.timeseries[records.timeseries["measure"] == "exits"]
    for reason in EXIT_REASONS[1:]:
        counted = flows[flows["series_group"] == reason].set_index("date")["value"]
        people = bio.loc[bio["exit_reason"] == reason, "exit"].value_counts()
        people = people.reindex(counted.index, fill_value=0)
        assert counted.to_numpy().tolist() == people.to_numpy(dtype=float).tolist(), reason
        assert counted.sum() == (bio["exit_reason"] == reason).sum(), reason
    # Recruits: one biography each, entering in the month they are counted.
    newcomers = bio.loc[entry_month >= start, "entry"].value_counts().reindex(recruits.index, fill_value=0)
    assert recruits.to_numpy().tolist() == newcomers.to_numpy(dtype=float).tolist()
    # Headcount rebuilt from the biographies.
    served_to = np.where(exit_month >= 0, exit_month, np.iinfo(np.int64).max)
    rebuilt = [int(((entry_month < m) & (served_to >= m)).sum()) for m in months]
    assert headcount.to_numpy().tolist() == rebuilt

    # Later fates only for those the model still follows, after they left.
    fated = bio["later_fate"].notna()
    assert bio.loc[fated, "exit_reason"].isin(FOLLOWED_EXITS).all()
    assert (bio.loc[fated, "later_fate_date"] > bio.loc[fated, "exit"]).all()
    assert (fated == bio["later_fate_date"].notna()).all()
    service = np.where(exit_month >= 0, exit_month, engine.month) - entry_month
    assert (bio["months_of_service"].to_numpy() == service).all()

    check_post_history(engine)


class Accounting:
    """The checks above, handed to tests as one fixture."""

    check_posts = staticmethod(check_posts)
    check_records = staticmethod(check_records)
    check_post_history = staticmethod(check_post_history)
    run_checked = staticmethod(run_checked)
    post_intervals = staticmethod(post_intervals)
    series = staticmethod(series)
    month_of = staticmethod(month_of)


@pytest.fixture(scope="session")
def accounting() -> Accounting:
    return Accounting()


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@cache
def _shipped(name: str, seed: int, end: str | None) -> tuple[Engine, Records]:
    overrides = {"time": {"end": end}} if end else None
    engine = Engine(load_scenario(SCENARIOS / f"{name}.toml", overrides=overrides), seed)
    engine.populate().run()
    return engine, collect(engine)


@pytest.fixture(scope="session")
def shipped_run() -> Callable[..., tuple[Engine, Records]]:
    """Run a shipped scenario once per (name, seed, end) for the whole session.

    The result is shared between tests: read it, never change it.
    """

    def run(name: str, seed: int, end: str | None = None) -> tuple[Engine, Records]:
        return _shipped(name, seed, end)

    return run


@pytest.fixture(scope="session")
def dask_client():
    """A Dask LocalCluster of two single-threaded worker processes, shared by the tests that need one."""
    import distributed

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = distributed.Client(cluster)
    client.wait_for_workers(2, timeout=60)
    yield client
    client.close()
    cluster.close()
