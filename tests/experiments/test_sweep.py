import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.executors import Serial
from sim.experiments.sensitivity import analyse, ranked_bars, save_sensitivity
from sim.experiments.sweep import Sweep, apply, design, parse_parameter, parse_parameters
from sim.scenario.loader import ConfigError
from tests.ensemble_helpers import short, short_file


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("purge.multipliers.rank.elite", "NAME=LO:HI"),
        ("purge.multipliers.rank.elite=4:1.5", "LO < HI"),
        ("purge.multipliers.rank.elite=a:b", "numbers"),
        ("purge.multipliers.rank.nobody=1:2", "not one"),
        ("purge.enabled=0:1", "a number or a schedule"),
        ("attrition.transfer_out_rate=-1:0.1", "not a valid value"),
        ("institution.initial_fill=0.5:1.5", "not a valid value"),
    ],
)
def test_bad_specs_are_refused_clearly(spec, message):
    with pytest.raises(ConfigError) as error:
        parse_parameter(spec, short())
    assert error.value.path == "command line" and error.value.key == "--param"
    assert message in error.value.expected


def test_parameters_set_round_or_scale():
    scenario = short()
    tree = scenario.model_dump(mode="json")
    elite = parse_parameter("purge.multipliers.rank.elite=1.5:4", scenario)
    assert elite.mode == "set" and apply(tree, elite, 3.0)["purge"]["multipliers"]["rank"]["elite"] == 3.0
    plain = short(replacement={"recruitment_lag_months": 3})  # a whole number of months is swept as one
    lag = parse_parameter("replacement.recruitment_lag_months=1:6", plain)
    tree_plain = plain.model_dump(mode="json")
    assert lag.mode == "integer" and apply(tree_plain, lag, 2.6)["replacement"]["recruitment_lag_months"] == 3
    dated = parse_parameter("replacement.recruitment_lag_months=0.5:2", scenario)  # a schedule of lags is scaled
    assert dated.mode == "scale"
    intensity = parse_parameter("purge.intensity=0.5:1.5", scenario)
    scaled = apply(tree, intensity, 2.0)["purge"]["intensity"]
    assert intensity.mode == "scale" and [v for _, v in scaled] == [2 * v for _, v in tree["purge"]["intensity"]]
    with pytest.raises(ConfigError, match="once"):
        parse_parameters(["purge.intensity=0.5:1", "purge.intensity=1:2"], scenario)


def test_sweep_cli_bad_spec_exits_2_and_writes_nothing(tmp_path, capsys):
    scenario_file = short_file(tmp_path)
    out = tmp_path / "sweep"
    for argv in (
        ["--param", "purge.multipliers.rank.elite=4:1", "--samples", "4"],
        ["--param", "no.such.key=1:2", "--samples", "4"],
        ["--param", "purge.intensity=0.5:1.5", "--samples", "6", "--method", "sobol"],
        ["--param", "purge.intensity=0.5:1.5", "--samples", "4", "--method", "latin"],
        ["--samples", "4"],
    ):
        assert main(["sweep", str(scenario_file), *argv, "--out", str(out), "--quiet"]) == 2
        error = capsys.readouterr().err
        assert error.startswith("error: command line: --") and error.count("\n") == 1, error
    assert not out.exists()


def test_morris_sweep_ranks_parameters(tmp_path):
    scenario = short(end="1938-06")
    parameters = parse_parameters(["purge.intensity=0.25:1.5", "attrition.transfer_out_rate=0.02:0.06"], scenario)
    sweep = Sweep(scenario, parameters, samples=2, method="morris", out=tmp_path).execute(Serial(), progress=False)
    assert len(sweep.table) == 2 * (2 + 1) and (sweep.table["error"] == "").all()
    indices = analyse(sweep)
    purged = indices[(indices["outcome"] == "elite_purged_share") & (indices["index"] == "mu_star")].set_index("parameter")
    assert purged.loc["purge.intensity", "value"] > purged.loc["attrition.transfer_out_rate", "value"]
    ranked_bars(indices, "morris")
    samples = pd.read_csv(tmp_path / "samples.csv", keep_default_na=False, dtype=str)
    assert samples["majority_month_all"].str.fullmatch(r"\d{4}-\d{2}|").all()
    assert ((samples["majority_month_all"] == "") == (samples["majority_month_all_not_by_horizon"] == "True")).all()
    # Run again: every point is stored, so nothing is simulated and the table is the same.
    again = Sweep(scenario, parameters, samples=2, method="morris", out=tmp_path).execute(NothingToRun(), progress=False)
    pd.testing.assert_frame_equal(again.table, sweep.table)
    with pytest.raises(ValueError, match="got gif"):
        save_sensitivity(again, figure_formats="gif")
    assert not (tmp_path / "sensitivity.csv").exists()
    save_sensitivity(again, figure_formats="svg,pdf")
    assert sorted(p.name for p in (tmp_path / "figures").glob("sensitivity.*")) == ["sensitivity.pdf", "sensitivity.svg"]


class NothingToRun(Serial):
    def run(self, tasks):
        raise AssertionError(f"{len(tasks)} replicates rerun")


def test_sobol_design_size_and_bounds():
    parameters = parse_parameters(["purge.intensity=0.5:1.5", "attrition.transfer_out_rate=0.02:0.06"], short())
    points = design(parameters, 8, "sobol", seed=1)
    assert points.shape == (8 * (2 + 2), 2)
    assert (points[:, 0] >= 0.5).all() and (points[:, 0] <= 1.5).all()
    assert design(parameters, 3, "morris", seed=1).shape == (3 * (2 + 1), 2)
