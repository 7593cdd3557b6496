"""Calibration throughput: simulations per second of our sampler against pyabc's MulticoreEvalParallelSampler.

    .venv/bin/python benchmarks/bench_sampler.py [--population 60] [--generations 3] [--rounds 2] [--workers 2] [--dask]

Runs `calibration.abc.run_abc` on the historical calibration problem
(scenarios/historical.toml, its [calibration], stored histories included)
with a fixed budget, once with our `IndexOrderSampler` and once with
pyabc's `MulticoreEvalParallelSampler` (what `run_abc` used before: fork,
first finished first accepted), alternately, `--rounds` times each, with
the same seed. Only the sampler differs (`make_sampler` is swapped). With
`--dask`, also our sampler on a Dask LocalCluster of `--workers`
single-threaded workers (`cadres calibrate --scheduler local`), started
once before the rounds.

Counted per generation: pyabc's number of simulations (what its budget and
acceptance rate see) and the seconds inside the sampler. The figures are
simulations per second over generations 0 and later; pyabc's calibration
sample from the prior (t = -1) is reported apart, since for our sampler it
also pays for starting the workers (the fork server, the stored histories
sent to each worker). Also reports the load average and the CPU our
processes obtained, since other work on a shared machine skews wall time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil  # installed with dask[distributed]
import pyabc
from own_checkout import require_own_sim

import calibration.abc
from calibration.parameters import CalibrationProblem
from calibration.targets import load_targets
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SEED = 2024


@dataclass
class Generations:
    """Per generation t: simulations pyabc counted and seconds inside the sampler."""

    simulations: dict[int, int] = field(default_factory=dict)
    seconds: dict[int, float] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)

    def timed(self, sampler: pyabc.sampler.Sampler) -> pyabc.sampler.Sampler:
        """The sampler, its sampling timed generation by generation."""
        sample = sampler.sample_until_n_accepted

        def timed_sample(n, simulate_one, t, **kwargs):
            cpu, started = cpu_seconds(), time.perf_counter()
            result = sample(n, simulate_one, t, **kwargs)
            self.seconds[t] = time.perf_counter() - started
            self.cpu[t] = cpu_seconds() - cpu
            self.simulations[t] = sampler.nr_evaluations_
            return result

        sampler.sample_until_n_accepted = timed_sample
        return sampler

    def rate(self) -> tuple[int, float, float]:
        """Simulations, seconds and CPU seconds over generations 0 and later."""
        ts = [t for t in self.seconds if t >= 0]
        return tuple(sum(books[t] for t in ts) for books in (self.simulations, self.seconds, self.cpu))


def cpu_seconds() -> float:
    """CPU time of this process and its descendants, live (our workers) or ended and reaped (pyabc's, per generation)."""
    me = psutil.Process()
    total = 0.0
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


ours = calibration.abc.make_sampler  # kept before `calibrate` swaps the module's name


def pyabc_multicore(workers, progress, seed, proposal, histories=(), client=None):
    sampler = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers, check_max_eval=True)
    sampler.show_progress = progress
    return sampler


def ours_on(client):
    """Our sampler making its proposals on the Dask cluster of `client`."""

    def make(workers, progress, seed, proposal, histories=(), _no_client=None):
        return ours(workers, progress, seed, proposal, histories, client)

    return make


def calibrate(make, problem, targets, settings, workers: int) -> Generations:
    """One calibration with the sampler `make` builds; its timings by generation."""
    generations = Generations()
    original = calibration.abc.make_sampler
    calibration.abc.make_sampler = lambda *args: generations.timed(make(*args))
    try:
        with tempfile.TemporaryDirectory() as directory:
            calibration.abc.run_abc(problem, targets, settings, Path(directory) / "abc.db", workers, progress=False, seed=SEED)
    finally:
        calibration.abc.make_sampler = original
    return generations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "historical.toml"))
    parser.add_argument("--population", type=int, default=60)
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", action="store_true", help="also our sampler on a Dask LocalCluster")
    args = parser.parse_args()
    require_own_sim("bench_sampler.py")
    scenario = load_scenario(args.scenario)
    spec = scenario.calibration
    settings = spec.abc.model_copy(
        update={"population_size": args.population, "max_generations": args.generations, "max_minutes": 60.0}
    )
    problem = CalibrationProblem.from_file(args.scenario, horizon=settings.horizon)
    targets = load_targets(Path(args.scenario).parent / spec.targets) if spec.targets else load_targets()
    print(
        f"{scenario.name}: {len(problem.priors)} free parameters, {len(targets)} targets, population {args.population}, "
        f"{args.generations} generations, {settings.shared_histories} stored histories; {args.workers} workers; "
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}"
    )
    contenders = {"ours (IndexOrderSampler)": ours, "pyabc MulticoreEvalParallelSampler": pyabc_multicore}
    if args.dask:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        contenders["ours on a Dask LocalCluster"] = ours_on(Client(cluster))
    totals = {label: np.zeros(3) for label in contenders}
    for round_ in range(args.rounds):
        for label, make in contenders.items():
            generations = calibrate(make, problem, targets, settings, args.workers)
            simulations, seconds, cpu = generations.rate()
            totals[label] += (simulations, seconds, cpu)
            per_generation = ", ".join(
                f"t={t}: {generations.simulations[t]} in {generations.seconds[t]:.1f} s" for t in sorted(generations.seconds)
            )
            print(
                f"round {round_ + 1}  {label:36s} {simulations / seconds:5.2f} simulations/s, CPU obtained {cpu / seconds:4.2f} "
                f"cores, {simulations / cpu:5.2f} simulations per CPU-second   [{per_generation}]"
            )
    for label, (simulations, seconds, cpu) in totals.items():
        print(
            f"all rounds  {label:36s} {simulations / seconds:5.2f} simulations/s, "
            f"{simulations / cpu:5.2f} simulations per CPU-second ({int(simulations)} simulations)"
        )
    theirs_n, theirs_s, theirs_cpu = totals["pyabc MulticoreEvalParallelSampler"]
    for label, (n, seconds, cpu) in totals.items():
        if label != "pyabc MulticoreEvalParallelSampler":
            print(
                f"{label} / pyabc's: {(n / seconds) / (theirs_n / theirs_s):.3f} per second, "
                f"{(n / cpu) / (theirs_n / theirs_cpu):.3f} per CPU-second"
            )
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
