"""What each layer between the engine and the Mesa model costs, at the historical size.

Runs, in one process and interleaved seed by seed (after one untimed warm-up
of each), the historical scenario as

- the pure-numpy kernel: `sim.Engine(scenario, seed, compiled=False).populate().run()`;
- the engine: `sim.Engine(scenario, seed).populate().run()`, the rules with
  their hot loops compiled, as the model runs them;
- the engine calling Python hooks on every entry and exit (a dict only);
- the engine creating a plain `mesa.Agent` per person who enters and
  removing it on exit, on a bare `mesa.Model`;
- the same with `sim.Diplomat` agents;
- `sim.TurnoverModel`, its months stepped by `model.engine.run()`;
- `sim.TurnoverModel(...).run()`, its months through Mesa's `model.step()`;

and prints CPU milliseconds (median over the seeds) and each layer's ratio
to the engine, which every later layer wraps. Stocks are not read. Pin it
to one CPU (`taskset -c 1`) on a shared machine; benchmarks/README.md has
the results.

    python benchmarks/layers.py [--seeds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mesa
import numpy as np

import sim
from sim.mesa.agents import Diplomat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_model import SCENARIO, spawned_seeds  # noqa: E402
from own_checkout import require_own_sim  # noqa: E402


def _with_hooks(scenario: sim.Scenario, seed: int, make: Callable[[int], object] | None) -> None:
    """Run the engine, keeping `make(slot)` for each person in service (or the slot itself if `make` is None)."""
    held: dict[int, object] = {}

    def enter(slots: np.ndarray) -> None:
        for slot in slots.tolist():
            held[slot] = slot if make is None else make(slot)

    def leave(slots: np.ndarray) -> None:
        for slot in slots.tolist():
            kept = held.pop(slot)
            if make is not None:
                kept.remove()

    sim.Engine(scenario, seed, on_enter=enter, on_exit=leave).populate().run()


def layers(scenario: sim.Scenario) -> dict[str, Callable[[int], object]]:
    """The variants, from the pure-numpy kernel to the Mesa model, by label."""

    def plain_agents(seed: int) -> None:
        model = mesa.Model(rng=seed)
        _with_hooks(scenario, seed, lambda slot: mesa.Agent(model))

    def diplomats(seed: int) -> None:
        model = mesa.Model(rng=seed)
        _with_hooks(scenario, seed, lambda slot: Diplomat(model, slot))

    return {
        "pure-numpy kernel (compiled=False)": lambda seed: sim.Engine(scenario, seed, compiled=False).populate().run(),
        "engine (compiled)": lambda seed: sim.Engine(scenario, seed).populate().run(),
        "engine + Python hooks (dict only)": lambda seed: _with_hooks(scenario, seed, None),
        "engine + a plain mesa.Agent per person": plain_agents,
        "engine + a Diplomat per person": diplomats,
        "TurnoverModel, stepped by engine.run()": lambda seed: sim.TurnoverModel(scenario, seed).engine.run(),
        "TurnoverModel.run() (Mesa's step)": lambda seed: sim.TurnoverModel(scenario, seed).run(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=15, help="timed seeds (default 15)")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    require_own_sim("layers.py")
    scenario = sim.load_scenario(SCENARIO)
    *seeds, warm_up = spawned_seeds(scenario.seed, args.seeds + 1)
    variants = layers(scenario)
    times: dict[str, list[float]] = {label: [] for label in variants}
    for run in variants.values():
        run(warm_up)
    for seed in seeds:
        for label, run in variants.items():
            start = time.process_time()
            run(seed)
            times[label].append(time.process_time() - start)
    engine = statistics.median(times["engine (compiled)"])
    print(f"CPU ms a historical run, median over {len(seeds)} seeds (stocks not read)")
    for label, seconds in times.items():
        median = statistics.median(seconds)
        print(f"{label:42s} {median * 1000:7.1f}   x{median / engine:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
