"""Ensemble throughput: replicates per second with 1 and 2 workers, and the speed-up.

    .venv/bin/python benchmarks/bench_ensemble.py [--replicates 16] [--scenario scenarios/historical.toml] [--dask]

Each measurement runs a full ensemble (simulate, summarise, write every
replicate directory) into a fresh temporary directory, with the workers
already started (a warm-up ensemble of 2 replicates first), so the numbers
are steady-state throughput; the cold start of each pool is reported apart.
Also reports the load average and the CPU our processes actually obtained
(in cores), since other work on a shared machine skews wall-clock numbers.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import psutil  # installed with dask[distributed]
from own_checkout import require_own_sim

from sim.experiments.ensemble import Ensemble
from sim.experiments.executors import DaskExecutor, LocalPool, Serial
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def measure(executor, scenario, replicates: int) -> float:
    """Seconds to run and store an ensemble of `replicates`."""
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        Ensemble(scenario, replicates=replicates, seed=2024, out=Path(directory) / "e").execute(executor, progress=False)
        return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time of this process and all its descendants (pool workers, forkserver, Dask nannies)."""
    me = psutil.Process()
    total = 0.0
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def bench(label: str, make, scenario, replicates: int) -> float:
    started = time.perf_counter()
    with make() as executor:
        measure(executor, scenario, 2)  # warm-up: start the workers
        cold = time.perf_counter() - started
        cpu = cpu_seconds()
        seconds = measure(executor, scenario, replicates)
        cores = (cpu_seconds() - cpu) / seconds
    rate = replicates / seconds
    print(
        f"{label:28s} {replicates} replicates in {seconds:6.2f} s = {rate:5.2f} replicates/s; "
        f"CPU obtained {cores:4.2f} cores, {rate / cores:4.2f} replicates per CPU-second   (start-up + warm-up {cold:5.2f} s)"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "historical.toml"))
    parser.add_argument("--replicates", type=int, default=16)
    parser.add_argument("--dask", action="store_true", help="also measure a Dask LocalCluster of 2 workers")
    args = parser.parse_args()
    require_own_sim("bench_ensemble.py")
    scenario = load_scenario(args.scenario)
    print(
        f"{scenario.name} {scenario.time.start}..{scenario.time.end}; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    serial = bench("serial (this process)", Serial, scenario, args.replicates)
    one = bench("local pool, 1 worker", lambda: LocalPool(1), scenario, args.replicates)
    two = bench("local pool, 2 workers", lambda: LocalPool(2), scenario, args.replicates)
    print(f"speed-up, 2 vs 1 worker: {two / one:.2f}x   (2 workers vs serial: {two / serial:.2f}x)")
    if args.dask:
        dask = bench("dask LocalCluster, 2 workers", lambda: DaskExecutor("local", jobs=2), scenario, args.replicates)
        print(f"dask vs local pool, 2 workers: {dask / two:.2f}x")
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
