"""Ensembles and comparisons in Python: kept in memory unless given a directory, bands without reduce(), variants."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.experiments.compare import Comparison, variant
from sim.experiments.ensemble import Ensemble, read_ensemble
from sim.experiments.executors import Serial
from sim.experiments.run import Run
from sim.scenario.loader import ConfigError
from tests.ensemble_helpers import short


class NothingToRun(Serial):
    def run(self, tasks):
        raise AssertionError(f"{len(tasks)} replicates rerun")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The reference: 3 replicates written to disk."""
    out = tmp_path_factory.mktemp("stored") / "ensemble"
    return Ensemble(short(), replicates=3, seed=11, out=out).execute(Serial(), progress=False)


def test_run_summary_is_summary_json(tmp_path):
    run = Run(short(), seed=3).execute(agents=False)
    summary = run.summary()
    assert summary["scenario"] == "historical" and summary["seed"] == 3
    run.save(tmp_path / "run", figures=False)
    assert json.loads((tmp_path / "run" / "summary.json").read_text()) == json.loads(json.dumps(summary))


def test_bands_and_outcomes_after_execute_without_reduce(stored):
    assert stored.bands is not None and stored.outcomes is not None  # no reduce() called
    assert len(stored.outcomes) == 3 and set(stored.bands["n"]) <= {0, 3}
    assert Ensemble(short(), replicates=3, seed=11, out=stored.directory / "elsewhere").bands is None  # not run yet


def test_an_ensemble_without_a_directory_writes_nothing_and_equals_the_stored_one(tmp_path, monkeypatch, stored):
    monkeypatch.chdir(tmp_path)
    ensemble = Ensemble(short(), replicates=3, seed=11)
    assert ensemble.in_memory and ensemble.bands is None
    ensemble.execute(jobs=2, progress=False)  # workers send the records back
    assert list(tmp_path.iterdir()) == []  # nothing written, not even runs/
    pd.testing.assert_frame_equal(ensemble.bands, stored.bands)
    pd.testing.assert_frame_equal(ensemble.outcomes, stored.outcomes)
    pd.testing.assert_frame_equal(ensemble.replicate_records(1).biographies, stored.replicate_records(1).biographies)
    with pytest.raises(ValueError, match="in memory"):
        ensemble.save(figures=False)
    # Written when asked: a whole ensemble directory, replicates and all, that resumes like any other.
    out = ensemble.save(figures=False, directory=tmp_path / "saved")
    assert out == tmp_path / "saved" and not ensemble.in_memory
    assert sorted(p.name for p in (out / "replicates").iterdir()) == ["r0000", "r0001", "r0002"]
    pd.testing.assert_frame_equal(read_ensemble(out).bands, stored.bands)
    Ensemble(short(), replicates=3, seed=11, out=out).execute(NothingToRun(), progress=False)


def test_two_variants_of_one_scenario_compared_in_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = short()
    milder = 0.5 * base.purge.multipliers.rank.elite  # doubled, the calibrated purge already takes every exposed one
    milder_variant = variant(base, {"purge.multipliers.rank.elite": milder}, "elite_half", "milder")
    assert milder_variant.purge.multipliers.rank.elite == milder and milder_variant.title == "milder"
    assert milder_variant.model_dump(exclude={"name", "label", "purge"}) == base.model_dump(exclude={"name", "label", "purge"})
    comparison = Comparison([base, milder_variant], replicates=2, seed=5).execute(Serial(), progress=False)
    assert list(tmp_path.iterdir()) == []
    table = comparison.as_json()
    assert table["scenarios"] == ["historical", "elite_half"] and table["labels"]["elite_half"] == "milder"
    assert table["directory"] is None
    purged = next(row for row in comparison.differences() if row.outcome.name == "elite_purged_share")
    assert purged.values["elite_half"].median < 0  # the same seeds, a milder purge of the elite
    comparison.save(figures=False, directory=tmp_path / "cmp")
    assert {"comparison.csv", "comparison.json", "historical", "elite_half"} <= {p.name for p in (tmp_path / "cmp").iterdir()}
    # The same scenario twice is refused, with the way out; so are keys the scenario lacks and values it refuses.
    with pytest.raises(ConfigError, match="variant"):
        Comparison([base, base.model_copy()])
    with pytest.raises(ConfigError, match="purge.multipliers.rank.nobody"):
        variant(base, {"purge.multipliers.rank.nobody": 1.0}, "x")
    with pytest.raises(ConfigError, match="elite"):
        variant(base, {"purge.multipliers.rank.elite": -1.0}, "x")
    lag = variant(short(replacement={"recruitment_lag_months": 3}), {"replacement.recruitment_lag_months": 5.0}, "lag5")
    assert lag.replacement.recruitment_lag_months == 5  # a whole number for an integer key
