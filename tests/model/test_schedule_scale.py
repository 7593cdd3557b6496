"""A purge schedule scaled in a file (`purge.intensity_scale`, `purge.hq_wave_scale`): every knot's value multiplied."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.mesa.turnover import with_parameters
from sim.model.engine import Engine
from sim.model.schedule import PiecewiseSchedule
from sim.records.run_records import biographies, wide_series
from sim.scenario.config import Scenario
from sim.scenario.loader import ConfigError, load_scenario, resolve_tree, scenario_hash

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CALIBRATED = SCENARIOS / "historical_calibrated.toml"
HORIZON = {"time": {"end": "1939-12"}}


def child(tmp_path: Path, body: str, name: str = "scaled") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "{CALIBRATED}"\nname = "{name}"\n{body}\n')
    return path


def monthly(scenario: Scenario, knots) -> list[float]:
    return [PiecewiseSchedule(knots).at(month) for month in range(scenario.start_month, scenario.end_month + 1)]


def purged(scenario: Scenario, seed: int) -> int:
    return int(biographies(Engine(scenario, seed).populate().run())["purged"].sum())


def test_half_the_intensity_is_half_the_hazard_in_every_month(tmp_path):
    full = load_scenario(CALIBRATED)
    half = load_scenario(child(tmp_path, "purge.intensity_scale = 0.5"))
    assert [date for date, _ in half.purge.intensity] == [date for date, _ in full.purge.intensity]
    assert [value for _, value in half.purge.intensity] == [0.5 * value for _, value in full.purge.intensity]
    full_months, half_months = monthly(full, full.purge.intensity), monthly(half, half.purge.intensity)
    assert max(full_months) > 0
    assert half_months == [0.5 * value for value in full_months]
    assert half.purge.hq_wave == full.purge.hq_wave  # the other schedule is not scaled


def test_half_the_intensity_purges_fewer(tmp_path):
    full = load_scenario(CALIBRATED, overrides=HORIZON)
    half = load_scenario(child(tmp_path, "purge.intensity_scale = 0.5"), overrides=HORIZON)
    for seed in (0, 1, 2):
        assert purged(half, seed) < purged(full, seed), seed


def test_the_wave_scales_on_its_own(tmp_path):
    full = load_scenario(CALIBRATED)
    scaled = load_scenario(child(tmp_path, "[purge]\nhq_wave_scale = 2"))
    assert scaled.purge.hq_wave == [(date, 2 * value) for date, value in full.purge.hq_wave]
    assert scaled.purge.intensity == full.purge.intensity


def test_scale_one_changes_nothing(tmp_path):
    full = load_scenario(CALIBRATED, overrides=HORIZON)
    same = load_scenario(
        child(tmp_path, "purge.intensity_scale = 1.0\npurge.hq_wave_scale = 1", name=full.name), overrides=HORIZON
    )
    assert same.model_dump(mode="json") == full.model_dump(mode="json")
    assert scenario_hash(same) == scenario_hash(full)
    a, b = (Engine(scenario, 3).populate().run() for scenario in (full, same))
    pd.testing.assert_frame_equal(wide_series(a.recorder), wide_series(b.recorder))
    pd.testing.assert_frame_equal(biographies(a), biographies(b))


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda path: path.name)
def test_the_shipped_scenarios_keep_their_schedules_and_dumps(path):
    scenario = load_scenario(path)
    tree = resolve_tree(path).get("purge", {})
    dumped = scenario.model_dump(mode="json")["purge"]
    assert "intensity_scale" not in dumped and "hq_wave_scale" not in dumped
    for name in ("intensity", "hq_wave"):
        if name in tree:
            assert dumped[name] == tree[name]
            assert getattr(scenario.purge, name) == [tuple(knot) for knot in tree[name]]


def test_the_dump_gives_the_knots_as_written_and_validates_to_the_same_scenario(tmp_path):
    half = load_scenario(child(tmp_path, "purge.intensity_scale = 0.5"))
    dumped = half.model_dump(mode="json")["purge"]
    assert dumped["intensity_scale"] == 0.5
    assert dumped["intensity"] == resolve_tree(CALIBRATED)["purge"]["intensity"]
    again = Scenario.model_validate(half.model_dump(mode="json"))
    assert again.purge.intensity == half.purge.intensity and again.model_dump() == half.model_dump()


def test_the_models_purge_scale_comes_on_top(tmp_path):
    full = load_scenario(CALIBRATED)
    half = load_scenario(child(tmp_path, "purge.intensity_scale = 0.5"))
    assert with_parameters(half, purge_scale=2.0).purge.intensity == full.purge.intensity


def test_scale_zero_switches_the_intensity_off(tmp_path):
    off = load_scenario(child(tmp_path, "purge.intensity_scale = 0"))
    assert all(value == 0 for _, value in off.purge.intensity)


@pytest.mark.parametrize(("key", "value"), [("intensity_scale", -0.5), ("hq_wave_scale", -1), ("intensity_scale", '"half"')])
def test_a_bad_scale_is_one_line_naming_the_key(tmp_path, key, value):
    path = child(tmp_path, f"[purge]\n{key} = {value}")
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    error = caught.value
    assert error.key == f"purge.{key}" and Path(error.path).resolve() == path.resolve()
    assert "\n" not in str(error)


def test_a_scale_that_overflows_a_knot_is_refused(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_scenario(child(tmp_path, "purge.hq_wave_scale = 1e308"))  # the wave's plateau is above 1
    assert "hq_wave_scale" in str(caught.value) and "finite" in str(caught.value)
