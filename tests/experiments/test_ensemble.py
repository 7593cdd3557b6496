import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.ensemble import Ensemble, read_ensemble
from sim.experiments.executors import Serial
from sim.experiments.run import Run
from sim.model.engine import Engine
from sim.records.run_records import collect
from sim.results.storage import ResultExistsError
from tests.ensemble_helpers import ROOT, assert_same_replicates, short, short_file


class Interrupted(Exception):
    """Stands for a kill part-way through an ensemble."""


@pytest.fixture(scope="module")
def scenario():
    return short()


@pytest.fixture(scope="module")
def reference(tmp_path_factory, scenario):
    """An uninterrupted 6-replicate ensemble, run in this process."""
    out = tmp_path_factory.mktemp("reference") / "ensemble"
    return Ensemble(scenario, replicates=6, seed=7, out=out).execute(Serial(), progress=False).reduce()


def test_replicates_use_spawned_seeds_and_equal_single_runs(scenario, reference):
    children = np.random.SeedSequence(7).spawn(6)
    manifest = json.loads((reference.replicate_directory(2) / "manifest.json").read_text())
    assert manifest["seed"] == {"entropy": 7, "spawn_key": [2]}
    stored = pd.read_parquet(reference.replicate_directory(2) / "timeseries.parquet")
    # Replicates run the bare engine; a Mesa `Run` with the same spawned seed gives the same records.
    records = collect(Engine(scenario, children[2]).populate().run())
    pd.testing.assert_frame_equal(stored, records.timeseries)
    pd.testing.assert_frame_equal(stored, Run(scenario, seed=children[2]).execute().timeseries)
    first = pd.read_parquet(reference.replicate_directory(0) / "timeseries.parquet")
    assert not first["value"].equals(stored["value"])  # replicates differ


def test_bands_and_outcomes_cover_every_series(reference):
    assert set(reference.bands.columns) == {"date", "measure", "series_group", "unit", "median", "low", "high", "n"}
    assert (reference.bands["n"] <= 6).all()
    assert ((reference.bands["low"] <= reference.bands["median"]) | reference.bands["median"].isna()).all()
    assert len(reference.outcomes) == 6
    intervals = reference.intervals()
    assert intervals.loc["purged", "median"] > 0
    assert intervals.loc["share_all_1941", "n"] == 0  # beyond the short horizon: missing, not zero
    assert reference.interval_values()["purged"].median == intervals.loc["purged", "median"]


def test_resume_after_interruption_equals_uninterrupted(tmp_path, scenario, reference):
    out = tmp_path / "ensemble"
    finished = []

    def stop_part_way(result):
        finished.append(result.index)
        if len(finished) == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        Ensemble(scenario, replicates=6, seed=7, out=out).execute(jobs=2, progress=False, on_result=stop_part_way)
    stored = sorted(p.name for p in (out / "replicates").iterdir())
    assert 1 <= len(stored) <= 4, stored  # the pool keeps at most 2 per worker in flight
    resumed = []
    ensemble = Ensemble(scenario, replicates=6, seed=7, out=out)
    ensemble.execute(jobs=2, progress=False, on_result=lambda r: resumed.append(r.index)).reduce()
    assert sorted(resumed) == sorted(set(range(6)) - {int(name[1:]) for name in stored})
    assert_same_replicates(out, reference.directory)
    pd.testing.assert_frame_equal(ensemble.bands, reference.bands)
    pd.testing.assert_frame_equal(ensemble.outcomes, reference.outcomes)
    ensemble.execute(Serial(), progress=False, on_result=lambda r: pytest.fail("nothing should rerun"))


def test_changed_config_is_refused_with_the_key(tmp_path, scenario, reference):
    changed = short(attrition={"transfer_out_rate": 0.05})
    with pytest.raises(ResultExistsError, match="attrition.transfer_out_rate"):
        Ensemble(changed, replicates=6, seed=7, out=reference.directory).execute(Serial(), progress=False)
    with pytest.raises(ResultExistsError, match="seed"):
        Ensemble(scenario, replicates=6, seed=8, out=reference.directory).execute(Serial(), progress=False)


