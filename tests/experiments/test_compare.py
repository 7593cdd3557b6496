import json
import math

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.compare import Comparison
from sim.experiments.executors import Serial
from sim.experiments.findings import publish_findings
from sim.records.bands import Interval, format_interval
from sim.scenario.loader import ConfigError
from tests.ensemble_helpers import replicate_frames, short, short_file


def test_identical_rules_give_identical_results_under_the_same_seed(tmp_path):
    # Common random numbers: the same scenario under two names, same replicate seeds.
    twin = short().model_copy(update={"name": "twin"})
    comparison = Comparison([short(), twin], replicates=3, seed=5, out=tmp_path).execute(Serial(), progress=False)
    pairs = zip(replicate_frames(tmp_path / "historical"), replicate_frames(tmp_path / "twin"), strict=True)
    for (ts_a, bio_a), (ts_b, bio_b) in pairs:
        pd.testing.assert_frame_equal(ts_a, ts_b)
        pd.testing.assert_frame_equal(bio_a, bio_b)
    differences = {row.outcome.name: row.values["twin"] for row in comparison.differences()}
    assert differences["purged"].median == differences["purged"].low == differences["purged"].high == 0


def test_scenarios_share_draws_until_their_rules_differ(tmp_path):
    # historical and no_purge agree until the purge begins (Dec 1934, F9): identical months before it.
    comparison = Comparison([short(), short("no_purge")], replicates=2, seed=5, out=tmp_path).execute(Serial(), progress=False)
    cut = pd.Timestamp("1934-12-01")
    pairs = zip(replicate_frames(tmp_path / "historical"), replicate_frames(tmp_path / "no_purge"), strict=True)
    for (ts_a, _), (ts_b, _) in pairs:
        before_a, before_b = ts_a[ts_a["date"] < cut].reset_index(drop=True), ts_b[ts_b["date"] < cut].reset_index(drop=True)
        pd.testing.assert_frame_equal(before_a, before_b)
        assert not ts_a["value"].equals(ts_b["value"])
    rows = {row.outcome.name: row.values for row in comparison.rows()}
    assert rows["purged"]["historical"].median > 0 and rows["purged"]["no_purge"].median == 0


def test_compare_command_writes_table_csv_and_json(tmp_path, capsys):
    a, b = short_file(tmp_path, "historical"), short_file(tmp_path, "gradual_transition")
    out = tmp_path / "cmp"
    argv = ["compare", str(a), str(b), "--replicates", "2", "--jobs", "1", "--seed", "3", "--out", str(out), "--quiet"]
    assert main([*argv, "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["scenarios"] == ["historical", "gradual_transition"] and table["replicates"] == 2
    rows = {row["outcome"]: row for row in table["rows"]}
    assert rows["majority_month_all"]["values"]["gradual_transition"]["text"] == "not by the horizon"
    assert set(rows["purged"]["values"]["historical"]) >= {"median", "low", "high", "n", "text"}
    csv = pd.read_csv(out / "comparison.csv")
    assert set(csv["scenario"]) == {"historical", "gradual_transition"}
    assert {"cohort_composition.png", "new_generation_share.png", "experience.png"} <= {
        p.name for p in (out / "figures").iterdir()
    }
    # Second time: nothing reruns, the same table, printed as text.
    assert main([*argv, "--no-figures"]) == 0
    text = capsys.readouterr().out
    assert "new generation (F6) a majority of all staff" in text and "paired difference" in text
    # The findings page is generated from the stored comparison, numbers and all.
    (tmp_path / "docs").mkdir()
    page = publish_findings(out, tmp_path / "docs" / "findings.md", "cadres findings --replicates 2")
    markdown = page.read_text()
    assert f"staff in **{rows['majority_month_all']['values']['historical']['text']}**" in markdown
    assert "{" not in markdown and "## The answer in plain words" in markdown
    assert (tmp_path / "docs" / "figures" / "findings" / "new_generation_share.png").exists()


def test_compare_needs_two_differently_named_scenarios(tmp_path, capsys):
    a = short_file(tmp_path, "historical")
    assert main(["compare", str(a), "--out", str(tmp_path / "x")]) == 2
    assert main(["compare", str(a), str(a), "--out", str(tmp_path / "x")]) == 2
    assert "given twice" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(ConfigError):
        Comparison([short()])


def test_interval_text():
    assert format_interval("share", Interval(0.5, 0.4, 0.6, 9)) == "50% (40% to 60%)"
    assert format_interval("month", Interval(23249.0, 23249.0, 23249.0, 9)) == "1937-06"
    assert format_interval("month", Interval(math.inf, 23249.0, math.inf, 9)) == "not by the horizon"
    assert format_interval("share_diff", Interval(-0.5, -0.6, -0.4, 9)) == "-50 pp (-60 pp to -40 pp)"
    assert format_interval("count", Interval(math.nan, math.nan, math.nan, 0)) == "n/a"
