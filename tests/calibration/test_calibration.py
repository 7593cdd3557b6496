"""Calibration: priors, parameter recovery, `cadres calibrate --quick` and `cadres validate` end to end."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest

from calibration.abc import KernelBandwidth, natural_values, prior_distribution, run_abc
from calibration.commands import register
from calibration.parameters import CalibrationProblem
from calibration.posterior import posterior_samples, summarize
from calibration.simulate import ensemble, simulate_targets
from calibration.targets import Target, in_distance, load_targets
from sim.scenario.config import AbcSettings
from sim.scenario.loader import ConfigError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# A small commissariat (110 posts instead of 530): the same rules, runs
# about four times faster.
SMALL = f"""
extends = "{SCENARIOS / "historical_handset.toml"}"
name = "small"

[institution]
hq_departments = 3
missions = 8
department_posts = {{ middle = 4, junior = 6 }}

[replacement]
recruitment_capacity = [["1936-12", 1.0], ["1937-01", 6.0], ["1939-12", 6.0], ["1940-06", 1.2]]

# Equal risk: these tests are of the inference machinery, and under unequal
# risk F1 answers the peak intensity too weakly for a 20-particle posterior
# to narrow it in three generations.
[purge]
frailty_variance = 0.0
"""

PRIORS = """
[calibration]
write_to = "small_calibrated.toml"
write_extends = "small.toml"

[calibration.priors.purge_peak]
low = 0.05
high = 1.0
keys = ["purge.intensity.5.1", "purge.intensity.6.1"]

