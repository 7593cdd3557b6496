"""Calibration overhead: ABC simulations per second against bare simulations per second, same workers and horizon.

    .venv/bin/python benchmarks/bench_calibration.py [--workers 2] [--bare 400] [--population 100] [--generations 3]

Bare: the simulations an ABC run makes, without ABC: parameter sets drawn
from the historical scenario's prior, each continued from one of the
stored 1934-12 histories to the calibration horizon and measured by the
virtual historian (`calibration.abc.TargetModel`, as in a calibration), on
a forkserver pool of `--workers` processes that hold the stored histories;
timed from the first task to the last result (the pool's start is left
out). ABC: `calibration.abc.run_abc` on the same problem and workers,
timed inside the sampler over generations 0 and later (pyabc's sample from
the prior, which also starts the workers, is reported apart), as
benchmarks/bench_sampler.py does. Printed: both rates and their ratio, the
load average and the CPU obtained. Targets: ABC at least 70% of bare, and
at least 40 ABC simulations per second on this 2-core machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
from bench_sampler import SEED, Generations, calibrate, cpu_seconds, ours
from own_checkout import require_own_sim

from calibration.abc import TargetModel, prior_distribution, stored_histories
from calibration.parameters import CalibrationProblem
from calibration.targets import in_distance, load_targets
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
_model: TargetModel | None = None  # in a pool worker: the model with its stored histories


def _install(model: TargetModel) -> None:
    global _model
    _model = model


def _simulate(task: tuple[int, dict]) -> int:
    index, parameters = task
    np.random.seed(index)  # TargetModel draws its run seed from numpy's global generator, as in a calibration
    _model(parameters)
    return index


def bare_rate(model: TargetModel, parameter_sets: list[dict], workers: int) -> tuple[float, float]:
    """Simulations per second and CPU cores obtained, evaluating every parameter set on a pool of `workers`."""
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers, initializer=_install, initargs=(model,)) as pool:
        pool.map(_simulate, [(0, parameter_sets[0])] * workers, chunksize=1)  # every worker ready before the clock
        cpu, started = cpu_seconds(), time.perf_counter()
        for _ in pool.imap_unordered(_simulate, list(enumerate(parameter_sets)), chunksize=2):
            pass
        seconds = time.perf_counter() - started
        obtained = (cpu_seconds() - cpu) / seconds
    return len(parameter_sets) / seconds, obtained


def abc_rate(problem, targets, settings, workers: int) -> tuple[float, float, Generations]:
    """ABC simulations per second over generations 0 and later, the CPU cores obtained, and the timings."""
    generations = calibrate(ours, problem, targets, settings, workers)
    simulations, seconds, cpu = generations.rate()
    return simulations / seconds, cpu / seconds, generations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "historical.toml"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bare", type=int, default=400, help="bare simulations")
    parser.add_argument("--population", type=int, default=100)
    parser.add_argument("--generations", type=int, default=3)
    args = parser.parse_args()
    require_own_sim("bench_calibration.py")
    scenario = load_scenario(args.scenario)
    settings = scenario.calibration.abc.model_copy(
        update={"population_size": args.population, "max_generations": args.generations, "max_minutes": 60.0}
    )
    problem = CalibrationProblem.from_file(args.scenario, horizon=settings.horizon)
    spec = scenario.calibration
    targets = load_targets(Path(args.scenario).parent / spec.targets) if spec.targets else load_targets()
    print(
        f"{scenario.name}: horizon {settings.horizon}, stored histories to {settings.shared_history_until} "
        f"({settings.shared_histories}); {args.workers} workers; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    histories = stored_histories(problem, settings, SEED)
    model = TargetModel(problem, in_distance(targets), histories=histories)
    prior = prior_distribution(problem)
    np.random.seed(SEED)
    parameter_sets = [dict(prior.rvs()) for _ in range(args.bare)]
    bare, bare_cpu = bare_rate(model, parameter_sets, args.workers)
    print(f"bare  {bare:6.2f} simulations/s ({args.bare} simulations, CPU obtained {bare_cpu:.2f} cores)")
    rate, abc_cpu, generations = abc_rate(problem, targets, settings, args.workers)
    per_generation = ", ".join(
        f"t={t}: {generations.simulations[t]} in {generations.seconds[t]:.1f} s" for t in sorted(generations.seconds)
    )
    print(f"ABC   {rate:6.2f} simulations/s (CPU obtained {abc_cpu:.2f} cores)   [{per_generation}]")
    print(
        f"ABC / bare: {rate / bare:.3f} per second (target >= 0.70), {(rate / abc_cpu) / (bare / bare_cpu):.3f} per "
        f"CPU-second; ABC {rate:.1f} simulations/s (target >= 40); load average now {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
