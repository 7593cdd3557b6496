"""The engine's bookkeeping, determinism and common random numbers, on the shipped scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model.engine import Engine
from sim.model.roster import SERVING
from sim.records.run_records import collect
from sim.scenario.config import month_index
from sim.scenario.loader import load_scenario

SHIPPED = ("historical", "no_purge", "gradual_transition")
SHORT = {"time": {"end": "1940-12"}}  # through the purge and the 1939 wave


def shipped(scenarios_dir, name, overrides=None):
    return load_scenario(scenarios_dir / f"{name}.toml", overrides=overrides)


# -- accounting identities ---------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_accounting_identities_hold_every_month(scenarios_dir, accounting, name):
    engine = Engine(shipped(scenarios_dir, name, SHORT), seed=11)
    records = accounting.run_checked(engine)
    accounting.check_records(engine, records)
    # Something happened, so the identities were exercised.
    assert accounting.series(records, "exits").sum() > 100
    assert accounting.series(records, "recruits").sum() > 100


def test_the_purge_moves_people_in_the_historical_run(scenarios_dir, accounting):
    # Guards the identity test above against a purge that silently does nothing.
    engine = Engine(shipped(scenarios_dir, "historical", SHORT), seed=11)
    records = accounting.run_checked(engine)
    bio = records.biographies
    assert (bio["exit_reason"] == "purged").sum() > 50
    assert (bio["exit_reason"] == "dismissed").sum() > 0
    assert bio["recalled"].sum() == accounting.series(records, "recalls").sum() > 0
    assert (bio["recalled"] <= bio["exit_reason"].isin(["purged", "defected"])).all()


def test_post_history_matches_the_roster(scenarios_dir, shipped_run, accounting):
    engine, records = shipped_run("historical", 3)
    intervals = accounting.post_intervals(engine)
    bio = records.biographies
    held = intervals.groupby("slot").size().reindex(bio["person_id"], fill_value=0)
    assert (held.to_numpy() == bio["posts_held"].to_numpy()).all()
    # Everyone serving at the end holds the post of their last holding interval.
    last = intervals.groupby("slot").tail(1).set_index("slot")["post"]
    serving = engine.roster.with_status(SERVING)
    assert (engine.roster.post[serving] == last.reindex(serving).to_numpy()).all()
    # The first holding starts on entry (recruits) or before the run (initial staff).
    first = intervals.groupby("slot")["start"].min().reindex(bio["person_id"]).to_numpy()
    assert (first == accounting.month_of(bio["entry"])).all()


def test_engine_refuses_to_step_past_its_horizon(scenarios_dir):
    engine = Engine(shipped(scenarios_dir, "no_purge", {"time": {"start": "1921-01", "end": "1921-02"}}), seed=0)
    engine.populate()
    engine.step()
    engine.step()
    assert engine.done
    with pytest.raises(RuntimeError, match="1921-02"):
        engine.step()


@pytest.mark.parametrize("fill", [0.0, 1.0])
def test_populate_fills_the_share_of_posts_asked_for(scenarios_dir, fill):
    engine = Engine(shipped(scenarios_dir, "no_purge", {"institution": {"initial_fill": fill}}), seed=0).populate()
    assert (engine.posts.holder >= 0).sum() == round(fill * engine.posts.count)


def test_initial_staff_entered_in_the_configured_window(scenarios_dir, shipped_run):
    engine, records = shipped_run("no_purge", 1)
    config = engine.scenario.initial
    start = pd.Timestamp(engine.scenario.time.start + "-01")
    initial = records.biographies[records.biographies["entry"] < start]
    assert initial["entry"].min() >= pd.Timestamp(config.entry_from + "-01")
    assert initial["entry"].max() <= pd.Timestamp(config.entry_to + "-01")
    # About initial_fill of the posts (binomial, 530 posts: 4 standard errors is about 0.04).
    share = len(initial) / engine.posts.count
    assert abs(share - engine.scenario.institution.initial_fill) < 4 * np.sqrt(0.95 * 0.05 / engine.posts.count)


@pytest.mark.parametrize("name", ["no_purge", "historical"])
def test_nobody_joined_the_party_as_a_child(shipped_run, name):
    # sim/model/profiles.py party_year: "Nobody joins before age 16".
    _, records = shipped_run(name, 1)
    bio = records.biographies
    member = bio["party_joined"].notna()
    age = (bio.loc[member, "party_joined"] - bio.loc[member, "birth"].dt.year).astype(int)
    assert member.sum() > 500
    assert (age >= 16).all(), f"joined at {age.min()}"


# -- determinism and common random numbers -----------------------------------


def test_same_seed_gives_identical_records(scenarios_dir):
    scenario = shipped(scenarios_dir, "historical", SHORT)
    first = collect(Engine(scenario, seed=42).populate().run())
    second = collect(Engine(scenario, seed=42).populate().run())
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries)
    pd.testing.assert_frame_equal(first.biographies, second.biographies)


def test_seed_defaults_to_the_scenarios(scenarios_dir):
    scenario = shipped(scenarios_dir, "historical", {"time": {"end": "1925-12"}, "seed": 42})
    implicit = collect(Engine(scenario).populate().run())
    explicit = collect(Engine(scenario, seed=42).populate().run())
    pd.testing.assert_frame_equal(implicit.biographies, explicit.biographies)


def test_different_seeds_give_different_records(scenarios_dir):
    scenario = shipped(scenarios_dir, "historical", SHORT)
    first = collect(Engine(scenario, seed=42).populate().run())
    second = collect(Engine(scenario, seed=43).populate().run())
    assert not first.timeseries["value"].equals(second.timeseries["value"])
    assert not first.biographies["birth"].equals(second.biographies["birth"])


def test_spawned_seed_sequences_are_distinct_replicates(scenarios_dir):
    scenario = shipped(scenarios_dir, "no_purge", {"time": {"end": "1925-12"}})
    one, two = np.random.SeedSequence(7).spawn(2)
    first = collect(Engine(scenario, seed=one).populate().run())
    again = collect(Engine(scenario, seed=np.random.SeedSequence(7).spawn(2)[0]).populate().run())
    second = collect(Engine(scenario, seed=two).populate().run())
    pd.testing.assert_frame_equal(first.biographies, again.biographies)
    assert not first.biographies["birth"].equals(second.biographies["birth"])


PURGE_BEGINS = "1934-12"  # historical.toml: first positive purge intensity (F9, F3)


# Biography columns that events after a cut-off date can still change.
CHANGES_LATER = {
    *("exit", "exit_reason", "later_fate", "later_fate_date", "purged", "purge_outcome", "recalled"),
    *("serving_at_end", "months_of_service", "post_history", "posts_held", "highest_rank", "last_rank"),
    "planned_retirement",
}


def _before(records, month: str):
    """The records restricted to what was known before `month`."""
    cut = pd.Timestamp(month + "-01")
    ts = records.timeseries
    ts = ts[ts["date"] < cut].reset_index(drop=True)
    bio = records.biographies
    bio = bio[bio["entry"] < cut]
    static = [column for column in bio.columns if column not in CHANGES_LATER]
    exits = bio["exit"].where(bio["exit"] < cut)
    return ts, bio[static].reset_index(drop=True), exits.reset_index(drop=True)


def _assert_same_before_purge(purge_run, no_purge_run):
    ts_a, bio_a, exits_a = _before(purge_run, PURGE_BEGINS)
    ts_b, bio_b, exits_b = _before(no_purge_run, PURGE_BEGINS)
    pd.testing.assert_frame_equal(ts_a, ts_b)
    pd.testing.assert_frame_equal(bio_a, bio_b)
    pd.testing.assert_series_equal(exits_a, exits_b)


def test_common_random_numbers_before_the_purge(shipped_run):
    # sim/model/streams.py: same seed, same rules -> same draws. historical and
    # no_purge share everything before the purge, so their records before
    # December 1934 must be identical, and part once the purge begins.
    _, purge_run = shipped_run("historical", 5, "1936-12")
    _, no_purge_run = shipped_run("no_purge", 5)
    _assert_same_before_purge(purge_run, no_purge_run)
    assert not _exits_before(purge_run, "1936-12").equals(_exits_before(no_purge_run, "1936-12"))


def _exits_before(records, month: str) -> pd.Series:
    ts = records.timeseries
    rows = (ts["measure"] == "exits") & (ts["date"] < pd.Timestamp(month + "-01"))
    return ts.loc[rows, "value"].reset_index(drop=True)


def test_purge_begins_when_historical_says(scenarios_dir):
    scenario = shipped(scenarios_dir, "historical")
    first_positive = min(month_index(d) for d, v in scenario.purge.intensity if v > 0)
    assert first_positive == month_index(PURGE_BEGINS)