[calibration.priors.career_junior]
low = 0.02
high = 0.7
keys = ["calibration.historian.career.junior"]
"""


def cadres(argv: list[str]) -> int:
    """`sim.cli.main` once it registers our subcommands; until then the same dispatch locally."""
    from sim.cli import cadres as cli

    parser = cli.build_parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction)).choices
    if "calibrate" in commands:
        return cli.main(argv)
    local = argparse.ArgumentParser(prog="cadres")
    register(local.add_subparsers(dest="command", required=True))
    args = local.parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL + PRIORS)
    return path


def test_priors_set_every_key_they_name(small):
    problem = CalibrationProblem.from_file(small, horizon="1939-12")
    scenario = problem.build({"purge_peak": 0.42, "career_junior": 0.3})
    assert dict(scenario.purge.intensity)["1937-07"] == dict(scenario.purge.intensity)["1938-04"] == 0.42
    assert scenario.calibration.historian.career.junior == 0.3
    assert scenario.time.end == "1939-12"


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (("high = 1.0", "high = 0.01"), "calibration.priors.purge_peak", "expected low < high"),
        (
            ('"purge.intensity.5.1", ', '"purge.intensty.5.1", '),
            "calibration.priors.purge_peak.keys.0",
            "purge.intensty not found",
        ),
        (
            ('"purge.intensity.5.1", ', '"purge.intensity.50.1", '),
            "calibration.priors.purge_peak.keys.0",
            "list position below 10",
        ),
        (("low = 0.02\nhigh = 0.7", "low = 0.02\nhigh = 1.7"), "calibration.historian.career.junior", "less than or equal to 1"),
        (
            ("low = 0.05", 'distribution = "normal"\nlow = 0.05'),
            "calibration.priors.purge_peak.distribution",
            "'uniform' or 'loguniform'",
        ),
        (("[calibration]\n", "[calibration]\nabc.kernel_variance = 0\n"), "calibration.abc.kernel_variance", "greater than 0"),
        (
            ("[calibration]\n", "[calibration]\nabc.ancestor_power = 2\n"),
            "calibration.abc.ancestor_power",
            "less than or equal to 1",
        ),
        (  # the hand-set purge begins in 1934-12, and purge_peak changes it
            ("[calibration]\n", '[calibration]\nabc.shared_history_until = "1936-01"\n'),
            "calibration.abc.shared_history_until",
            "purge has begun before the split month (1936-01)",
        ),
    ],
)
def test_bad_priors_exit_2_with_the_key(small, tmp_path, capsys, change, key, message):
    small.write_text(SMALL + PRIORS.replace(*change, 1))
    assert cadres(["calibrate", str(small), "--quick", "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and key in error and message in error, error


def test_calibrate_needs_priors_and_validate_needs_a_historian(tmp_path, capsys):
    bare = tmp_path / "bare.toml"
    bare.write_text(SMALL)
    assert cadres(["calibrate", str(bare), "--quick"]) == 2
    assert "calibration.priors" in capsys.readouterr().err
    no_historian = tmp_path / "no_historian.toml"
    no_historian.write_text(f'extends = "{SCENARIOS / "no_purge.toml"}"\n')
    assert cadres(["validate", str(no_historian)]) == 2
    assert "calibration.historian" in capsys.readouterr().err


def test_validate_rejects_a_bad_targets_file(small, tmp_path, capsys):
    bad = tmp_path / "targets.toml"
    bad.write_text('[[target]]\nid = "F1.x"\n')
    assert cadres(["validate", str(small), "--targets", str(bad)]) == 2
    error = capsys.readouterr().err
    assert str(bad) in error and "target.0" in error


def test_ensemble_is_the_same_for_any_number_of_workers(small):
    scenario = load_scenario(small, overrides={"time": {"end": "1939-12"}})
    targets = load_targets()[:6]
    one = ensemble(scenario, targets, 4, seed=11, workers=1)
    two = ensemble(scenario, targets, 4, seed=11, workers=2)
    pd.testing.assert_frame_equal(one, two)
    assert one.iloc[0].to_dict() != one.iloc[1].to_dict()  # spawned seeds differ


def test_log_uniform_priors_are_sampled_on_their_log_scale(small):
    """A log-uniform parameter is uniform in its log (half the draws below the geometric mean), a uniform one in itself.

    With 2,000 seeded draws a share's standard error is 0.011; the tolerance is 0.04. Sampled on the natural
    scale, loguniform(0.02, 0.7) would have 14% of its draws below the geometric mean.
    """
    small.write_text(
        small.read_text().replace(
            "[calibration.priors.career_junior]\n", '[calibration.priors.career_junior]\ndistribution = "loguniform"\n'
        )
    )
    problem = CalibrationProblem.from_file(small)
    prior = prior_distribution(problem)
    np.random.seed(0)
    draws = pd.DataFrame([natural_values(problem, prior.rvs()) for _ in range(2000)])
    assert draws.career_junior.between(0.02, 0.7).all() and draws.purge_peak.between(0.05, 1.0).all()
    assert abs((draws.career_junior < np.sqrt(0.02 * 0.7)).mean() - 0.5) < 0.04
    assert abs((draws.purge_peak < (0.05 + 1.0) / 2).mean() - 0.5) < 0.04


def test_proposal_kernels_have_the_set_multiple_of_the_population_covariance():
    """pyabc squares a bandwidth selector's factor: the kernels' covariance must come out as `variance` x the weighted one."""
    rng = np.random.default_rng(0)
    particles = pd.DataFrame(rng.normal(size=(50, 3)) * [1.0, 0.1, 5.0], columns=["a", "b", "c"])
    weights = rng.uniform(0.5, 1.5, 50)
    weights /= weights.sum()
    transition = pyabc.MultivariateNormalTransition(bandwidth_selector=KernelBandwidth(2.0))
    transition.fit(particles, weights)
    population = np.cov(particles.to_numpy().T, aweights=weights, bias=True)
    assert np.allclose(transition.cov, 2.0 * population, rtol=0.05)


@pytest.mark.parametrize("shared_history_until", [None, "1934-12"])
def test_parameter_recovery(small, tmp_path, shared_history_until):
    """Data made by the model at known values; a short ABC-SMC; the values inside the 90% intervals.

    With a fixed seed this is deterministic. For a calibrated posterior each
    interval misses its true value 10% of the time, so about one seed in five
    would fail on one of the two parameters; ABC's tolerance widens the
    posterior, so in practice less often. The intervals must also be
    narrower than the prior (something was learned). Also with simulations
    that continue 20 stored runs from the first purge month (sim.model.branch).
    """
    problem = CalibrationProblem.from_file(small, horizon="1939-12")
    truth = {"purge_peak": 0.4, "career_junior": 0.3}
    generating = [t for t in load_targets() if t.id.startswith("F1.")]
    observed = simulate_targets(problem.build(truth), 12345, generating)
    targets = [
        Target(
            id=t.id,
            population=t.population,
            category=t.category,
            documented=observed[t.id],
            band=(observed[t.id] - 0.03, observed[t.id] + 0.03),
            fit="point",
            source="generated by the model at known parameters",
        )
        for t in generating
    ]
    settings = AbcSettings(
        population_size=30,
        max_generations=4,
        max_simulations=600,
        max_minutes=5,
        shared_history_until=shared_history_until,
        shared_histories=20,
    )
    history = run_abc(problem, targets, settings, tmp_path / "abc.db", workers=1, progress=False, seed=3)
    summary = summarize(posterior_samples(history, problem), problem).set_index("parameter")
    for name, value in truth.items():
        prior = problem.priors[name]
        row = summary.loc[name]
        assert row.lower_90 <= value <= row.upper_90, (name, value, row.to_dict())
        assert row.upper_90 - row.lower_90 < 0.8 * (prior.high - prior.low), (name, row.to_dict())


def test_quick_calibration_end_to_end_then_resume_and_validate(small, tmp_path, capsys):
    out = tmp_path / "posterior"
    assert cadres(["calibrate", str(small), "--quick", "--workers", "1", "--out", str(out)]) == 0
    for name in ("abc.db", "posterior.csv", "summary.csv", "fit.csv", "fit.json", "fit.png", "report.md", "predictive.csv"):
        assert (out / name).stat().st_size > 0, name
    # ABC fitted the targets in the distance only; the posterior predictive and the report measure them all.
    targets = load_targets()
    fitted = pyabc.History(f"sqlite:///{out / 'abc.db'}", _id=1).observed_sum_stat()
    assert sorted(fitted) == sorted(target.id for target in in_distance(targets)) != sorted(t.id for t in targets)
    assert list(pd.read_csv(out / "predictive.csv").columns) == [target.id for target in targets]
    fit = pd.read_csv(out / "fit.csv")
    assert list(fit["use"]) == [target.use for target in targets] and list(fit["group"]) == [t.group for t in targets]
    report = (out / "report.md").read_text()
    assert report.index("### Documented figures (F1–F4)") < report.index("### Patterns (F4–F9)")
    assert "| F6.recruit_mean_age | check-only |" in report and "| F1.unaccounted | distance |" in report
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["parameter"]) == ["purge_peak", "career_junior"]
    assert (summary["lower_90"] <= summary["median"]).all() and (summary["median"] <= summary["upper_90"]).all()
    assert not (tmp_path / "small_calibrated.toml").exists()  # --quick never writes the calibrated scenario back
    facts = json.loads((out / "run.json").read_text())
    simulations = facts["simulations (ABC)"]
    sizes = facts["effective sample size by generation"]
    assert len(sizes) == facts["generations"] and sizes[0] == pytest.approx(facts["population size"])  # from the prior: equal
    assert all(1 <= size <= facts["population size"] + 1e-6 for size in sizes), sizes
    capsys.readouterr()

    # Interrupted or finished: a second call continues from the database and does not start over.
    assert cadres(["calibrate", str(small), "--quick", "--workers", "1", "--out", str(out), "--no-write"]) == 0
    assert json.loads((out / "run.json").read_text())["simulations (ABC)"] == simulations
    capsys.readouterr()

    # A checkpoint of another calibration is refused rather than silently mixed.
    small.write_text(SMALL + PRIORS.replace("high = 1.0", "high = 0.9"))
    assert cadres(["calibrate", str(small), "--quick", "--workers", "1", "--out", str(out)]) == 2
    assert "--replace" in capsys.readouterr().err  # a finished calibration: --fresh does not discard it

    assert cadres(["validate", str(small), "--json", "--replicates", "3", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    ids = [target.id for target in load_targets()]
    assert [entry["id"] for entry in report["targets"]] == ids
    for entry in report["targets"]:
        assert set(entry) == {"id", "group", "use", "documented", "band", "median", "interval", "inside"}
        assert entry["interval"][0] <= entry["median"] <= entry["interval"][1]
        assert entry["inside"] == bool(entry["band"][0] <= entry["median"] <= entry["band"][1])
    assert [(entry["group"], entry["use"]) for entry in report["targets"]] == [(t.group, t.use) for t in load_targets()]
    documented = [entry for entry in report["targets"] if entry["group"] == "documented"]
    assert np.isfinite([entry["median"] for entry in documented]).all()

    assert cadres(["validate", str(small), "--replicates", "2", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert text.index("Documented figures (F1–F4)") < text.index("F4.staff_replaced") < text.index("Patterns (F4–F9)")
    assert text.index("Patterns (F4–F9)") < text.index("F8.commissar_continuity")
    assert "check-only" in text.split("F6.recruit_mean_age")[1].splitlines()[0]


def test_after_the_deadline_runs_are_rejected_at_once(small):
    from calibration.abc import BandDistance, TargetModel

    problem = CalibrationProblem.from_file(small, horizon="1939-12")
    targets = load_targets()
    late = TargetModel(problem, targets, deadline=0.0)({"purge_peak": 0.5, "career_junior": 0.3})
    assert all(np.isnan(value) for value in late.values())
    assert BandDistance(targets)(late, {}) == np.inf


def test_the_distance_leaves_out_check_only_targets():
    from calibration.abc import BandDistance

    targets = load_targets()
    within = {target.id: target.documented for target in targets}
    check = next(target for target in targets if target.use == "check")
    fitted = next(target for target in targets if target.use == "distance")
    distance = BandDistance(targets)
    assert distance(within, {}) == 0.0
    assert distance({**within, check.id: math.nan}, {}) == distance({**within, check.id: 1e6}, {}) == 0.0
    assert distance({**within, fitted.id: math.nan}, {}) == math.inf  # an empty population: far outside
    off = fitted.band[1] + (fitted.band[1] - fitted.band[0])
    assert fitted.error(off) > 0 and distance({**within, fitted.id: off}, {}) == pytest.approx(fitted.error(off))


def test_fit_table_and_text_show_the_groups_and_uses():
    from calibration.posterior import fit_table
    from calibration.report import fit_json, format_fit, groups

    targets = load_targets()
    simulated = pd.DataFrame({target.id: [target.band[0], target.band[1]] for target in targets})
    simulated["F9.peak_elsewhere"] = [1.5, 1.5]  # outside its band
    simulated["F8.commissar_continuity"] = [math.nan, math.nan]  # no commissar: outside
    table = fit_table(simulated, targets)
    assert [heading for heading, _ in groups(table)] == ["Documented figures (F1–F4)", "Patterns (F4–F9)"]
    inside = dict(zip(table["id"], table["inside"], strict=True))
    assert not inside["F9.peak_elsewhere"] and not inside["F8.commissar_continuity"] and inside["F1.unaccounted"]
    text = format_fit(table).splitlines()
    assert text[0] == "Documented figures (F1–F4)" and "Patterns (F4–F9)" in text
    row = next(line for line in text if line.startswith("F9.peak_elsewhere"))
    assert row.split()[-2:] == ["NO", "distance"] and "1.500" in row
    row = next(line for line in text if line.startswith("F6.recruit_mean_age"))
    assert row.split()[-2:] == ["yes", "check-only"]
    patterns = sum(target.group == "pattern" for target in targets)
    checks = sum(target.use == "check" for target in targets)
    assert text[-1] == (
        f"{len(targets) - 2} of {len(targets)} targets have their simulated median inside the band: "
        f"{len(targets) - checks - 1} of {len(targets) - checks} in the distance, {checks - 1} of {checks} check-only."
    )
    assert patterns > checks
    entries = {entry["id"]: entry for entry in fit_json(table)["targets"]}
    assert entries["F9.peak_elsewhere"]["use"] == "distance" and entries["F9.peak_elsewhere"]["group"] == "pattern"


def test_calibrate_on_a_dask_scheduler_gives_the_posterior_of_local_processes(small, tmp_path, dask_client, capsys):
    here, on_dask = tmp_path / "here", tmp_path / "dask"
    assert cadres(["calibrate", str(small), "--quick", "--workers", "1", "--out", str(here)]) == 0
    address = dask_client.scheduler.address
    assert cadres(["calibrate", str(small), "--quick", "--scheduler", address, "--out", str(on_dask)]) == 0
    assert (on_dask / "posterior.csv").read_bytes() == (here / "posterior.csv").read_bytes()
    assert json.loads((on_dask / "run.json").read_text())["ABC simulations on"] == f"{address} (2 Dask workers)"
    assert json.loads((here / "run.json").read_text())["ABC simulations on"] == "local processes"
    capsys.readouterr()


def test_calibrate_with_a_bad_scheduler_address_says_so_and_writes_nothing(small, tmp_path, capsys):
    out = tmp_path / "out"
    assert cadres(["calibrate", str(small), "--quick", "--scheduler", "bogus://nowhere", "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "--scheduler" in error and "bogus://nowhere" in error
    assert not out.exists()


def test_a_checkpoint_ignores_the_label_and_a_switched_off_policy_but_not_the_model(tmp_path):
    from calibration.commands import _fingerprint

    def fingerprint(extra: str, top: str = "") -> str:
        path = tmp_path / "small.toml"
        path.write_text(top + SMALL + extra + PRIORS)
        problem = CalibrationProblem.from_file(path, horizon="1939-12")
        return _fingerprint(problem, load_targets(), problem.scenario.calibration.abc)

    plain = fingerprint("")
    assert fingerprint("", top='label = "in other words"\n') == plain
    assert fingerprint("[transition]\nnew_generation_recruits_per_year = 40\n") == plain  # not enabled: does not act
    assert fingerprint("[attrition]\nretirement_age_limit = 65\n") != plain
