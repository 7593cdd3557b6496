"""The transition policy is a counterfactual without the purge: a scenario enabling both is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.config import Scenario
from sim.scenario.loader import ConfigError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def child(tmp_path: Path, parent: str, body: str) -> Path:
    path = tmp_path / "both.toml"
    path.write_text(f'extends = "{SCENARIOS / parent}"\nname = "both"\n{body}\n[time]\nend = "1937-12"\n')
    return path


def test_a_transition_over_the_purge_is_one_error_naming_transition_enabled(tmp_path):
    path = child(tmp_path, "historical.toml", "[transition]\nenabled = true")
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    error = caught.value
    assert Path(error.path).resolve() == path.resolve() and error.key == "transition.enabled"
    assert "\n" not in str(error)
    assert "purge.enabled" in error.expected and "without the purge" in error.expected and "no_purge.toml" in error.expected


def test_switching_the_purge_on_under_a_transition_is_refused_too(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_scenario(child(tmp_path, "gradual_transition.toml", "[purge]\nenabled = true"))
    assert caught.value.key == "transition.enabled"  # blamed on the file that enabled the transition


def test_cadres_run_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    path, out = child(tmp_path, "historical.toml", "transition.enabled = true"), tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "both.toml" in err and "transition.enabled" in err and "Traceback" not in err
    assert not out.exists()


def test_the_schema_refuses_it_outside_the_loader_too():
    tree = load_scenario(SCENARIOS / "gradual_transition.toml").model_dump(mode="json")
    tree["purge"]["enabled"] = True
    with pytest.raises(ValueError, match="transition.enabled: expected false while purge.enabled is true"):
        Scenario.model_validate(tree)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda path: path.name)
def test_no_shipped_scenario_combines_them(path):
    scenario = load_scenario(path)
    assert not (scenario.transition.enabled and scenario.purge.enabled)


def test_a_transition_without_the_purge_and_a_purge_without_a_transition_load(tmp_path):
    assert load_scenario(child(tmp_path, "no_purge.toml", "transition.enabled = true")).transition.enabled
    disabled = load_scenario(child(tmp_path, "historical.toml", "transition.enabled = false\ntransition.start = '1938-01'"))
    assert disabled.purge.enabled and not disabled.transition.enabled
