"""Continuing a run part-way through under other purge parameters and another seed.

Every free parameter of the historical calibration acts only from the first
purge month (December 1934) on, or only on how a historian reads the
records. The thirteen years before are the same process in every
simulation, and take about half of a run. `branch` copies an engine stopped
before the split and continues it under a scenario that differs only where
it cannot have acted yet, with fresh random streams from then on: a run
that starts from a stored state instead of repeating its history.

The copy is exact: continued with the seed it was started with, a branched
run equals a run of the new scenario from the beginning, draw for draw
(tests/model/test_branch.py). With another seed it is a draw of the model's future
given its state at the split, since every process draws from the streams
of the month it is in (sim/model/streams.py).
"""

from __future__ import annotations

import copy

import numpy as np

from sim.model.engine import Engine
from sim.model.recruits import RecruitPool
from sim.model.rules.purge import PurgeRule
from sim.model.schedule import PiecewiseSchedule
from sim.model.streams import RandomStreams
from sim.months import month_text
from sim.scenario.config import Purge, Scenario, month_index

# What a branch may change: the purge (while it has not begun), the
# historian and the calibration settings, which only read the records, and
# the labels.
MAY_DIFFER = frozenset({"purge", "calibration", "name", "description", "seed", "replicates"})


class BranchError(ValueError):
    """The new scenario differs from the stored run in something that has already acted."""


def check_branch(stored: Scenario, scenario: Scenario, split: int) -> None:
    """Raise `BranchError` unless a run of `stored` up to `split` is also a run of `scenario`.

    The scenarios may differ only in the purge, and then only if neither
    purges anyone before `split` (a month index): intensity and the HQ wave
    are zero in every earlier month.
    """
    if split <= stored.start_month:
        raise BranchError(f"the split month {month_text(split)} is not after the run's start")
    old, new = stored.model_dump(exclude=MAY_DIFFER), scenario.model_dump(exclude=MAY_DIFFER)
    for section in old:
        if old[section] != new[section]:
            raise BranchError(f"the scenarios differ in [{section}], which acts from the start")
    if stored.purge.model_dump() != scenario.purge.model_dump():
        for label, config in (("stored", stored.purge), ("new", scenario.purge)):
            if config.enabled and _purges_before(config, split):
                raise BranchError(f"the {label} scenario's purge has begun before the split month ({month_text(split)})")


def branch(engine: Engine, scenario: Scenario, seed: int | np.random.SeedSequence) -> Engine:
    """A copy of `engine`, which is stopped before its month, continuing under `scenario` with `seed`.

    The copy keeps the state (roster, posts, records, the rules' carried
    state); its purge is rebuilt from `scenario` and its random streams from
    `seed`. Draws of the months already simulated are not repeated. Raises
    `BranchError` if `scenario` differs from the engine's in anything that
    has already acted (see `check_branch`). The stored engine is unchanged
    and can be branched again.
    """
    if engine.on_enter or engine.on_exit:
        raise BranchError("an engine with hooks (a Mesa model's) cannot be branched: branch the bare engine")
    check_branch(engine.scenario, scenario, engine.month)
    copied = copy.deepcopy(engine, memo=_shared(engine, scenario))
    copied.scenario = scenario
    copied.seed = seed
    copied.streams = RandomStreams(seed)
    copied.recruit_pool = RecruitPool(copied.streams, scenario.profiles)  # its pools were drawn from the old seed
    copied.purge = PurgeRule(copied) if scenario.purge.enabled else None
    return copied


def run_until(engine: Engine, month: str) -> Engine:
    """Step `engine` up to, not including, `month` ("YYYY-MM"); return it."""
    split = month_index(month)
    if split > engine.end + 1:
        raise ValueError(f"{month} is after the run's end")
    while engine.month < split:
        engine.step()
    return engine


def _purges_before(purge: Purge, split: int) -> bool:
    """True if the purge's intensity or HQ wave is above zero in any month before `split`."""
    for knots in (purge.intensity, purge.hq_wave):
        first = PiecewiseSchedule(knots).first_positive_month() if knots else None
        if first is not None and first < split:
            return True
    return False


def _shared(engine: Engine, scenario: Scenario) -> dict[int, object]:
    """A deepcopy memo: what the copy shares instead of copying.

    The scenario is replaced. The records of past months (assignments and
    flow rows) are never changed once appended, so the copy gets new lists
    of the same rows: copying each row took most of a branch's time. (Stock
    rows are measured from the assignments when read, sim/model/stocks.py.)
    """
    memo: dict[int, object] = {id(engine.scenario): scenario}
    for history in (engine.post_history, engine.recorder.flows):
        memo.update((id(row), row) for row in history)
    return memo
