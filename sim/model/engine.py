"""The monthly schedule of the model over numpy arrays, with no agent objects.

`Engine` is the run's `State` (sim/model/state.py: the posts, the roster, the
random streams and the state changes the rules make) with the submodels
(sim/model/rules/), which it builds from that state and runs in a fixed order
each month. `TurnoverModel` (sim/mesa/turnover.py) wraps
it in a Mesa model. Used alone, with `compiled=False`, it is the
pure-numpy reference kernel that the benchmark compares the Mesa model
with; by default the hot loops of the rules run compiled (sim/model/compiled/),
with identical results.

Order within a month: record the stocks on the first of the month; ordinary
attrition; dated appointments; the purge; the transition policy;
promotions and recruitment; record the month's flows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model.categories import VETERANS_PROFILE
from sim.model.profiles import draw_people, prominence
from sim.model.recorder import Recorder
from sim.model.rules.appointments import COMMISSAR, AppointmentRule
from sim.model.rules.attrition import AttritionRule
from sim.model.rules.purge import PurgeRule
from sim.model.rules.replacement import ReplacementRule
from sim.model.rules.transition import TransitionRule
from sim.model.state import SlotsHook, State
from sim.scenario.config import Scenario, month_index


class Engine(State):
    """The state of one run (`State`) with its rules, run in a fixed order each month.

    Args:
        scenario: the validated scenario.
        seed: the run's seed (an int or a SeedSequence); defaults to the scenario's.
        on_enter: called with the slots of people who enter service.
        on_exit: called with the slots of people who leave service.
        compiled: run the hot loops of the rules compiled (sim/model/compiled/, the
            default); False runs the pure-numpy reference implementation of
            the same rules, which gives identical results more slowly.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | np.random.SeedSequence | None = None,
        on_enter: SlotsHook | None = None,
        on_exit: SlotsHook | None = None,
        compiled: bool = True,
    ) -> None:
        super().__init__(scenario, seed, on_enter, on_exit, compiled)
        self.posts.appointed[COMMISSAR] = scenario.appointments.commissar_appointed
        self.attrition = AttritionRule(self)
        self.appointments = AppointmentRule(self) if scenario.appointments.commissar_changes else None
        self.purge = PurgeRule(self) if scenario.purge.enabled else None
        self.transition = TransitionRule(self) if scenario.transition.enabled else None
        self.replacement = ReplacementRule(self, self.transition)
        self.recorder = Recorder(self)

    # -- set-up -------------------------------------------------------------

    def populate(self) -> Engine:
        """Fill the posts at the start with veterans (F5). Call once before stepping."""
        rng = self.streams.generator("initial")
        config = self.scenario
        filled = np.flatnonzero(rng.random(self.posts.count) < config.institution.initial_fill)
        first, last = month_index(config.initial.entry_from), month_index(config.initial.entry_to)
        entry = rng.integers(first, last + 1, size=len(filled)).astype(np.int32)
        people = draw_people(rng, config.profiles.veterans, entry, VETERANS_PROFILE)
        slots = self.roster.add(people)
        if config.initial.elite_by_prominence:
            # The most prominent people into the highest posts.
            order = np.argsort(-prominence(people, rng), kind="stable")
            slots, entry = slots[order], entry[order]
            filled = filled[np.argsort(self.posts.rank[filled], kind="stable")]
        self.assign(slots, filled, entry, promotion=False)
        if self.on_enter:
            self.on_enter(slots)
        return self

    # -- the monthly schedule ----------------------------------------------

    @property
    def done(self) -> bool:
        """True once the last month has been simulated."""
        return self.month > self.end

    def step(self) -> None:
        """Simulate one month."""
        if self.done:
            raise RuntimeError(f"the run already reached its end ({self.scenario.time.end})")
        month = self.month
        self.recorder.record_stocks(month)
        self.flows.clear()
        self.attrition.apply(self, month)
        if self.appointments is not None:
            self.appointments.apply(self, month)
        if self.purge is not None:
            self.purge.apply(self, month)
        if self.transition is not None:
            self.transition.apply(self, month)
        self.replacement.apply(self, month)
        self.recorder.record_flows(month)
        self.month += 1

    def run(self, on_month: Callable[[int], None] | None = None) -> Engine:
        """Simulate every remaining month; `on_month` is called after each."""
        while not self.done:
            self.step()
            if on_month:
                on_month(self.month)
        return self
