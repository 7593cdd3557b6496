"""`TurnoverModel`: the Mesa model of the commissariat.

The rules run vectorised in `sim.model.engine.Engine`; this class gives them
Mesa's interface: `model.step()` simulates one month, `model.agents` holds a
`Diplomat` for every person in service, `model.running` turns False at the
horizon (a step after it does nothing), `model.datacollector` records the
model reporters of `sim/mesa/reporters.py` every month. Agents are created
when people enter and removed when they leave; the records keep everyone.

    >>> from sim import TurnoverModel
    >>> model = TurnoverModel("scenarios/historical.toml", rng=1)
    >>> model.step()
    >>> model.agents.select(lambda d: d.rank == "elite")

Mesa's batch runner sweeps the model's parameters; `iterations` (or
`rng=[None] * n`) gives runs of fresh seeds, `rng=[0, 1, 2]` (or the
parameter `{"rng": [0, 1, 2]}`) runs of those seeds:

    >>> mesa.batch_run(TurnoverModel, {"config": "scenarios/historical.toml", "purge_scale": [0.5, 1.0]}, rng=[0, 1])
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np
from pydantic import ValidationError

from sim.mesa.agents import Diplomat
from sim.mesa.reporters import MODEL_REPORTERS
from sim.model.engine import Engine
from sim.records.run_records import Records, collect
from sim.scenario.config import Scenario
from sim.scenario.loader import load_scenario

RunSeed = int | np.random.SeedSequence


class TurnoverModel(mesa.Model):
    """Institutional turnover of the Narkomindel, month by month.

    Args:
        config: the scenario: a `Scenario` (see `sim.load_scenario`) or the path of a scenario file.
            It is `model.scenario_config`; `model.scenario` is Mesa's own scenario object.
        rng: the run's seed: an int, a `numpy.random.SeedSequence` (e.g. one of
            `SeedSequence.spawn`'s), a `numpy.random.Generator` (a seed is drawn from it), or None
            for fresh entropy, as in Mesa. The seed used is `model.seed_used`:
            `TurnoverModel(config, rng=model.seed_used)` repeats the run. The scenario's own `seed`
            is the default of `Run` and `cadres run`, not of this class: pass `rng=config.seed`.
        purge_scale: a multiplier on every knot of the purge's intensity schedule (`purge.intensity`);
            1 (or None) keeps the scenario's.
        elite_multiplier: the elite's purge-risk multiplier (`purge.multipliers.rank.elite`); None
            keeps the scenario's.
        transition_pace: the planned transition's quota of new-generation recruits per year
            (`transition.new_generation_recruits_per_year`); None keeps the scenario's.
        agent_reporters: Mesa agent reporters (e.g. `{"rank": "rank", "age": "age"}`) collected
            every month alongside the model reporters. Each costs about a microsecond per agent and
            month: some 0.15 s per reporter over a historical run of ~500 agents and 252 months,
            and a row per agent and month in memory.
        compiled: False runs the pure-numpy reference implementation of the
            rules instead of their compiled loops (same results, slower; see
            `sim.Engine`).
        seed: an alias of `rng` (give one of the two). `mesa.batch_run` passes its seeds
            under this name, so a `{"seed": [...]}` entry of its parameters is overwritten:
            give batch_run's seeds as `rng=[...]` or as `{"rng": [...]}`.

    Raises:
        TypeError: `config` is neither a Scenario nor a path, or the seed is of no accepted kind.
        ValueError: a parameter is out of range, or changes a purge or transition the scenario
            does not enable (it would change nothing).
        sim.ConfigError: the scenario file is missing or invalid (one line naming file and key).
    """

    def __init__(
        self,
        config: Scenario | str | os.PathLike,
        rng: int | np.random.SeedSequence | np.random.Generator | None = None,
        *,
        purge_scale: float | None = 1.0,
        elite_multiplier: float | None = None,
        transition_pace: float | None = None,
        agent_reporters: dict[str, str | Callable] | None = None,
        compiled: bool = True,
        seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    ) -> None:
        scenario = with_parameters(
            _scenario_of(config), purge_scale=purge_scale, elite_multiplier=elite_multiplier, transition_pace=transition_pace
        )
        run_seed = _run_seed(rng, seed)
        # Mesa's own generator is derived from the run seed; the rules use the
        # engine's named streams only.
        super().__init__(rng=int(run_seed.generate_state(1)[0]) if isinstance(run_seed, np.random.SeedSequence) else run_seed)
        self.scenario_config = scenario
        self.seed_used: RunSeed = run_seed
        self._agents_by_slot: dict[int, Diplomat] = {}
        self.engine = Engine(scenario, run_seed, on_enter=self._enter, on_exit=self._exit, compiled=compiled)
        self.engine.populate()
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS, agent_reporters=agent_reporters)
        self.datacollector.collect(self)

    def _enter(self, slots: np.ndarray) -> None:
        for slot in slots.tolist():
            self._agents_by_slot[slot] = Diplomat(self, slot)

    def _exit(self, slots: np.ndarray) -> None:
        for slot in slots.tolist():
            self._agents_by_slot.pop(slot)._leave()

    @property
    def date(self) -> str:
        """The month about to be simulated, as "YYYY-MM"."""
        month = self.engine.month
        return f"{month // 12}-{month % 12 + 1:02d}"

    def step(self) -> None:
        """Simulate one month and collect the reporters; after the horizon, do nothing (`running` is False)."""
        if self.engine.done:
            self.running = False
            return
        self.engine.step()
        self.running = not self.engine.done
        self.datacollector.collect(self)

    def run(self, on_month=None) -> TurnoverModel:
        """Simulate to the horizon; `on_month(month_index)` is called after each month."""
        while self.running:
            self.step()
            if on_month:
                on_month(self.engine.month)
        return self

    def records(self) -> Records:
        """The monthly series and biographies so far."""
        return collect(self.engine)


def _scenario_of(config: object) -> Scenario:
    if isinstance(config, Scenario):
        return config
    if isinstance(config, (str, os.PathLike)):
        return load_scenario(Path(config))
    hint = " (mesa.batch_run iterates over a Scenario given alone: give it in a list, {'config': [scenario]})"
    raise TypeError(
        f"config: expected a Scenario or the path of a scenario file, got {type(config).__name__} {config!r:.80}"
        + (hint if isinstance(config, tuple) else "")
    )


def _run_seed(rng: object, seed: object) -> RunSeed:
    if rng is not None and seed is not None:
        raise ValueError(f"rng={rng!r} and seed={seed!r}: seed is an alias of rng, give one of the two")
    name, given = ("seed", seed) if seed is not None else ("rng", rng)
    if given is None:
        return secrets.randbits(63)  # fresh entropy, recorded as model.seed_used
    if isinstance(given, np.random.SeedSequence):
        return given
    if isinstance(given, np.random.Generator):
        return int(given.integers(2**63))
    if isinstance(given, (int, np.integer)) and not isinstance(given, bool) and given >= 0:
        return int(given)
    raise TypeError(
        f"{name}: expected an int >= 0, a numpy SeedSequence or Generator, or None (fresh entropy), "
        f"got {type(given).__name__} {given!r:.80}"
    )


def _number(name: str, value: object) -> float:
    if (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    ):
        return float(value)
    raise ValueError(f"{name}: expected a finite number >= 0, got {value!r:.80}")


def with_parameters(
    scenario: Scenario,
    purge_scale: float | None = 1.0,
    elite_multiplier: float | None = None,
    transition_pace: float | None = None,
) -> Scenario:
    """The scenario with the model's parameters applied (`TurnoverModel`'s Args); unchanged if they keep its values.

    Raises:
        ValueError: a value out of range, or a parameter of a purge or transition the scenario does not enable.
    """
    tree = scenario.model_dump(mode="json")
    changes = []
    if purge_scale is not None and purge_scale != 1.0:
        scale = _number("purge_scale", purge_scale)
        tree["purge"]["intensity"] = [[date, value * scale] for date, value in tree["purge"]["intensity"]]
        changes.append(("purge_scale", scenario.purge.enabled, "purge"))
    if elite_multiplier is not None:
        tree["purge"]["multipliers"]["rank"]["elite"] = _number("elite_multiplier", elite_multiplier)
        changes.append(("elite_multiplier", scenario.purge.enabled, "purge"))
    if transition_pace is not None:
        tree["transition"]["new_generation_recruits_per_year"] = _number("transition_pace", transition_pace)
        changes.append(("transition_pace", scenario.transition.enabled, "transition"))
    if not changes:
        return scenario
    for name, enabled, section in changes:
        if not enabled:
            raise ValueError(
                f"{name}: the scenario {scenario.name!r} has no {section} ({section}.enabled is false), "
                "so it would change nothing"
            )
    try:
        return Scenario.model_validate(tree)
    except ValidationError as error:
        detail = error.errors()[0]
        key = ".".join(str(part) for part in detail["loc"])
        raise ValueError(f"{', '.join(name for name, _, _ in changes)}: {key}: {detail['msg']}") from None
