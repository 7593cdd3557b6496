"""`cadres show`: the resolved config and the file each value came from (sim/scenario/show.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def chain(tmp_path, monkeypatch):
    """A standalone base file (a copy of the shipped one) and a file extending it that overrides `time.end`."""
    (tmp_path / "base.toml").write_text((SCENARIOS / "base.toml").read_text())
    derived = tmp_path / "derived.toml"
    derived.write_text('extends = "base.toml"\n\n[time]\nend = "1939-12"\n')
    monkeypatch.chdir(tmp_path)  # origins are shown relative to the working directory
    return derived


def show(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["show", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(text: str) -> dict[str, tuple[str, str]]:
    """Key -> (value, origin) from the text format (values without spaces, as these are)."""
    table = {}
    for line in text.splitlines():
        key, value, origin = line.split(maxsplit=2)
        table[key] = (value, origin)
    return table


def test_origins_base_derived_and_default(chain, capsys):
    code, out, _ = show(capsys, "derived.toml")
    assert code == 0
    table = rows(out.replace("derived.toml (file name)", "derived.toml(file-name)"))
    assert table["time.end"] == ('"1939-12"', "derived.toml")  # the override
    assert table["time.start"] == ('"1921-01"', "base.toml")  # its sibling in the same table, from the base
    assert table["seed"] == ("1917", "base.toml")
    assert table["purge.enabled"] == ("false", "base.toml")
    assert table["purge.multipliers.rank.elite"] == ("1.0", "default")  # no file sets it
    assert table["replicates"] == ("1", "default")
    # The base's `name = "base"` does not carry over: the derived file is named after itself.
    assert table["name"] == ('"derived"', "derived.toml(file-name)")
    # Lists are one value.
    assert table["replacement.promotion_probability"][0] == '[["1921-01",'
    assert not any(key.startswith("purge.intensity.") for key in table)


def test_text_columns_are_aligned(chain, capsys):
    _, out, _ = show(capsys, "derived.toml", "--key", "time")
    assert out.splitlines() == ['time.start  "1921-01"  base.toml', 'time.end    "1939-12"  derived.toml']


def test_key_filter_keeps_a_table_or_a_key(chain, capsys):
    _, out, _ = show(capsys, "derived.toml", "--key", "purge.multipliers.rank")
    assert list(rows(out)) == [f"purge.multipliers.rank.{rank}" for rank in ("elite", "middle", "junior")]
    _, out, _ = show(capsys, "derived.toml", "--key", "seed")
    assert list(rows(out)) == ["seed"]
    # A prefix is whole keys: `purge.multi` is no table.
    code, _, _ = show(capsys, "derived.toml", "--key", "purge.multi")
    assert code == 2


def test_json_format(chain, capsys):
    code, out, _ = show(capsys, "derived.toml", "--format", "json")
    assert code == 0
    entries = {row["key"]: row for row in json.loads(out)}
    assert entries["time.end"] == {"key": "time.end", "value": "1939-12", "origin": "derived.toml"}
    assert entries["time.start"]["origin"] == "base.toml"
    assert entries["purge.multipliers.rank.elite"] == {"key": "purge.multipliers.rank.elite", "value": 1.0, "origin": "default"}
    assert entries["purge.intensity"]["value"] == [["1921-01", 0.0]]  # a schedule, as one list
    assert all(set(row) == {"key", "value", "origin"} for row in entries.values())


@pytest.mark.parametrize(
    "scenario", ["derived.toml", str(SCENARIOS / "historical.toml"), str(SCENARIOS / "historical_calibrated.toml")]
)
def test_toml_format_loads_to_the_same_scenario(chain, capsys, tmp_path, scenario):
    code, out, _ = show(capsys, scenario, "--format", "toml")
    assert code == 0
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    assert not any(line.startswith("extends") for line in lines)  # the resolved values, not the chain
    assert all(line.endswith("# default") or " # from " in line for line in lines)
    if scenario == "derived.toml":
        assert 'time.end = "1939-12"  # from derived.toml' in lines
    written = tmp_path / "resolved" / "written.toml"
    written.parent.mkdir()
    written.write_text(out)
    # The whole dump, `name` included: the document sets `name` itself, so the
    # scenario keeps it under another file name. The paths of `calibration`
    # (write_to, write_extends) are compared as the text they are; read
    # relative to written.toml, they would point elsewhere.
    assert load_scenario(written).model_dump() == load_scenario(scenario).model_dump()


def test_unknown_key_is_one_line_exit_2(chain, capsys):
    code, out, err = show(capsys, "derived.toml", "--key", "purge.multipliers.rnk")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "--key" in err and "purge.multipliers holds rank, party" in err
    code, _, err = show(capsys, "derived.toml", "--key", "purge.intensity.0")
    assert code == 2 and "purge.intensity is a single value" in err


def test_missing_file_is_one_line_exit_2(chain, capsys):
    code, out, err = show(capsys, "nowhere.toml")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["error: nowhere.toml: file not found"]


def test_bad_scenario_is_the_loaders_error(chain, capsys):
    Path("bad.toml").write_text('extends = "base.toml"\nseed = -1\n')
    code, out, err = show(capsys, "bad.toml")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: bad.toml: seed:")


def test_the_shipped_calibrated_chain(capsys, monkeypatch):
    monkeypatch.chdir(SCENARIOS.parent)
    code, out, _ = show(capsys, "scenarios/historical_calibrated.toml", "--format", "json")
    assert code == 0
    origins = {row["key"]: row["origin"] for row in json.loads(out)}
    # Set by historical_handset.toml (2.5) and overridden by the posterior median.
    assert origins["purge.multipliers.rank.elite"] == "scenarios/historical_calibrated.toml"
    assert origins["purge.multipliers.rank.middle"] == "scenarios/historical_handset.toml"
    assert origins["institution.missions"] == "scenarios/base.toml"
    assert origins["name"] == "scenarios/historical_calibrated.toml"
    # historical_handset.toml's label names that file only (sim/scenario/loader.py): here it is the default.
    assert origins["label"] == "default"
