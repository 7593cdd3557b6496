"""Simulating the targets: one run, or an ensemble of replicates on a process pool.

Replicate seeds are spawned from one SeedSequence (never seed + i), each
replicate draws only from its own seed, and results are put back in
replicate order, so the same seed gives the same ensemble whatever the
number of workers. The pool uses the "forkserver" start method: not "fork"
(forking a process that runs threads can deadlock, and Python 3.12 warns),
not "spawn" (every worker would re-import everything for each pool). The
workers exit as soon as this process is gone, even by kill -9 (sim.experiments.workers).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.statistics import measure, target_values
from calibration.targets import Target
from sim.experiments.ensemble import model_code, source_hashes
from sim.experiments.workers import process_pool
from sim.model.branch import branch
from sim.model.engine import Engine
from sim.records.run_records import biographies
from sim.scenario.config import Historian, Scenario
from sim.scenario.loader import ConfigError

START_METHOD = "forkserver"
# The calibration's own sources that decide a simulated target's value (the historian and the measures).
OBSERVATION_SOURCES = ("historian.py", "patterns.py", "spells.py", "statistics.py", "simulate.py", "targets.py")


def calibration_code() -> dict[str, str]:
    """A short hash of each source file that decides the simulated targets: the model's and the observation's.

    The schema (sim/scenario/config.py) is left out: the resolved scenario, defaults included, is in the checkpoint's
    fingerprint, and the schema's validation and descriptions do not change a simulation.
    """
    observation = source_hashes(Path(__file__).resolve().parent, OBSERVATION_SOURCES)
    own = {f"calibration/{name}": digest for name, digest in observation.items()}
    model = {f"sim/{name}": digest for name, digest in model_code().items() if name != "scenario/config.py"}
    return model | own


def historian_of(scenario: Scenario, path: str = "") -> Historian:
    """The scenario's observation parameters (calibration.historian)."""
    if scenario.calibration is None or scenario.calibration.historian is None:
        raise ConfigError(
            path or scenario.name,
            "calibration.historian",
            "expected the historian's parameters (a [calibration.historian] table)",
        )
    return scenario.calibration.historian


def simulate_targets(scenario: Scenario, seed: int | np.random.SeedSequence, targets: Sequence[Target]) -> dict[str, float]:
    """Run the model once and measure every target (value by target id)."""
    return measure_targets(Engine(scenario, seed).populate().run(), scenario, seed, targets)


def continue_targets(
    stored: Engine, scenario: Scenario, seed: int | np.random.SeedSequence, targets: Sequence[Target]
) -> dict[str, float]:
    """Continue a stored run under `scenario` with `seed` (sim.model.branch) and measure every target."""
    return measure_targets(branch(stored, scenario, seed).run(), scenario, seed, targets)


def measure_targets(
    engine: Engine, scenario: Scenario, seed: int | np.random.SeedSequence, targets: Sequence[Target]
) -> dict[str, float]:
    """Every target's value in a finished run, as the scenario's historian would record it."""
    return target_values(measure(biographies(engine), historian_of(scenario), seed), targets)


def _batch(jobs: list[tuple[Scenario, np.random.SeedSequence]], targets: Sequence[Target]) -> list[dict[str, float]]:
    return [simulate_targets(scenario, seed, targets) for scenario, seed in jobs]


def simulate_many(
    jobs: Sequence[tuple[Scenario, np.random.SeedSequence]],
    targets: Sequence[Target],
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Simulate the targets for (scenario, seed) jobs, in batches on `workers` processes.

    Returns:
        One row per job, in the order of `jobs`; one column per target id.
    """
    size = max(1, len(jobs) // (4 * max(workers, 1)))
    batches = [list(jobs[start : start + size]) for start in range(0, len(jobs), size)]
    rows: list[dict[str, float]] = []
    if workers <= 1:
        results = (_batch(batch, targets) for batch in batches)
        for result in results:
            rows.extend(result)
            if progress:
                progress(len(rows))
    else:
        context = multiprocessing.get_context(START_METHOD)
        with process_pool(workers, context) as pool:
            for result in pool.map(_batch, batches, [list(targets)] * len(batches)):
                rows.extend(result)
                if progress:
                    progress(len(rows))
    return pd.DataFrame(rows, columns=[target.id for target in targets])


def ensemble(
    scenario: Scenario,
    targets: Sequence[Target],
    replicates: int,
    seed: int | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Simulate the targets for `replicates` seeds spawned from one root.

    Args:
        scenario: the scenario (with its historian).
        targets: what to measure.
        replicates: how many runs.
        seed: root seed of the ensemble (default: the scenario's).
        workers: processes; 1 runs in this process.
        progress: optional callable(number_done) after each batch.

    Returns:
        One row per replicate (in seed order), one column per target id.
    """
    historian_of(scenario)
    seeds = np.random.SeedSequence(scenario.seed if seed is None else seed).spawn(replicates)
    return simulate_many([(scenario, s) for s in seeds], targets, workers, progress)
