"""Month outcomes in files: year-months with a 'not by the horizon' marker, and strict JSON (sim/months.py)."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from sim.experiments.compare import Comparison
from sim.experiments.executors import Serial
from sim.months import json_text, month_columns, month_fields, month_text, parse_month
from sim.records.bands import Interval, interval_fields
from sim.records.outcomes import MONTH_OUTCOMES, from_json, to_json
from sim.results.storage import write_json
from tests.ensemble_helpers import short

YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")
NOV_1941 = 1941 * 12 + 10


def strict_loads(text: str):
    """json.loads that refuses NaN and Infinity, as a strict JSON reader does."""

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_a_month_is_a_year_month_or_null_with_a_marker():
    assert month_fields("m", NOV_1941) == {"m": "1941-11", "m_not_by_horizon": False}
    assert month_fields("m", math.inf) == {"m": None, "m_not_by_horizon": True}
    assert month_fields("m", math.nan) == {"m": None, "m_not_by_horizon": None}
    assert month_text(math.inf) == "not by the horizon" and month_text(NOV_1941) == "1941-11"
    assert parse_month("1941-11") == NOV_1941 and parse_month(None, True) == math.inf
    assert math.isnan(parse_month(None, None)) and parse_month("not by the horizon") == math.inf  # the older form


def test_outcomes_round_trip_through_strict_json():
    values = {name: math.nan for name in ("share_all_1939", "purged")} | {
        "majority_month_all": math.inf,
        "majority_month_elite": float(NOV_1941),
    }
    text = json_text(to_json(values))
    plain = strict_loads(text)
    assert plain["majority_month_all"] is None and plain["majority_month_all_not_by_horizon"] is True
    assert plain["majority_month_elite"] == "1941-11" and plain["share_all_1939"] is None
    back = from_json(plain)
    assert set(back) == set(values) and back["majority_month_all"] == math.inf
    assert back["majority_month_elite"] == NOV_1941 and math.isnan(back["purged"])
    # Replicates stored by older code keep reading.
    assert from_json({"majority_month_all": "not by the horizon"})["majority_month_all"] == math.inf


def test_json_files_refuse_infinity_and_write_nan_as_null(tmp_path):
    write_json(tmp_path / "a.json", {"share": math.nan, "nested": [{"x": float("nan")}]})
    assert strict_loads((tmp_path / "a.json").read_text()) == {"share": None, "nested": [{"x": None}]}
    with pytest.raises(ValueError, match="outcomes.month"):
        write_json(tmp_path / "b.json", {"outcomes": {"month": math.inf}})


def test_an_interval_of_months_in_json_and_csv_form():
    reached_late = Interval(float(NOV_1941), float(NOV_1941 - 3), math.inf, 9)
    assert interval_fields(reached_late, "month") == {
        "median": "1941-11", "low": "1941-08", "high": None, "n": 9,
        "median_not_by_horizon": False, "low_not_by_horizon": False, "high_not_by_horizon": True,
    }  # fmt: skip
    row = interval_fields(reached_late, "month", columns=True)
    assert row["median"] is None and row["median_month"] == "1941-11" and row["high_month"] is None
    difference = interval_fields(Interval(math.inf, 4.0, math.inf, 9), "month_diff")
    assert difference["median"] is None and difference["low"] == 4.0 and difference["median_not_by_horizon"]
    assert interval_fields(Interval(0.5, 0.4, math.nan, 9), "share") == {"median": 0.5, "low": 0.4, "high": None, "n": 9}


def test_month_columns_of_a_table_and_a_censored_mean():
    frame = pd.DataFrame({"point": [0, 1, 2], "majority_month_all": [float(NOV_1941), math.inf, NOV_1941 + 2.4]})
    written = month_columns(frame, ["majority_month_all"], horizon=NOV_1941 + 1)
    assert list(written.columns) == ["point", "majority_month_all", "majority_month_all_not_by_horizon"]
    assert written["majority_month_all"].tolist() == ["1941-11", None, None]
    assert written["majority_month_all_not_by_horizon"].tolist() == [False, True, True]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved comparison on a short horizon: the purge reaches a majority, the gradual transition does not."""
    out = tmp_path_factory.mktemp("outcomes") / "cmp"
    comparison = Comparison([short(), short("gradual_transition")], replicates=2, seed=3, out=out)
    return comparison.execute(Serial(), progress=False), comparison.save(figures=False)


def test_every_json_file_written_is_strict(saved):
    _, out = saved
    files = sorted(out.rglob("*.json"))
    assert len(files) >= 9  # comparison, its manifest, each ensemble's summary and manifest, each replicate's
    for path in files:
        strict_loads(path.read_text())


def test_month_outcomes_in_the_files_are_year_months(saved):
    comparison, out = saved
    outcomes = pd.read_csv(out / "gradual_transition" / "outcomes.csv", keep_default_na=False)
    assert (outcomes["majority_month_all"] == "").all() and outcomes["majority_month_all_not_by_horizon"].all()
    history = pd.read_csv(out / "historical" / "outcomes.csv")
    assert history["majority_month_all"].map(lambda m: bool(YEAR_MONTH.match(m))).all()
    assert not history["majority_month_all_not_by_horizon"].any()
    csv = pd.read_csv(out / "comparison.csv").set_index(["outcome", "scenario"])
    assert pd.api.types.is_float_dtype(csv["median"])  # numbers only: months have their own columns
    assert YEAR_MONTH.match(csv.loc[("majority_month_all", "historical"), "median_month"])
    never = csv.loc[("majority_month_all", "gradual_transition")]
    assert pd.isna(never["median_month"]) and never["median_not_by_horizon"] and never["text"] == "not by the horizon"
    summary = strict_loads((out / "gradual_transition" / "summary.json").read_text())["outcomes"]["majority_month_all"]
    assert summary["median"] is None and summary["median_not_by_horizon"] is True
    table = strict_loads((out / "comparison.json").read_text())
    difference = next(row for row in table["differences"] if row["outcome"] == "majority_month_all")
    assert difference["values"]["gradual_transition"]["median_not_by_horizon"] is True
    intervals = comparison.ensembles[0].intervals()
    assert YEAR_MONTH.match(intervals.loc["majority_month_all", "median_month"])
    assert not intervals.loc["majority_month_all", "median_not_by_horizon"]
    assert set(MONTH_OUTCOMES) <= set(intervals.index)
