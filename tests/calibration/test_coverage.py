"""The coverage check (calibration/coverage.py): weighted ranks and intervals by hand, then `cadres coverage --quick`."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_calibration import PRIORS, SMALL

from calibration.coverage import (
    CoverageSettings,
    binomial_range,
    coverage_summary,
    draw_truth,
    interval_summary,
    synthetic_targets,
    verdict,
    weighted_rank,
)
from calibration.parameters import CalibrationProblem
from calibration.targets import load_targets
from sim.cli import main
from sim.scenario.config import AbcSettings, Prior

# A tiny budget: 10 particles, one generation after pyabc's calibration sample (about 20 simulations a truth).
QUICK = ["--quick", "--max-simulations", "10"]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL + PRIORS)
    return path


def test_weighted_rank_is_the_posterior_weight_below_the_truth():
    values = np.array([3.0, 1.0, 4.0, 2.0])
    weights = np.array([0.3, 0.1, 0.4, 0.2])
    assert weighted_rank(values, weights, 2.5) == pytest.approx(0.3)
    assert weighted_rank(values, weights, 0.0) == 0.0
    assert weighted_rank(values, weights, 9.0) == 1.0
    assert weighted_rank(values, weights, 3.0) == pytest.approx(0.3 + 0.15)  # a tie counts half
    assert weighted_rank(values, 10 * weights, 2.5) == pytest.approx(0.3)  # unnormalised weights


def test_intervals_of_a_known_weighted_sample():
    """1,000 equally weighted values 0.0005..0.9995 (a uniform posterior on [0, 1]): the quantiles are known."""
    values = (np.arange(1000) + 0.5) / 1000
    weights = np.ones(1000)
    prior = Prior(low=0.0, high=2.0, keys=["x"])
    row = interval_summary(values, weights, 0.6, prior)
    assert row["rank"] == pytest.approx(0.6) and row["median"] == pytest.approx(0.5)
    assert (row["lower_50"], row["upper_50"]) == pytest.approx((0.25, 0.75))
    assert (row["lower_90"], row["upper_90"]) == pytest.approx((0.05, 0.95))
    assert row["inside_50"] and row["inside_90"]
    assert row["width_50"] == pytest.approx(0.25) and row["width_90"] == pytest.approx(0.45)  # of the prior's range 2
    outside_50 = interval_summary(values, weights, 0.9, prior)
    assert not outside_50["inside_50"] and outside_50["inside_90"]
    beyond = interval_summary(values, weights, 1.5, prior)
    assert beyond["rank"] == 1.0 and not beyond["inside_90"]
    # Weights move the quantiles: all weight on the upper half.
    upper = interval_summary(values, (values > 0.5).astype(float), 0.6, prior)
    assert upper["rank"] == pytest.approx(0.2) and upper["lower_50"] > 0.6 and not upper["inside_50"]


def test_widths_of_a_log_uniform_prior_are_on_its_log_scale():
    prior = Prior(distribution="loguniform", low=0.01, high=1.0, keys=["x"])
    values = np.array([0.01, 0.1, 1.0])  # evenly spaced in the log: the 90% interval spans 0.9 of it
    row = interval_summary(np.geomspace(0.01, 1.0, 1001), np.ones(1001), 0.1, prior)
    assert row["width_90"] == pytest.approx(0.9, abs=0.01) and row["rank"] == pytest.approx(0.5, abs=0.001)
    assert weighted_rank(values, np.ones(3), 0.1) == pytest.approx(0.5)


def test_coverage_shares_and_verdicts_of_a_hand_made_table():
    table = pd.DataFrame(
        {
            "truth": [0, 0, 1, 1, 2, 2, 3, 3],
            "parameter": ["b", "a"] * 4,  # the table's order is kept
            "inside_50": [True, False, True, True, False, False, True, False],
            "inside_90": [True, True, True, True, True, False, True, True],
            "width_50": [0.1, 0.5, 0.2, 0.5, 0.3, 0.5, 0.2, 0.5],
            "width_90": [0.3, 0.8, 0.4, 0.9, 0.5, 0.9, 0.4, 0.9],
        }
    )
    summary = coverage_summary(table).set_index("parameter")
    assert list(summary.index) == ["b", "a"]
    assert summary.loc["b", "inside_50"] == 0.75 and summary.loc["b", "inside_90"] == 1.0
    assert summary.loc["a", "inside_50"] == 0.25 and summary.loc["a", "inside_90"] == 0.75
    assert summary.loc["b", "width_90"] == pytest.approx(0.4) and summary.loc["a", "width_90"] == pytest.approx(0.875)
    assert summary.loc["b", "verdict"] == "identified" and summary.loc["a", "verdict"] == "not identified"
    assert verdict(0.7) == "weakly identified"
    assert binomial_range(30, 0.5) == (11, 19) and binomial_range(30, 0.9) == (24, 29)  # 30 of 30 has probability 0.9**30 = 4%


def test_synthetic_targets_keep_each_band_width_centred_on_the_simulated_value():
    targets = load_targets()
    simulated = {target.id: target.documented + 0.01 for target in targets}
    simulated[targets[2].id] = math.nan
    made = {target.id: target for target in synthetic_targets(targets, simulated)}
    assert targets[2].id not in made and len(made) == len(targets) - 1
    for target in targets[3:]:
        new = made[target.id]
        assert new.documented == simulated[target.id]
        assert new.band[1] - new.band[0] == pytest.approx(target.band[1] - target.band[0])
        assert (new.band[0] + new.band[1]) / 2 == pytest.approx(new.documented)
        assert (new.use, new.fit, new.group, new.population, new.category) == (
            target.use,
            target.fit,
            target.group,
            target.population,
            target.category,
        )


def test_truths_are_drawn_from_the_priors_by_their_seed(small):
    problem = CalibrationProblem.from_file(small)
    settings = CoverageSettings(5, AbcSettings())
    draws = [draw_truth(problem, settings, truth) for truth in range(200)]
    assert draws[7] == draw_truth(problem, settings, 7) != draws[8]
    assert draws[0] != draw_truth(problem, CoverageSettings(6, AbcSettings()), 0)
    peaks = np.array([draw["purge_peak"] for draw in draws])
    assert peaks.min() >= 0.05 and peaks.max() <= 1.0 and abs(np.mean(peaks < 0.525) - 0.5) < 0.12


def _one_line(capsys) -> str:
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0, error
    return error


def test_quick_coverage_end_to_end_resumes_and_is_a_function_of_its_seed(small, tmp_path, capsys):
    out = tmp_path / "coverage"
    assert main(["coverage", str(small), *QUICK, "--workers", "1", "--seed", "1", "--out", str(out)]) == 0
    for name in ("coverage.csv", "coverage.md", "ranks.png", "coverage.json"):
        assert (out / name).stat().st_size > 0, name
    table = pd.read_csv(out / "coverage.csv")
    assert sorted(set(table["truth"])) == [0, 1, 2] and len(table) == 3 * 2
    assert list(table["parameter"][:2]) == ["purge_peak", "career_junior"]
    assert table["rank"].between(0, 1).all()
    for percent in (50, 90):
        inside = (table[f"lower_{percent}"] <= table["value"]) & (table["value"] <= table[f"upper_{percent}"])
        assert (table[f"inside_{percent}"] == inside).all()
        assert (table[f"width_{percent}"] > 0).all()
    assert (table["lower_90"] <= table["lower_50"]).all() and (table["upper_50"] <= table["upper_90"]).all()
    report = (out / "coverage.md").read_text()
    assert f"`cadres coverage {small} --truths 3 --population 10 --max-simulations 10 --seed 1 --quick" in report
    assert "| purge_peak |" in report and "binomial range" in report and "![ranks](ranks.png)" in report
    csv = (out / "coverage.csv").read_bytes()
    stored = sorted((out / "truths").glob("truth-*.json"))
    assert len(stored) == 3
    times = {path.name: path.stat().st_mtime_ns for path in stored}
    capsys.readouterr()

    # A rerun reuses every stored truth; one deleted is computed again, and nothing else.
    assert main(["coverage", str(small), *QUICK, "--workers", "1", "--seed", "1", "--out", str(out)]) == 0
    assert "3 of 3 truths stored" in capsys.readouterr().err
    assert {path.name: path.stat().st_mtime_ns for path in stored} == times
    (out / "truths" / "truth-0001.json").unlink()
    assert main(["coverage", str(small), *QUICK, "--workers", "1", "--seed", "1", "--out", str(out)]) == 0
    assert "2 of 3 truths stored" in capsys.readouterr().err
    assert {name: (out / "truths" / name).stat().st_mtime_ns for name in times if name != "truth-0001.json"} == {
        name: time for name, time in times.items() if name != "truth-0001.json"
    }
    assert (out / "coverage.csv").read_bytes() == csv

    # Two workers, each calibrating truths of its own: the same check, byte for byte.
    two = tmp_path / "two"
    assert main(["coverage", str(small), *QUICK, "--workers", "2", "--seed", "1", "--out", str(two)]) == 0
    assert (two / "coverage.csv").read_bytes() == csv
    # Another seed, another check; and it may not go into the first one's directory.
    assert main(["coverage", str(small), *QUICK, "--workers", "1", "--seed", "2", "--out", str(out)]) == 2
    assert "--out" in _one_line(capsys) and (out / "coverage.csv").read_bytes() == csv
    other = tmp_path / "other"
    assert main(["coverage", str(small), *QUICK, "--workers", "1", "--seed", "2", "--out", str(other)]) == 0
    assert (other / "coverage.csv").read_bytes() != csv

    # The calibration report beside a check gets its section, once, keeping the report's other sections.
    from calibration.coverage_commands import add_to_report
    from calibration.report import replace_section

    report = tmp_path / "report.md"
    report.write_text("# Calibration of small\n\nthe fit\n")
    replace_section(report, "structures", "## Structures compared\n")
    add_to_report(out)
    add_to_report(out)
    text = report.read_text()
    assert text.startswith("# Calibration of small\n\nthe fit\n") and "## Structures compared" in text
    assert text.count("## Coverage of the calibration") == 1 and "![ranks](coverage/ranks.png)" in text
    replace_section(report, "structures", "## Structures compared, again\n")
    assert "## Coverage of the calibration" in report.read_text() and "again" in report.read_text()


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--truths", "0"], "--truths"),
        (["--population", "5"], "--population"),
        (["--max-simulations", "-3"], "--max-simulations"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_options_exit_2_with_one_line_naming_the_option(small, tmp_path, capsys, arguments, option):
    out = tmp_path / "out"
    assert main(["coverage", str(small), "--quick", "--out", str(out), *arguments]) == 2
    assert option in _one_line(capsys)
    assert not out.exists()


def test_a_foreign_directory_or_a_scenario_without_priors_is_refused(small, tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my notes\n")
    assert main(["coverage", str(small), "--quick", "--out", str(foreign)]) == 2
    error = _one_line(capsys)
    assert "--out" in error and "notes.txt" in error
    assert sorted(path.name for path in foreign.iterdir()) == ["notes.txt"]
    assert (foreign / "notes.txt").read_text() == "my notes\n"
    file = tmp_path / "file"
    file.write_text("x")
    assert main(["coverage", str(small), "--quick", "--out", str(file)]) == 2
    assert "--out" in _one_line(capsys) and file.read_text() == "x"

    bare = tmp_path / "bare.toml"
    bare.write_text(SMALL)
    assert main(["coverage", str(bare), "--quick", "--out", str(tmp_path / "bare_out")]) == 2
    assert "calibration.priors" in _one_line(capsys)
    assert not (tmp_path / "bare_out").exists()


def test_quick_never_writes_under_the_posteriors(small, capsys):
    from calibration.outputs import POSTERIORS

    target = POSTERIORS / "small" / "coverage"
    assert main(["coverage", str(small), "--quick", "--out", str(target)]) == 2
    assert "--out" in _one_line(capsys) and not (POSTERIORS / "small").exists()