def test_more_replicates_extend_the_stored_ones(tmp_path, scenario):
    out = tmp_path / "ensemble"
    Ensemble(scenario, replicates=2, seed=7, out=out).execute(Serial(), progress=False)
    ran = []
    Ensemble(scenario, replicates=3, seed=7, out=out).execute(Serial(), progress=False, on_result=lambda r: ran.append(r.index))
    assert ran == [2]


def test_read_ensemble_from_disk(reference):
    reference.save(figures=False)
    again = read_ensemble(reference.directory)
    pd.testing.assert_frame_equal(again.bands, reference.bands)
    summary = json.loads((reference.directory / "summary.json").read_text())
    assert summary["replicates"] == 6 and "purged" in summary["outcomes"]


def test_cli_ensemble_killed_with_sigkill_resumes_to_the_same_result(tmp_path, reference):
    scenario_file = short_file(tmp_path)
    out = tmp_path / "killed"
    arguments = [
        "run",
        str(scenario_file),
        "--seed",
        "7",
        "--replicates",
        "6",
        "--jobs",
        "2",
        "--out",
        str(out),
        "--quiet",
        "--no-figures",
    ]
    command = [sys.executable, "-m", "sim.cli", *arguments]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stored():
        return list((out / "replicates").glob("r0*")) if (out / "replicates").exists() else []

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not stored():
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the command, its forkserver and workers: kill -9
    process.wait()
    assert 1 <= len(stored()) < 6 and not (out / "summary.json").exists()  # killed part-way
    assert main(arguments) == 0
    assert_same_replicates(out, reference.directory)
    assert not [p for p in (out / "replicates").iterdir() if p.name.startswith(".")]


def test_cli_refuses_a_changed_config_with_exit_2(tmp_path, capsys):
    scenario_file = short_file(tmp_path)
    out = tmp_path / "ens"
    assert (
        main(["run", str(scenario_file), "--replicates", "2", "--jobs", "1", "--out", str(out), "--quiet", "--no-figures"]) == 0
    )
    assert (out / "bands.parquet").exists() and (out / "summary.json").exists()
    short_file(tmp_path, extra="[attrition]\nretirement_rate = 0.2\n")
    before = sorted(p.name for p in out.rglob("*"))
    capsys.readouterr()
    assert main(["run", str(scenario_file), "--replicates", "2", "--jobs", "1", "--out", str(out), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "attrition.retirement_rate" in error and "--force" in error
    assert sorted(p.name for p in out.rglob("*")) == before
    assert (
        main(
            [
                "run",
                str(scenario_file),
                "--replicates",
                "2",
                "--jobs",
                "1",
                "--out",
                str(out),
                "--quiet",
                "--force",
                "--no-figures",
            ]
        )
        == 0
    )


def test_cli_bad_replicates_exit_2(tmp_path, capsys):
    scenario_file = short_file(tmp_path)
    assert main(["run", str(scenario_file), "--replicates", "2", "--jobs", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--jobs" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_replicates_of_other_model_code_are_refused(tmp_path, scenario):
    out = tmp_path / "ensemble"
    Ensemble(scenario, replicates=1, seed=7, out=out).execute(Serial(), progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "model/rules/purge.py" in manifest["model_code"]
    manifest["model_code"]["model/rules/purge.py"] = "0" * 12  # as if the purge rule had changed since
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultExistsError, match="rules/purge.py"):
        Ensemble(scenario, replicates=1, seed=7, out=out).execute(Serial(), progress=False)


def test_the_model_code_stamp_covers_every_module_of_the_model():
    from sim.experiments.ensemble import model_code

    model = ROOT / "sim" / "model"
    every = {str(path.relative_to(ROOT / "sim")) for path in model.rglob("*.py")}
    assert every <= set(model_code())  # a change to any module of the model refuses older replicates
    assert {"scenario/config.py", "records/run_records.py", "records/outcomes.py"} <= set(model_code())
