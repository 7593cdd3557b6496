"""Start-up time of the `cadres` command: wall seconds of whole commands, against their targets.

    .venv/bin/python benchmarks/bench_startup.py [--repeats 5]

Times, in fresh processes, interleaved, each `--repeats` times:

- the reference: the interpreter alone (`python -c pass`), what any command costs at least;
- `cadres --help` (target: under 1.5 s);
- `cadres run` of a scenario with an unknown key, refused with exit code 2 (target: under 1.5 s);
- `cadres run scenarios/historical.toml` with figures, warm (numba's cache and the OS file cache
  filled by a first, untimed run), into a fresh directory each time (target: under 5 s).

Reports the median and the range of each, its ratio to the reference, and
whether the median meets the target. Also lists the slowest imports of
`sim.cli` (`python -X importtime`), where start-up time goes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from own_checkout import ROOT, require_own_sim

CADRES = [sys.executable, "-m", "sim.cli"]
TARGETS = {"cadres --help": 1.5, "refused bad config": 1.5, "cadres run historical (figures)": 5.0}


def timed(command: list[str], expect: int, cwd: Path) -> float:
    """Wall seconds of one command; it must exit with `expect`."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != expect:
        raise SystemExit(f"bench_startup.py: {' '.join(command)} exited {done.returncode}, expected {expect}:\n{done.stderr}")
    return seconds


def slowest_imports(count: int = 8) -> list[tuple[int, str]]:
    """The `count` imports of `sim.cli` with the largest cumulative time (microseconds, module)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import sim.cli"], cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    """Run the measurements and print the table."""
    require_own_sim("bench_startup.py")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        bad = scratch / "bad.toml"
        bad.write_text(f'extends = "{ROOT / "scenarios" / "historical.toml"}"\nname = "bad"\ncolour = 3\n')
        historical = str(ROOT / "scenarios" / "historical.toml")
        timed([*CADRES, "run", historical, "--out", str(scratch / "warm-up"), "--quiet"], 0, scratch)
        commands = {
            "reference (python -c pass)": lambda _: ([sys.executable, "-c", "pass"], 0),
            "cadres --help": lambda _: ([*CADRES, "--help"], 0),
            "refused bad config": lambda _: ([*CADRES, "run", str(bad), "--quiet"], 2),
            "cadres run historical (figures)": lambda i: (
                [*CADRES, "run", historical, "--out", str(scratch / f"run{i}"), "--quiet"],
                0,
            ),
        }
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        for repeat in range(args.repeats):
            for name, make in commands.items():
                command, expect = make(repeat)
                seconds[name].append(timed(command, expect, scratch))
    reference = statistics.median(seconds["reference (python -c pass)"])
    print(f"{args.repeats} repeats, wall seconds: median (min to max), ratio of the median to the reference")
    for name, values in seconds.items():
        median = statistics.median(values)
        line = f"  {name:34s} {median:6.2f} ({min(values):.2f} to {max(values):.2f})  x{median / reference:5.1f}"
        if name in TARGETS:
            line += f"   target < {TARGETS[name]} s: {'met' if median < TARGETS[name] else 'MISSED'}"
        print(line)
    print("slowest imports of sim.cli (cumulative ms):")
    for microseconds, module in slowest_imports():
        print(f"  {microseconds / 1000:8.1f}  {module}")


if __name__ == "__main__":
    main()
