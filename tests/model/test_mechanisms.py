"""The mechanisms the documented patterns demand (docs/ODD.md, "Submodels").

Unequal risk (frailty), the lower exposure of the terror's own recruits, the
commissar's post as a dated appointment, the age limit of service and the
cut of entry ages: each checked on the homogeneous population of
tests/data/homogeneous.toml against what it must do, with the other
hazards off.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.model.categories import VETERANS_PROFILE
from sim.model.engine import Engine
from sim.model.profiles import age_at_entry, draw_people, frailty
from sim.model.roster import SERVING
from sim.records.run_records import collect
from sim.scenario.config import month_index
from sim.scenario.loader import load_scenario
from tests.model.test_rules import CERTAIN, START, assert_binomial, homogeneous, year_month


def _purged_share(scenario, seed=5):
    engine = Engine(scenario, seed).populate()
    at_start = engine.roster.size
    engine.run()
    bio = collect(engine).biographies.iloc[:at_start]
    return engine, bio, (bio["exit_reason"] == "purged").mean()


@pytest.mark.parametrize("variance", [0.0, 0.5, 2.0])
def test_frailty_leaves_the_surviving_share_of_a_gamma_mixture(data_dir, variance):
    # Under a constant hazard H for a year, the surviving share is exp(-H) with
    # equal risk and (1 + vH)^(-1/v) with gamma frailty of variance v.
    hazard = 1.5
    scenario = homogeneous(
        data_dir, 12, purge={"enabled": True, "intensity": [["1921-01", hazard]], "frailty_variance": variance}
    )
    _, bio, purged = _purged_share(scenario)
    survive = math.exp(-hazard) if variance == 0 else (1 + variance * hazard) ** (-1 / variance)
    assert_binomial(purged, 1 - survive, len(bio))


def test_frailty_has_mean_one_and_the_given_variance_and_keeps_each_persons_place():
    ranks = np.random.default_rng(1).integers(0, 2**31, 200_000).astype(np.int32)
    low, high = frailty(ranks, 0.5), frailty(ranks, 3.0)
    for values, variance in ((low, 0.5), (high, 3.0)):
        assert abs(values.mean() - 1) < 0.02 and abs(values.var() - variance) < 0.05 * variance + 0.02
    # The same person is as far up the risk distribution whatever its variance (common random numbers).
    assert np.array_equal(np.argsort(low, kind="stable"), np.argsort(high, kind="stable"))
    assert np.array_equal(frailty(ranks, 0.0), np.ones(len(ranks)))


def test_the_entrants_multiplier_acts_on_those_who_entered_from_its_date(data_dir):
    # The initial staff entered 1925-1929: those from 1927 on are "entrants" here, and spared.
    purge = {
        "enabled": True,
        "intensity": [["1921-01", 1.0]],
        "multipliers": {"entrants": {"since": "1927-01", "multiplier": 0.0}},
    }
    _, bio, _ = _purged_share(homogeneous(data_dir, 12, purge=purge))
    late = bio["entry"] >= "1927-01-01"
    assert late.sum() > 500 and (~late).sum() > 500
    assert not bio.loc[late, "purged"].any()
    assert_binomial(bio.loc[~late, "exit_reason"].eq("purged").mean(), 1 - math.exp(-1.0), int((~late).sum()))


def test_the_appointed_commissar_is_outside_the_purge_and_retirement_and_changes_on_its_dates(data_dir):
    change = month_index(START) + 7
    scenario = homogeneous(
        data_dir,
        12,
        attrition={"retirement_age": 30, "retirement_rate": CERTAIN, "retirement_age_limit": 30},
        purge={
            "enabled": True,
            "intensity": [["1921-01", CERTAIN]],
            "hq_wave": [["1921-01", CERTAIN]],
            "multipliers": {"left_service": 0.0},  # once dismissed, he is not caught either
        },
        appointments={"commissar_appointed": True, "commissar_changes": [year_month(change)]},
    )
    engine = Engine(scenario, 3).populate()
    first = int(engine.posts.holder[0])
    engine.run()
    roster = engine.roster
    # Everyone else left in the first month; the first commissar stayed until the change, then was dismissed.
    assert roster.exit[first] == change
    bio = collect(engine).biographies
    assert bio.loc[first, "exit_reason"] == "dismissed" and not bio.loc[first, "purged"]
    successor = int(engine.posts.holder[0])
    assert successor != first and roster.entry[successor] == change and roster.status[successor] == SERVING
    assert roster.profile[successor] == VETERANS_PROFILE
    others = np.setdiff1d(np.arange(roster.size), [first, successor])
    assert (roster.exit[others] == month_index(START)).all()


def test_the_appointees_are_old_bolsheviks_of_the_configured_age(data_dir):
    changes = [month_index(START) + 3 * k for k in range(1, 9)]
    age = {"minimum": 55, "mean": 58, "mode": 57, "maximum": 60}
    scenario = homogeneous(
        data_dir,
        30,
        appointments={"commissar_appointed": True, "commissar_changes": [year_month(m) for m in changes], "appointee_age": age},
    )
    engine = Engine(scenario, 4).populate()
    engine.run()
    roster = engine.roster
    appointees = np.flatnonzero(np.isin(roster.entry[: roster.size], changes))
    assert len(appointees) == len(changes)
    ages = (roster.entry[appointees] - roster.view("birth")[appointees]) / 12
    assert ((ages >= 55) & (ages <= 60)).all(), ages
    party = roster.view("party_year")[appointees]
    assert ((party > 0) & (party < 1917)).all(), party


def test_without_the_appointment_the_commissar_is_at_risk_like_anyone(data_dir):
    scenario = homogeneous(data_dir, 2, purge={"enabled": True, "intensity": [["1921-01", CERTAIN]]})
    engine = Engine(scenario, 3).populate()
    first = int(engine.posts.holder[0])
    engine.run()
    assert engine.roster.exit[first] == month_index(START)


def test_nobody_serves_past_the_age_limit(data_dir):
    limit = 45
    engine = Engine(homogeneous(data_dir, 24, attrition={"retirement_age": 30, "retirement_age_limit": limit}), 2).populate()
    birth = engine.roster.view("birth").copy()
    engine.run()
    bio = collect(engine).biographies
    start = month_index(START)
    reached = np.maximum(birth + 12 * limit, start)  # the month each reaches the limit (or the start, if past it)
    due = reached <= engine.end
    assert due.sum() > 100 and (~due).sum() > 100
    exits = engine.roster.view("exit")
    assert np.array_equal(exits[due], reached[due]) and (bio.loc[due, "exit_reason"] == "retired").all()
    assert (exits[~due] == -1).all()


def test_entry_ages_are_cut_at_the_maximum_and_keep_each_persons_place():
    profile = load_scenario_profile()
    uniform = np.random.default_rng(3).random(100_000)
    cut = age_at_entry(profile, uniform)
    uncut = age_at_entry(
        profile.model_copy(update={"age_at_entry": profile.age_at_entry.model_copy(update={"maximum": None})}), uniform
    )
    assert cut.max() <= profile.age_at_entry.maximum and uncut.max() > profile.age_at_entry.maximum
    assert abs(uncut.mean() - profile.age_at_entry.mean) < 0.1  # the gamma's mean before the cut
    assert np.array_equal(np.argsort(cut), np.argsort(uncut))
    people = draw_people(np.random.default_rng(4), profile, np.full(5000, 1937 * 12, dtype=np.int32), VETERANS_PROFILE)
    assert ((1937 * 12 - people["birth"]) / 12).max() <= profile.age_at_entry.maximum + 1 / 24


def load_scenario_profile():
    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "base.toml")
    return scenario.profiles.veterans
