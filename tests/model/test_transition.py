"""The gradual transition as a policy (F10): its share of the new generation is an outcome, not a plan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.model.categories import NEW_GENERATION
from sim.model.engine import Engine
from sim.model.roster import SERVING
from sim.model.rules.transition import due
from sim.records.outcomes import first_majority
from sim.records.run_records import collect
from sim.scenario.config import Scenario, month_index
from sim.scenario.loader import ConfigError, load_scenario

PACES = ("gradual_transition_fast", "gradual_transition", "gradual_transition_slow")  # fastest first
START = month_index("1937-01")  # transition.start of the shipped scenarios


def with_transition(scenario: Scenario, **transition) -> Scenario:
    """`scenario` with its [transition] table replaced by `transition` (defaults for the rest)."""
    tree = scenario.model_dump()
    tree["transition"] = transition
    return Scenario.model_validate(tree)


def gradual(scenarios_dir, end: str, **overrides) -> Scenario:
    return load_scenario(scenarios_dir / "gradual_transition.toml", overrides={"time": {"end": end}, **overrides})


def flows(records, measure: str, group: str) -> pd.Series:
    ts = records.timeseries
    return ts[(ts["measure"] == measure) & (ts["series_group"] == group)].set_index("date")["value"]


def months_of(index: pd.Index) -> np.ndarray:
    return np.array([d.year * 12 + d.month - 1 for d in index])


# -- the share is an outcome ----------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_a_faster_pace_gives_an_earlier_majority(shipped_run, seed):
    months = []
    for name in PACES:
        _, records = shipped_run(name, seed)
        month = first_majority(flows(records, "new_generation_share", "all"))
        months.append(math.inf if math.isnan(month) else month)
    assert months[0] < months[1] < months[2], months
    assert months[1] < math.inf, "the middle pace should reach a majority by the horizon"


def test_a_zero_quota_without_retirement_is_the_run_without_the_transition(scenarios_dir):
    without = with_transition(gradual(scenarios_dir, "1941-12"), enabled=False)
    zero = with_transition(without, enabled=True, start="1937-01", new_generation_recruits_per_year=0)
    a, b = collect(Engine(without, seed=4).populate().run()), collect(Engine(zero, seed=4).populate().run())
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.biographies, b.biographies)
    # ... and the policy is not idle when it has a quota.
    some = with_transition(without, enabled=True, start="1937-01", new_generation_recruits_per_year=30)
    c = collect(Engine(some, seed=4).populate().run())
    assert flows(c, "recruits", "new_generation").sum() > flows(a, "recruits", "new_generation").sum()


# -- the recruitment quota ------------------------------------------------------------


def quota_run(scenarios_dir, ordinary_after_start: float, quota: float = 30):
    share = [["1930-12", 0.0], ["1931-01", 0.25], ["1936-12", 0.5], ["1937-01", ordinary_after_start]]
    scenario = gradual(scenarios_dir, "1941-12", replacement={"new_generation_share": share})
    policy = {"new_generation_recruits_per_year": quota, "veteran_retirement_age": 60, "veteran_retirements_per_year": 25}
    scenario = with_transition(scenario, enabled=True, start="1937-01", **policy)
    records = collect(Engine(scenario, seed=6).populate().run())
    new, veterans = flows(records, "recruits", "new_generation"), flows(records, "recruits", "veterans")
    after = months_of(new.index) >= START
    return new[after].to_numpy(), (new + veterans)[after].to_numpy(), quota


def test_without_ordinary_new_generation_recruits_the_quota_is_exactly_what_comes_in(scenarios_dir):
    new, arrivals, quota = quota_run(scenarios_dir, ordinary_after_start=0.0)
    so_far = 0
    for k, (newcomers, count) in enumerate(zip(new, arrivals, strict=True)):
        owed = due(quota, k + 1) - so_far
        # The first arrivals up to what is owed are of the new generation, and nobody else is.
        assert newcomers == min(count, max(0, owed)), f"month {k} of the policy"
        so_far += newcomers
        assert so_far <= due(quota, k + 1)
    assert so_far >= due(quota, len(new)) - 5, "vacancies should nearly keep up with a quota of 30 a year"
    assert arrivals.sum() > new.sum(), "arrivals beyond the quota are of the veterans' profile"


def test_the_quota_comes_on_top_of_the_ordinary_share(scenarios_dir):
    new, arrivals, quota = quota_run(scenarios_dir, ordinary_after_start=0.5)
    so_far = 0
    for k, (newcomers, count) in enumerate(zip(new, arrivals, strict=True)):
        assert newcomers >= min(count, max(0, due(quota, k + 1) - so_far)), f"month {k} of the policy"
        so_far += newcomers
    # Beyond the quota the ordinary draw gives both profiles: more new-generation recruits than the quota alone.
    assert due(quota, len(new)) < new.sum() < arrivals.sum()


# -- the veterans' retirement ---------------------------------------------------


def test_retired_veterans_are_planned_retirements_oldest_first_within_the_cap(scenarios_dir):
    scenario = load_scenario(scenarios_dir / "gradual_transition_fast.toml", overrides={"time": {"end": "1940-12"}})
    policy = scenario.transition
    engine = Engine(scenario, seed=3).populate()
    roster = engine.roster
    months_checked = 0
    while not engine.done:
        month = engine.month
        engine.step()
        retired = np.flatnonzero(roster.view("planned_retirement") & (roster.view("exit") == month))
        assert month >= START or len(retired) == 0
        if len(retired) == 0:
            continue
        months_checked += 1
        assert (roster.generation[retired] != NEW_GENERATION).all()
        assert (month - roster.birth[retired] >= 12 * policy.veteran_retirement_age).all()
        # Within the cap, and those over the age who stay are younger than anyone who went.
        assert roster.view("planned_retirement").sum() <= due(policy.veteran_retirements_per_year, month - START + 1)
        serving = roster.with_status(SERVING)
        staying = serving[(roster.generation[serving] != NEW_GENERATION) & (roster.entry[serving] < month)]
        staying = staying[month - roster.birth[staying] >= 12 * policy.veteran_retirement_age]
        staying = staying[~engine.posts.appointed[roster.post[staying]]]
        if len(staying):
            assert roster.birth[retired].max() <= roster.birth[staying].min()
    assert months_checked > 12
    records = collect(engine)
    planned = flows(records, "planned_retirements", "all")
    bio = records.biographies
    assert planned.sum() == bio["planned_retirement"].sum() > 0
    assert (bio.loc[bio["planned_retirement"], "exit_reason"] == "retired").all()


def test_retirement_by_service_retires_long_servers_only(scenarios_dir):
    scenario = with_transition(gradual(scenarios_dir, "1938-12"), enabled=True, veteran_retirement_service_years=15)
    engine = Engine(scenario, seed=2).populate().run()
    bio = collect(engine).biographies
    planned = bio[bio["planned_retirement"]]
    assert len(planned) > 0
    assert (planned["months_of_service"] >= 15 * 12).all()
    assert (planned["exit_reason"] == "retired").all()


# -- validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("new_generation_recruits_per_year", -5),
        ("veteran_retirement_age", 17),
        ("veteran_retirement_age", 101),
        ("veteran_retirement_service_years", 61),
        ("veteran_retirements_per_year", -1),
    ],
)
def test_a_bad_policy_value_is_one_clear_error_naming_its_key(scenarios_dir, tmp_path, key, value):
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{scenarios_dir / "gradual_transition.toml"}"\n\n[transition]\n{key} = {value}\n')
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert caught.value.key == f"transition.{key}"
    assert "\n" not in str(caught.value) and f"transition.{key}" in str(caught.value)


def test_the_share_path_plan_is_gone(scenarios_dir, tmp_path):
    path = tmp_path / "old.toml"
    path.write_text(f'extends = "{scenarios_dir / "gradual_transition.toml"}"\n\n[transition]\ntarget_share = 0.6\n')
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert caught.value.key == "transition.target_share"
