"""Comparisons that carry a calibration's posterior: draws, pairing, and the split of variance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_calibration import SMALL

from sim.errors import ResultExistsError
from sim.experiments.compare import Comparison
from sim.experiments.draws import ParameterDraws
from sim.experiments.ensemble import Ensemble
from sim.experiments.variance import variance_split
from sim.scenario.loader import ConfigError, load_scenario

PEAK_KEYS = "purge.intensity.5.1, purge.intensity.6.1"


def write_posterior(directory: Path, peaks: list[float], weights: list[float]) -> Path:
    """A calibration directory as `cadres calibrate` leaves it, as far as draws read it."""
    directory.mkdir(parents=True)
    pd.DataFrame({"purge_peak": peaks, "weight": weights}).to_csv(directory / "posterior.csv", index=False)
    pd.DataFrame({"parameter": ["purge_peak"], "keys": [PEAK_KEYS], "median": [float(np.median(peaks))]}).to_csv(
        directory / "summary.csv", index=False
    )
    return directory


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL + '\n[time]\nend = "1940-12"\n')
    return path


@pytest.fixture
def twin(tmp_path, small) -> Path:
    """The small scenario under another name: the same rules."""
    path = tmp_path / "twin.toml"
    path.write_text(f'extends = "{small}"\nname = "twin"\nlabel = "the same rules, another name"\n')
    return path


@pytest.fixture
def posterior(tmp_path) -> Path:
    return write_posterior(tmp_path / "posterior", [0.1, 0.5, 0.95], [0.2, 0.3, 0.5])


def test_draws_are_resampled_by_weight_and_fixed_by_the_seed(tmp_path, posterior):
    one = ParameterDraws.from_posterior(posterior, draws=200, per_draw=1, seed=3)
    again = ParameterDraws.from_posterior(posterior, draws=200, per_draw=1, seed=3)
    other = ParameterDraws.from_posterior(posterior, draws=200, per_draw=1, seed=4)
    pd.testing.assert_frame_equal(one.values, again.values)
    assert one.fingerprint() == again.fingerprint() != other.fingerprint()
    shares = one.values["purge_peak"].value_counts(normalize=True)
    assert shares[0.95] > shares[0.5] > shares[0.1] > 0.05  # weights 0.5, 0.3, 0.2
    only = write_posterior(tmp_path / "only", [0.1, 0.5, 0.95], [0.0, 1.0, 0.0])
    assert set(ParameterDraws.from_posterior(only, draws=30, per_draw=2, seed=1).values["purge_peak"]) == {0.5}


def test_a_draw_sets_its_keys_where_the_scenario_has_them(small, posterior):
    draws = ParameterDraws.from_posterior(posterior, draws=4, per_draw=2, seed=1)
    scenario = load_scenario(small)
    assert draws.applicable(scenario) == ["purge_peak"]
    for variant, value in zip(draws.scenarios(scenario), draws.values["purge_peak"], strict=True):
        assert variant.purge.intensity[5][1] == variant.purge.intensity[6][1] == value
        assert variant.purge.intensity[4] == scenario.purge.intensity[4]  # the other knots are the scenario's
    no_schedule = scenario.model_copy(update={"purge": scenario.purge.model_copy(update={"intensity": [("1921-01", 0.0)]})})
    assert draws.applicable(no_schedule) == []
    assert [variant.purge.intensity for variant in draws.scenarios(no_schedule)] == [no_schedule.purge.intensity] * 4
    assert [draws.draw_of(i) for i in range(draws.replicates)] == [0, 0, 1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize(
    ("files", "message"),
    [({}, "posterior.csv and summary.csv"), ({"posterior.csv": "purge_peak\n0.5\n", "summary.csv": None}, "weight")],
)
def test_a_directory_that_is_not_a_posterior_is_refused(tmp_path, files, message):
    directory = tmp_path / "notes"
    directory.mkdir()
    for name, text in files.items():
        if text is None:
            pd.DataFrame({"parameter": ["purge_peak"], "keys": [PEAK_KEYS]}).to_csv(directory / name, index=False)
        else:
            (directory / name).write_text(text)
    with pytest.raises(ConfigError, match=message) as raised:
        ParameterDraws.from_posterior(directory, draws=2, per_draw=2, seed=1)
    assert raised.value.key == "--posterior"


def test_scenarios_with_the_same_rules_differ_by_nothing_under_the_same_draws(tmp_path, small, twin, posterior):
    draws = ParameterDraws.from_posterior(posterior, draws=3, per_draw=2, seed=1)
    comparison = Comparison([small, twin], seed=5, out=tmp_path / "cmp", draws=draws).execute(jobs=2, progress=False)
    assert comparison.replicates == 6
    one, two = (ensemble.outcomes for ensemble in comparison.ensembles)
    pd.testing.assert_frame_equal(one, two)
    assert list(one["draw"]) == [0, 0, 1, 1, 2, 2]
    for row in comparison.differences():
        for value in row.values.values():
            assert value.n == 0 or value.median == value.low == value.high == 0, row.outcome.name
    # The draws act: replicates under different peaks purge different numbers of people.
    purged = one.groupby("draw")["purged"].mean()
    assert purged.nunique() == 3
    table = comparison.save(figures=False)
    stored = json.loads((table / "comparison.json").read_text())
    assert stored["posterior"]["parameters set"] == {"small": ["purge_peak"], "twin": ["purge_peak"]}
    assert stored["posterior"]["fingerprint"] == draws.fingerprint()
    assert stored["labels"] == {"small": "small", "twin": "the same rules, another name"}  # a label, else the name
    assert "same posterior draws" in comparison.format()
    # The findings page says where the intervals come from and shows the split.
    from sim.experiments.findings import render

    page = render(stored, "figures", "cadres findings --posterior DIR")
    assert f"parameter sets drawn from the posterior of `{posterior}`" in page
    assert "How much of each paired difference's variance comes from the calibrated parameters" in page


def test_an_ensemble_under_other_draws_is_refused_not_mixed(tmp_path, small, posterior):
    first = ParameterDraws.from_posterior(posterior, draws=2, per_draw=1, seed=1)
    Ensemble(small, seed=5, out=tmp_path / "ens", draws=first).execute(jobs=1, progress=False)
    other = ParameterDraws.from_posterior(posterior, draws=2, per_draw=1, seed=2)
    with pytest.raises(ResultExistsError, match="posterior draws"):
        Ensemble(small, seed=5, out=tmp_path / "ens", draws=other).execute(jobs=1, progress=False)
    with pytest.raises(ResultExistsError, match="without posterior draws|posterior draws"):
        Ensemble(small, replicates=2, seed=5, out=tmp_path / "ens").execute(jobs=1, progress=False)


def test_the_variance_split_recovers_known_parts():
    rng = np.random.default_rng(0)
    draws = np.repeat(np.arange(400), 5)
    means = rng.normal(0, 2.0, 400)  # the parameters' part: variance 4
    values = means[draws] + rng.normal(0, 1.0, draws.size)  # chance: variance 1
    split = variance_split(pd.Series(values), pd.Series(draws))
    assert split.parameters == pytest.approx(4.0, rel=0.15) and split.chance == pytest.approx(1.0, rel=0.1)
    assert split.parameters_share == pytest.approx(0.8, abs=0.04)
    chance_only = variance_split(pd.Series(rng.normal(0, 1.0, draws.size)), pd.Series(draws))
    assert chance_only.parameters_share < 0.05  # the naive variance of the draw means would give about 17%
    never = pd.Series([np.inf] * 10)
    assert variance_split(never, pd.Series(np.repeat(np.arange(5), 2))) is None


def test_compare_with_a_bad_posterior_is_one_line_and_exit_2(tmp_path, small, twin, capsys):
    from sim.cli import main

    out = tmp_path / "out"
    code = main(["compare", str(small), str(twin), "--posterior", str(tmp_path / "nowhere"), "--out", str(out)])
    error = capsys.readouterr().err.strip()
    assert code == 2 and len(error.splitlines()) == 1 and "--posterior" in error
    assert not out.exists()


def test_the_variance_of_a_month_difference_counts_a_month_never_reached_as_the_one_after_the_horizon():
    from types import SimpleNamespace

    from sim.records.outcomes import OUTCOMES

    month = next(outcome for outcome in OUTCOMES if outcome.kind == "month")
    horizon = 500
    draws = np.repeat(np.arange(4), 3)

    def fake(name, months):
        outcomes = pd.DataFrame({o.name: np.zeros(len(draws)) for o in OUTCOMES} | {"draw": draws})
        outcomes[month.name] = months
        return SimpleNamespace(name=name, outcomes=outcomes, scenario=SimpleNamespace(end_month=horizon))

    reference = fake("purge", np.full(len(draws), 400.0))
    # in draws 2 and 3 the counterfactual never gets there: those are the draws in which it is latest
    late = np.where(draws >= 2, np.inf, 450.0 + np.arange(len(draws)) % 3)
    comparison = Comparison.__new__(Comparison)
    comparison.ensembles, comparison.draws = [reference, fake("slow", late)], object()
    split = comparison.variance()[month.name]["slow"]
    assert split.replicates == len(draws)  # every replicate, censored ones included
    differences = np.where(draws >= 2, horizon + 1 - 400.0, 50.0 + np.arange(len(draws)) % 3)
    expected = variance_split(pd.Series(differences), pd.Series(draws))
    assert split.parameters == pytest.approx(expected.parameters) and split.parameters_share > 0.9
