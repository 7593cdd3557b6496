"""`TurnoverModel`: the Mesa model of the commissariat.

The rules run vectorised in `sim.engine.Engine`; this class gives them
Mesa's interface: `model.step()` simulates one month, `model.agents` holds a
`Diplomat` for every person in service, `model.running` turns False at the
horizon. Agents are created when people enter and removed when they leave;
the records keep everyone.

    >>> from sim import TurnoverModel, load_scenario
    >>> model = TurnoverModel(load_scenario("scenarios/historical.toml"), seed=1)
    >>> model.step()
    >>> model.agents.select(lambda d: d.rank == "elite")
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents import Diplomat
from sim.config import Scenario
from sim.engine import Engine
from sim.records import Records, collect


class TurnoverModel(mesa.Model):
    """Institutional turnover of the Narkomindel, month by month.

    Args:
        scenario: a validated scenario (see `sim.load_scenario`).
        seed: the run's seed; defaults to the scenario's `seed`.
        compiled: False runs the pure-numpy reference implementation of the
            rules instead of their compiled loops (same results, slower; see
            `sim.Engine`).
    """

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence | None = None, compiled: bool = True) -> None:
        run_seed = scenario.seed if seed is None else seed
        # Mesa's own generator is derived from the run seed; the rules use the
        # engine's named streams only.
        mesa_seed = int(run_seed.generate_state(1)[0]) if isinstance(run_seed, np.random.SeedSequence) else run_seed
        super().__init__(rng=mesa_seed)
        self.scenario_config = scenario
        self._agents_by_slot: dict[int, Diplomat] = {}
        self.engine = Engine(scenario, run_seed, on_enter=self._enter, on_exit=self._exit, compiled=compiled)
        self.engine.populate()

    def _enter(self, slots: np.ndarray) -> None:
        for slot in slots.tolist():
            self._agents_by_slot[slot] = Diplomat(self, slot)

    def _exit(self, slots: np.ndarray) -> None:
        for slot in slots.tolist():
            self._agents_by_slot.pop(slot).remove()

    @property
    def date(self) -> str:
        """The month about to be simulated, as "YYYY-MM"."""
        month = self.engine.month
        return f"{month // 12}-{month % 12 + 1:02d}"

    def step(self) -> None:
        """Simulate one month."""
        self.engine.step()
        self.running = not self.engine.done

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
