"""Instructions per run under valgrind: a cost that does not move with the machine's load.

CPU seconds on this shared machine drift by up to 2x between hours and by
10-20 % between neighbouring runs, which is as large as the effect of most
speed changes. The number of instructions a run executes is deterministic
(once numpy's BLAS worker threads are kept from starting, see
`DETERMINISTIC_ENV`), so it can tell two versions of the code apart where
timings cannot. The size of the environment moves the counts by about
0.1 % (memory layout): compare versions from the same shell.

    python benchmarks/instructions.py [--variants kernel engine model idiomatic] [--seeds N] [--simulate | --calls]

Each variant runs in a fresh interpreter under
`valgrind --tool=cachegrind --cache-sim=no` (with --simulate:
`--cache-sim=yes --branch-sim=yes`), once with the warm-up seed alone
and once with the warm-up seed and N more (spawned from the scenario's seed,
as in bench_model.py); the difference divided by N is the count per run, so
imports and set-up cancel out (the compiled loops are compiled, or loaded
from numba's cache, in the warm-up run). The variants are those of
bench_model.py: the pure-numpy kernel, the compiled engine, the model and
the idiomatic variant. Under valgrind a kernel or model run takes about
15 s, an idiomatic run about 3 minutes.

Instructions are not seconds: they leave out cache misses and branch
mispredictions. `--simulate` also counts those with cachegrind's simple
models of the caches and the branch predictor (weighted by rough costs,
they still put idiomatic/model well above the timed ratio). Use the counts
to compare versions of one variant; the ratio between variants is a check
on the timed ratios of bench_model.py, not a replacement for them.

`--calls` runs callgrind instead and counts, per run, the calls of numpy's
C entry points (`NUMPY_CALLS`): ufunc calls (operators and functions such
as `np.exp`), index reads and writes, arrays made (views and temporaries
included) and uniforms drawn. At the historical size most arrays hold a
few hundred to two thousand elements, and a call costs about the same
whatever their size: the number of calls, more than their size, is what a
speed change of the vectorised rules has to bring down.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = ("kernel", "engine", "model", "idiomatic")
CHILD = """
import sys
sys.path[:0] = [{root!r}, {here!r}]
import sim
from bench_model import SCENARIO, spawned_seeds
from idiomatic import IdiomaticModel
scenario = sim.load_scenario(SCENARIO)
*seeds, warm_up = spawned_seeds(scenario.seed, {seeds} + 1)
run = {{
    "kernel": lambda seed: sim.Engine(scenario, seed, compiled=False).populate().run().recorder.stocks,
    "engine": lambda seed: sim.Engine(scenario, seed).populate().run().recorder.stocks,
    "model": lambda seed: sim.TurnoverModel(scenario, seed).run().engine.recorder.stocks,
    "idiomatic": lambda seed: IdiomaticModel(scenario, seed).run(),
}}[{variant!r}]
for seed in [warm_up, *seeds][: {runs}]:
    run(seed)
"""


# Fixed string hashing, and no idle BLAS/OpenMP worker threads: numpy's
# OpenBLAS starts them on import, and their spinning added a varying 1-2 %
# to every count (per-run counts of one version then moved by up to 10 %).
DETERMINISTIC_ENV = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

EVENTS = {  # what cachegrind prints in its summary -> our label
    r"I\s+refs:": "instructions",
    r"D1\s+misses:": "D1 misses",
    r"LL misses:": "LL misses",
    r"Mispredicts:": "branch mispredicts",
}


# What `--calls` counts: numpy's C entry points (as named in numpy 2.x) -> our label.
NUMPY_CALLS = {
    "ufunc_generic_fastcall": "ufunc calls",
    "array_subscript": "index reads",
    "array_assign_subscript": "index writes",
    "PyArray_NewFromDescr_int": "arrays made",
    "__pyx_f_5numpy_6random_6_pcg64_pcg64_double": "uniforms drawn",
}


def _valgrind(variant: str, seeds: int, runs: int, tool: list[str]) -> str:
    """Run a fresh interpreter doing `runs` runs of `variant` (warm-up seed first) under valgrind; return its report."""
    code = CHILD.format(root=str(HERE.parent), here=str(HERE), seeds=seeds, variant=variant, runs=runs)
    command = ["valgrind", *tool, sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **DETERMINISTIC_ENV}, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"valgrind run of {variant} failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    return result.stderr


def count_calls(variant: str, seeds: int, runs: int) -> dict[str, int]:
    """Calls of numpy's entry points (`NUMPY_CALLS`) in a fresh interpreter doing `runs` runs of `variant`."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        _valgrind(variant, seeds, runs, ["--tool=callgrind", f"--callgrind-out-file={out}"])
        return _callee_counts(out.read_text(errors="replace"))


