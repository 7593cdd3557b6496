"""Branching a stored run: exact with its own seed, fresh with another, refused where the past would differ."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.model.branch import BranchError, branch, check_branch, run_until
from sim.model.engine import Engine
from sim.records.run_records import biographies, wide_series
from sim.scenario.config import month_index
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SPLIT = "1934-12"  # the handset purge's first month above zero


def scenario(**purge):
    """The hand-set historical scenario to 1938, with purge settings replaced."""
    overrides = {"time": {"end": "1938-06"}, "purge": purge}
    return load_scenario(SCENARIOS / "historical_handset.toml", overrides=overrides)


@pytest.fixture(scope="module")
def stored_and_other():
    stored = scenario()
    knots = [list(knot) for knot in stored.purge.intensity]
    knots[5][1] = knots[6][1] = 0.9  # a far harder peak (1937-07..1938-04)
    other = scenario(
        intensity=knots,
        multipliers={"rank": {"elite": 5.0}, "posting": {"abroad": 2.5}},
        hq_wave=[["1938-01", 0.0], ["1938-02", 4.0]],
    )
    return stored, other


def frames(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    return biographies(engine), wide_series(engine.recorder)


def test_continued_with_its_own_seed_a_branch_is_the_new_scenario_run_from_the_start(stored_and_other):
    """The state copied at the split is complete, and the new purge acts only after it: draw for draw equal."""
    stored, other = stored_and_other
    prefix = run_until(Engine(stored, 5).populate(), SPLIT)
    continued = branch(prefix, other, 5).run()
    from_start = Engine(other, 5).populate().run()
    for got, expected in zip(frames(continued), frames(from_start), strict=True):
        pd.testing.assert_frame_equal(got, expected)
    # ... and not equal to the stored scenario's own run: the change matters after the split.
    assert not biographies(Engine(stored, 5).populate().run()).equals(frames(continued)[0])


def test_a_branch_leaves_the_stored_run_alone_and_another_seed_gives_another_future(stored_and_other):
    stored, other = stored_and_other
    prefix = run_until(Engine(stored, 5).populate(), SPLIT)
    before = frames(prefix)
    first = biographies(branch(prefix, other, 6).run())
    again = biographies(branch(prefix, other, 6).run())
    pd.testing.assert_frame_equal(first, again)
    for got, expected in zip(frames(prefix), before, strict=True):
        pd.testing.assert_frame_equal(got, expected)
    assert prefix.month == month_index(SPLIT)
    different = biographies(branch(prefix, other, 7).run())
    assert not different["exit"].equals(first["exit"])
    # The past is shared: who served at the split and when they entered.
    entered = first["entry"] < pd.Timestamp(SPLIT)
    assert first.loc[entered, "birth"].equals(different.loc[entered, "birth"])


def test_branching_is_refused_where_the_past_would_differ(stored_and_other):
    stored, other = stored_and_other
    early = scenario(intensity=[["1930-01", 0.0], ["1930-02", 0.05]])
    with pytest.raises(BranchError, match="purge has begun before the split month"):
        check_branch(stored, early, month_index(SPLIT))
    with pytest.raises(BranchError, match="purge has begun before the split month"):
        check_branch(stored, other, month_index("1936-01"))  # both purge from 1934-12
    check_branch(stored, scenario(), month_index("1936-01"))  # the same purge: the past is the same process
    other_institution = load_scenario(
        SCENARIOS / "historical_handset.toml",
        overrides={"time": {"end": "1938-06"}, "replacement": {"recruitment_lag_months": 5}},
    )
    with pytest.raises(BranchError, match=r"differ in \[replacement\]"):
        check_branch(stored, other_institution, month_index(SPLIT))
