"""The break-even of the trickle pace (sim/experiments/breakeven.py) and `cadres sensitivity` (its command line)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.cli.sensitivity_commands import GENERATED
from sim.errors import ConfigError
from sim.experiments.breakeven import BreakEven, check_factors, crossing, scaled_trickle
from sim.experiments.executors import Serial
from tests.ensemble_helpers import short, short_file

GRID = (1.0, 1.5, 2.0, 3.0, 4.0)


def test_crossing_of_a_synthetic_monotone_relation():
    found = crossing(GRID, [0.2 * f for f in GRID])  # passes one half at 2.5
    assert found.status == "interpolated" and found.factor == pytest.approx(2.5)
    assert (found.low, found.high) == (2.0, 3.0)
    assert crossing(GRID, [0.1 * f for f in GRID]).status == "never within the grid"
    already = crossing(GRID, [0.6 * f for f in GRID])
    assert already.status == "at or below the grid" and already.factor == 1.0
    assert crossing(GRID, [math.nan] * len(GRID)).status == "beyond the horizon"
    noisy = crossing(GRID, [0.3, 0.45, 0.55, 0.48, 0.7])  # the first crossing from below is the smallest factor
    assert noisy.factor == pytest.approx(1.5 + 0.05 / 0.10 * 0.5)


def test_the_trickle_is_scaled_knot_by_knot_and_capped_at_one():
    scenario = short("continuation")
    tree = scenario.model_dump(mode="json")
    assumed = [value for _, value in tree["replacement"]["new_generation_share"]]
    assert [v for _, v in scaled_trickle(tree, 1.5)["replacement"]["new_generation_share"]] == [1.5 * v for v in assumed]
    assert max(v for _, v in scaled_trickle(tree, 3.0)["replacement"]["new_generation_share"]) == 1.0
    assert tree["replacement"]["new_generation_share"] == scenario.model_dump(mode="json")["replacement"]["new_generation_share"]
    for bad in ((1.0,), (2.0, 1.0), (0.0, 1.0), (1.0, 4.5)):
        with pytest.raises(ConfigError) as error:
            check_factors(bad, scenario)
        assert error.value.key == "--factors"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A real break-even on a short horizon: 3 factors x 2 replicates, twice on the same seed."""
    scenario = short("continuation", end="1940-06")
    runs = [
        BreakEven(scenario, (1.0, 2.0, 4.0), replicates=2, seed=7, out=tmp_path_factory.mktemp("breakeven") / "be")
        for _ in range(2)
    ]
    return [run.execute(Serial(), progress=False) for run in runs]


def test_a_larger_trickle_gives_an_earlier_or_equal_majority(tiny):
    grid = tiny[0].grid
    months = grid["majority_month_median"].to_numpy(float)
    assert np.all(months[1:] <= months[:-1]), grid  # "never" (inf) sorts last
    assert np.isfinite(months[-1])  # all recruits of the new generation from 1931: a majority by mid-1940
    assert np.all(np.diff(grid["share_1939_median"]) > 0)
    table = tiny[0].table.set_index("year")
    assert table.loc[1945, "status"] == "beyond the horizon"
    assert len(tiny[0].statements()) == 3
    tiny[0].plot()


def test_the_same_seed_gives_the_same_table(tiny):
    first, second = tiny
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.grid, second.grid)
    assert (first.directory / "breakeven.csv").read_text() == (second.directory / "breakeven.csv").read_text()


def test_the_grid_file_has_year_months_and_markers(tiny):
    grid = tiny[0].grid
    written = pd.read_csv(tiny[0].directory / "grid.csv", keep_default_na=False, dtype=str)
    for key in ("median", "low", "high"):
        months, never = written[f"majority_month_{key}"], written[f"majority_month_{key}_not_by_horizon"]
        assert months.str.fullmatch(r"\d{4}-\d{2}|").all()
        assert ((months == "") == (never == "True")).all()
        assert (never == "True").tolist() == np.isinf(grid[f"majority_month_{key}"]).tolist()


def _argv(tmp_path, page, *extra):
    continuation = short_file(tmp_path, "continuation", end="1939-06")
    policy = short_file(tmp_path, "gradual_transition", end="1939-06")
    return [
        "sensitivity", "--continuation", str(continuation), "--policy", str(policy), "--factors", "1,4",
        "--replicates", "1", "--samples", "2", "--sweep-replicates", "1", "--jobs", "1",
        "--param", "transition.new_generation_recruits_per_year=15:60", "--param", "attrition.transfer_out_rate=0.02:0.08",
        "--out", str(tmp_path / "runs"), "--page", str(page), "--quiet", *extra,
    ]  # fmt: skip


def test_a_page_not_written_by_the_command_is_never_replaced(tmp_path, capsys):
    page = tmp_path / "docs" / "sensitivity.md"
    page.parent.mkdir()
    page.write_text("# My notes on sensitivity\n")
    assert main(_argv(tmp_path, page)) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "not written by cadres sensitivity" in error
    assert page.read_text() == "# My notes on sensitivity\n"
    assert not (tmp_path / "runs").exists()  # refused before any run
    page.unlink()
    (page.parent / "figures" / "sensitivity").mkdir(parents=True)
    (page.parent / "figures" / "sensitivity" / "mine.png").write_bytes(b"")
    assert main(_argv(tmp_path, page)) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not page.exists()


def test_bad_factors_are_one_line(tmp_path, capsys):
    assert main([*_argv(tmp_path, tmp_path / "page.md"), "--factors", "1,9"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: command line: --factors") and error.count("\n") == 1


def test_the_command_writes_and_then_replaces_its_own_page(tmp_path, capsys):
    page = tmp_path / "docs" / "sensitivity.md"
    assert main(_argv(tmp_path, page)) == 0
    text = page.read_text()
    assert text.startswith(GENERATED) and "by 1 January 1939" in text and "--seed 1917" in text
    figures = page.parent / "figures" / "sensitivity"
    assert {"breakeven.png", "transition_sensitivity.png", "breakeven.csv"} <= {p.name for p in figures.iterdir()}
    assert main(_argv(tmp_path, page)) == 0  # its own page is replaced; the stored replicates are reused
    assert page.read_text().startswith(GENERATED)
    capsys.readouterr()