def _callee_counts(profile: str) -> dict[str, int]:
    """Total calls of each function in `NUMPY_CALLS`, from a callgrind output file.

    Callgrind names a function in full the first time ("cfn=(12) name") and by
    its number after ("cfn=(12)"); each "calls=N ..." line belongs to the
    callee named by the "cfn=" line before it.
    """
    names: dict[str, str] = {}
    counts = dict.fromkeys(NUMPY_CALLS.values(), 0)
    callee = None
    for line in profile.splitlines():
        if line.startswith(("fn=(", "cfn=(")):
            number, _, name = line.split("(", 1)[1].partition(")")
            if name.strip():
                names[number] = name.strip()
            if line.startswith("cfn="):
                callee = NUMPY_CALLS.get(names.get(number, ""))
        elif line.startswith("calls=") and callee is not None:
            counts[callee] += int(line[len("calls=") :].split()[0])
    return counts


def count_events(variant: str, seeds: int, runs: int, simulate: bool) -> dict[str, int]:
    """Events of a fresh interpreter doing `runs` runs of `variant` (warm-up seed first).

    Instructions always; with `simulate`, also D1 and LL cache misses and branch mispredicts.
    """
    sim_flags = ["--cache-sim=yes", "--branch-sim=yes"] if simulate else ["--cache-sim=no"]
    report = _valgrind(variant, seeds, runs, ["--tool=cachegrind", *sim_flags, "--cachegrind-out-file=/dev/null"])
    counts = {}
    for pattern, label in EVENTS.items():
        found = re.search(pattern + r"\s+([\d,]+)", report)
        if found is not None:
            counts[label] = int(found.group(1).replace(",", ""))
    if "instructions" not in counts:
        raise RuntimeError(f"no instruction count in the cachegrind report of {variant}:\n{report[-2000:]}")
    return counts


def counts_per_run(count: Callable[[int], dict[str, int]], seeds: int) -> dict[str, float]:
    """What one run adds to each of `count(runs)`'s counts.

    `count(runs)` measures a fresh interpreter doing that many runs, warm-up
    seed first; the counts of 1 + `seeds` runs minus those of the warm-up
    alone, divided by `seeds`, leave out start-up, imports and first calls.
    """
    base, total = count(1), count(1 + seeds)
    return {label: (total[label] - base[label]) / seeds for label in total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants", nargs="+", choices=VARIANTS, default=["engine", "model"], help="default: engine model (what the model runs)"
    )
    parser.add_argument("--seeds", type=int, default=2, help="measured runs per variant (default 2)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--simulate",
        action="store_true",
        help="also simulate the caches and branch prediction and report misses and mispredicts (several times slower)",
    )
    mode.add_argument(
        "--calls",
        action="store_true",
        help="instead, count numpy's C entry points per run under callgrind (ufunc calls, indexing, arrays, uniforms)",
    )
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("instructions.py: valgrind not found on PATH (apt install valgrind)", file=sys.stderr)
        return 2
    if args.seeds < 1:
        print("instructions.py: --seeds must be at least 1", file=sys.stderr)
        return 2
    if args.calls:
        for variant in args.variants:
            calls = counts_per_run(lambda runs, variant=variant: count_calls(variant, args.seeds, runs), args.seeds)
            counts = ", ".join(f"{label} {count:,.0f}" for label, count in calls.items())
            print(f"{variant:10s} per run: {counts} ({args.seeds} seed(s))", flush=True)
        return 0
    per_run = {}
    for variant in args.variants:
        events = counts_per_run(lambda runs, variant=variant: count_events(variant, args.seeds, runs, args.simulate), args.seeds)
        per_run[variant] = events["instructions"]
        others = "".join(f", {label} {count / 1e6:.2f}M" for label, count in events.items() if label != "instructions")
        millions = per_run[variant] / 1e6
        print(f"{variant:10s} {millions:10.1f} million instructions per run{others} ({args.seeds} seed(s))", flush=True)
    if "model" in per_run:
        for other in ("kernel", "engine", "idiomatic"):
            if other in per_run:
                print(f"{other} / model = {per_run[other] / per_run['model']:.2f} (instructions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
