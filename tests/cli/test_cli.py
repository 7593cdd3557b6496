"""The `cadres run` command end to end, on a short horizon."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def short_scenario(tmp_path: Path, body: str = "", end: str = "1938-12") -> Path:
    path = tmp_path / "short.toml"
    path.write_text(f'extends = "{SCENARIOS / "historical.toml"}"\nname = "short"\n{body}\n[time]\nend = "{end}"\n')
    return path


def test_run_writes_every_output(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(short_scenario(tmp_path)), "--seed", "5", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "headcount" in printed and "purged" in printed and "1938-01-01" in printed
    names = {p.name for p in out.iterdir()}
    assert {"manifest.json", "timeseries.parquet", "biographies.parquet", "summary.json", "figures"} <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert manifest["config"]["time"]["end"] == "1938-12"
    assert len(manifest["config_hash"]) == 64
    assert {"mesa", "numpy", "pandas"} <= set(manifest["versions"])
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert len(figures) >= 4
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert list(timeseries.columns) == ["date", "measure", "series_group", "unit", "value"]
    assert timeseries["date"].max() == pd.Timestamp("1938-12-01")
    biographies = pd.read_parquet(out / "biographies.parquet")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["people_served"] == len(biographies)
    assert summary["purged"] == int(biographies["purged"].sum())


def test_same_seed_same_files(tmp_path):
    scenario = short_scenario(tmp_path)
    for name in ("a", "b"):
        assert main(["run", str(scenario), "--seed", "9", "--out", str(tmp_path / name), "--quiet", "--no-figures"]) == 0
    for table in ("timeseries.parquet", "biographies.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / table), pd.read_parquet(tmp_path / "b" / table))


def test_existing_results_are_kept_and_never_overwritten(tmp_path, capsys):
    scenario = short_scenario(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet", "--no-figures"]) == 0
    before = (out / "biographies.parquet").read_bytes()
    # Same config and seed: left as is, exit 0.
    assert main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert "unchanged" in capsys.readouterr().out
    # Another seed into the same directory: refused, exit 2, nothing touched.
    assert main(["run", str(scenario), "--seed", "2", "--out", str(out), "--quiet", "--no-figures"]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "biographies.parquet").read_bytes() == before
    # --force replaces.
    assert main(["run", str(scenario), "--seed", "2", "--out", str(out), "--quiet", "--no-figures", "--force"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("colour = 3", "colour"),
        ("[purge.multipliers.rank]\nelite = -1", "purge.multipliers.rank.elite"),
        ("[purge]\nrecall_defection_probability = 1.5", "purge.recall_defection_probability"),
        ('[replacement]\nrecruitment_lag_months = "soon"', "replacement.recruitment_lag_months"),
    ],
)
def test_bad_config_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, body, key):
    out = tmp_path / "out"
    code = main(["run", str(short_scenario(tmp_path, body)), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "short.toml" in err and key in err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_scenario_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nowhere.toml"), "--quiet"]) == 2
    assert "nowhere.toml" in capsys.readouterr().err


def test_bad_config_does_not_touch_existing_results(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(short_scenario(tmp_path)), "--seed", "1", "--out", str(out), "--quiet", "--no-figures"]) == 0
    before = sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir())
    bad = short_scenario(tmp_path, "[purge.outcomes]\nexecuted = 0.9")  # outcomes no longer add up to 1
    assert main(["run", str(bad), "--seed", "1", "--out", str(out), "--quiet", "--force"]) == 2
    assert sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir()) == before
