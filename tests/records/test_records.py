"""The run's tables for users' tools: units of the series, the posts table, the data dictionary, --format csv."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.ensemble import Ensemble
from sim.experiments.executors import Serial
from sim.experiments.run import Run
from sim.records.dictionary import FILE, run_dictionary
from sim.records.run_records import SERIES
from sim.results.ownership import check_replaceable
from tests.ensemble_helpers import short, short_file


@pytest.fixture(scope="module")
def run():
    return Run(short(), seed=4).execute(agents=False)


def test_every_series_has_the_unit_of_its_measure(run):
    ts = run.timeseries
    assert list(ts.columns) == ["date", "measure", "series_group", "unit", "value"]
    assert set(ts["measure"].astype(str)) == set(SERIES)
    units = ts.groupby("measure", observed=True)["unit"].agg(lambda u: set(u.astype(str)))
    assert all(units[measure] == {SERIES[measure][0]} for measure in units.index)
    shares = ts.loc[ts["unit"] == "share", "value"].dropna()
    assert len(shares) and shares.between(0, 1).all()
    counted = ts.loc[ts["unit"].isin(["people", "posts", "people per month"]), "value"]
    assert (counted == counted.round()).all() and (counted >= 0).all()


def test_the_posts_table_holds_each_post_held_once(run):
    posts, bio = run.records.posts, run.biographies
    assert list(posts.columns) == ["person_id", "post_id", "unit", "posting", "rank", "start", "end", "ended_by"]
    assert posts.groupby("person_id").size().reindex(bio["person_id"], fill_value=0).tolist() == bio["posts_held"].tolist()
    # The same posts as the packed post_history, entry by entry.
    packed = [entry for history in bio["post_history"] for entry in history.split("; ") if entry]
    listed = [f"{s:%Y-%m} {u} {r}" for s, u, r in zip(posts["start"], posts["unit"], posts["rank"], strict=True)]
    assert sorted(listed) == sorted(packed)
    # A person's spells follow one another; the last ends when the person left (empty if still serving).
    again = posts["person_id"].eq(posts["person_id"].shift(-1))
    assert (posts["end"][again].to_numpy() == posts["start"].shift(-1)[again].to_numpy()).all()
    assert (posts["ended_by"][again] == "next post").all()
    last = posts[~again].set_index("person_id").loc[bio["person_id"][bio["posts_held"] > 0]]
    exits = bio.set_index("person_id").loc[last.index]
    assert last["end"].isna().tolist() == exits["serving_at_end"].tolist()
    assert (last["end"].dropna() == exits["exit"].dropna()).all()
    assert last["ended_by"].astype(str).where(last["ended_by"].notna(), "").tolist() == [
        str(reason) if pd.notna(reason) else "" for reason in exits["exit_reason"]
    ]
    assert (posts["posting"] == np.where(posts["unit"].astype(str).str.startswith("mission"), "abroad", "hq")).all()


def _dictionary_covers(directory: Path) -> pd.DataFrame:
    """Every column of every table in `directory` is in its data dictionary, and every table listed is there."""
    dictionary = pd.read_csv(directory / FILE, keep_default_na=False)
    assert list(dictionary.columns) == ["table", "column", "unit", "meaning"]
    assert (dictionary["meaning"] != "").all()
    for table, rows in dictionary.groupby("table"):
        if table == "measure":
            continue
        matches = list(directory.glob(table.replace("rNNNN", "r*")))
        assert matches, f"the dictionary lists {table}, not in {directory}"
        path = matches[0]
        if path.suffix == ".json":
            keys = set(json.loads(path.read_text()))
        else:
            keys = set((pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)).columns)
        assert keys == set(rows["column"]) or (path.suffix == ".json" and set(rows["column"]) <= keys), (table, keys)
    return dictionary


def test_cadres_run_as_csv_for_excel_r_and_stata(tmp_path, run):
    out = tmp_path / "csv"
    scenario = short_file(tmp_path)
    assert main(["run", str(scenario), "--seed", "4", "--out", str(out), "--format", "csv", "--quiet", "--no-figures"]) == 0
    assert {"timeseries.csv", "biographies.csv", "posts.csv", FILE} <= {p.name for p in out.iterdir()}
    assert not list(out.glob("*.parquet"))
    dictionary = _dictionary_covers(out)
    measures = dictionary[dictionary["table"] == "measure"].set_index("column")["unit"]
    assert measures.to_dict() == {name: unit for name, (unit, _) in SERIES.items()}
    ts = pd.read_csv(out / "timeseries.csv", parse_dates=["date"])
    np.testing.assert_array_equal(ts["value"].to_numpy(), run.timeseries["value"].to_numpy())
    posts = pd.read_csv(out / "posts.csv", parse_dates=["start", "end"])
    assert len(posts) == len(run.records.posts) and posts["end"].isna().sum() == run.records.posts["end"].isna().sum()
    # The same command in Parquet replaces the CSV result (the same config and seed, another format).
    assert main(["run", str(scenario), "--seed", "4", "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert {"timeseries.parquet", "posts.parquet"} <= {p.name for p in out.iterdir()} and not list(out.glob("*s.csv"))
    _dictionary_covers(out)
    assert run_dictionary("parquet")["table"].str.endswith(".csv").sum() == 0


def test_an_ensemble_writes_its_dictionary_and_bands_in_either_format(tmp_path):
    out = tmp_path / "ensemble"
    ensemble = Ensemble(short(), replicates=2, seed=3, out=out).execute(Serial(), progress=False)
    ensemble.save(figures=False, format="csv")
    assert (out / "bands.csv").exists() and not (out / "bands.parquet").exists()
    bands = pd.read_csv(out / "bands.csv")
    assert list(bands.columns) == ["date", "measure", "series_group", "unit", "median", "low", "high", "n"]
    _dictionary_covers(out)
    ensemble.save(figures=False)  # now Parquet: the CSV bands go, and the directory holds only Cadres' own files
    assert (out / "bands.parquet").exists() and not (out / "bands.csv").exists()
    check_replaceable(out)
    _dictionary_covers(out)
