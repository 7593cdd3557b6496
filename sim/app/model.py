"""`AppModel`: the `TurnoverModel` the app drives, with a second scenario stepped beside it on the same seed.

SolaraViz builds the model from the page's controls (`AppModel(**values)`)
and steps it; so every control is a keyword of `AppModel`:

- `config` and `compare_with`: scenario names of the page's catalogue (file
  names without `.toml`, in the directory `scenarios`);
- `rng`: the seed of both runs, so that the comparison is on common random
  numbers (the same draws wherever the two scenarios' rules agree, see
  README, "Reproducibility");
- `purge_scale`, `elite_scale`, `pace_scale`: multipliers on the chosen
  scenario's purge intensity, its elite's purge-risk multiplier and its
  transition's recruits a year. They are relative, so that 1 is every
  scenario as shipped whichever is chosen; a multiplier of a purge or a
  transition the scenario does not have is not applied, and `settings`
  says so (TurnoverModel would refuse it).

The comparison scenario runs as shipped, so that choosing the same file
twice shows what the sliders change, on the same random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.errors import ConfigError
from sim.mesa.turnover import TurnoverModel
from sim.scenario.config import NAME_RULE, Scenario, name_problem
from sim.scenario.loader import load_scenario

NO_COMPARISON = "none"


@dataclass(frozen=True)
class Setting:
    """One of the page's parameters as it acts on the run: a name, the value in force and what it means."""

    name: str
    value: str
    note: str = ""


def scenario_file(directory: str | Path, name: str) -> Path:
    """The file of scenario `name` in `directory` (`NAME.toml`).

    Raises:
        ConfigError: `name` is not a scenario name (e.g. holds a path).
    """
    if not isinstance(name, str) or name_problem(name):
        raise ConfigError(directory, "", f"expected a scenario name (a file name without .toml: {NAME_RULE}), got {name!r}")
    return Path(directory) / f"{name}.toml"


class AppModel(TurnoverModel):
    """The chosen scenario under the page's parameters, and (as `comparison`) a second one on the same seed.

    Args:
        config: the scenario's name in `scenarios`.
        compare_with: the comparison scenario's name, or "none".
        rng: the seed of both runs (None: fresh entropy, kept in `seed_used`).
        purge_scale: a multiplier on the purge's intensity (if the scenario has a purge).
        elite_scale: a multiplier on the elite's purge-risk multiplier (if it has a purge).
        pace_scale: a multiplier on the transition's new-generation recruits a year (if it has a transition).
        scenarios: the directory of scenario files (default: the shipped `scenarios/`).

    Raises:
        sim.ConfigError: a scenario that is missing or invalid.
        ValueError: a parameter out of range.
    """

    def __init__(
        self,
        config: str = "historical",
        compare_with: str = NO_COMPARISON,
        rng: int | None = None,
        *,
        purge_scale: float = 1.0,
        elite_scale: float = 1.0,
        pace_scale: float = 1.0,
        scenarios: str | None = None,
    ) -> None:
        from sim.app.catalogue import SHIPPED

        directory = Path(scenarios) if scenarios else SHIPPED
        scenario = load_scenario(scenario_file(directory, config))
        parameters, self.settings = _parameters(scenario, purge_scale, elite_scale, pace_scale)
        super().__init__(scenario, rng=rng, **parameters)
        self.scenario_name = config
        self.comparison: TurnoverModel | None = None
        if compare_with != NO_COMPARISON:
            self.comparison = TurnoverModel(scenario_file(directory, compare_with), rng=self.seed_used)
        self.comparison_name = compare_with

    def step(self) -> None:
        """Simulate one month of both runs; `running` stays True while either has months left."""
        super().step()
        if self.comparison is not None:
            self.comparison.step()
            self.running = self.running or self.comparison.running


def _parameters(
    scenario: Scenario, purge_scale: float, elite_scale: float, pace_scale: float
) -> tuple[dict[str, float | None], tuple[Setting, ...]]:
    """TurnoverModel's keywords for the relative sliders, and what each does to this scenario."""
    purge, transition = scenario.purge, scenario.transition
    elite = purge.multipliers.rank.elite
    pace = transition.new_generation_recruits_per_year
    if purge.enabled:
        parameters = {"purge_scale": purge_scale, "elite_multiplier": elite * elite_scale}
        settings = [
            Setting("purge intensity", f"× {purge_scale:g}", "of the scenario's schedule"),
            Setting("elite's purge risk", f"{elite * elite_scale:.2f}", f"× {elite_scale:g} of the scenario's {elite:.2f}"),
        ]
    else:
        parameters = {"purge_scale": None, "elite_multiplier": None}
        settings = [Setting("purge", "none", "the scenario has no purge: its two sliders are not applied")]
    if transition.enabled:
        parameters["transition_pace"] = pace * pace_scale
        settings.append(
            Setting("transition pace", f"{pace * pace_scale:.1f} a year", f"× {pace_scale:g} of the scenario's {pace:g}")
        )
    else:
        parameters["transition_pace"] = None
        settings.append(Setting("transition", "none", "the scenario has no transition policy: its slider is not applied"))
    return parameters, tuple(settings)
