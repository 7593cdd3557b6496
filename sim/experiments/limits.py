"""Whether the runs a command asks for fit in this machine's memory, judged before they start.

A run's peak memory is a fixed cost of the process (Python, numpy, pandas,
Mesa, the compiled loops) plus a part that grows with the people who ever
served (the roster, the post history, the biographies and their parquet
file), and so with posts x months. Concurrent runs (replicates on `jobs`
workers) each need their own.

Measured with `python -m sim.experiments.limits` (each size in a fresh process: the
historical scenario with its departments, missions and recruitment capacity
scaled, run with seed 1, its records built and saved without figures; peak
RSS from `resource.getrusage`), on Linux x86-64, Python 3.12, numpy 2:

      posts  post-months     people  peak RSS
        530      159,000      2,110    299 MB
     10,448    3,134,400     42,565    354 MB
     31,328    9,398,400    127,002    413 MB
     99,188   29,756,400    401,287    576 MB
    297,548   89,264,400  1,207,549  1,054 MB

A least-squares line through these is 322 MB + 8.3 bytes per post-month
(about 600 bytes per person served); the estimate rounds both up, to
330 MB + 10 bytes. Memory follows the people served, so it depends on
turnover: with `--transfer-out-rate 2 --scales 1 20 60` (people leave about
eight times as often, recruitment capacity 20 times the scale) the line is
329 MB + 54.5 bytes per post-month. The estimate is the historical
turnover's, which the purge makes high already: a run it refuses cannot fit
at that turnover, and a run with far more turnover can still need several
times the estimate.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from sim.errors import ConfigError
from sim.scenario.config import Scenario

PROCESS_BYTES = 330_000_000  # measured 322 MB (module docstring)
BYTES_PER_POST_MONTH = 10  # measured 8.3 at the historical turnover (module docstring)
GB = 1e9
_MEMINFO = Path("/proc/meminfo")


def run_bytes(scenario: Scenario) -> int:
    """Estimated peak memory of one run of the scenario, in bytes."""
    months = scenario.end_month - scenario.start_month + 1
    return PROCESS_BYTES + BYTES_PER_POST_MONTH * scenario.institution.post_count * months


def available_memory(meminfo: Path = _MEMINFO) -> int | None:
    """Bytes of memory available to new processes: MemAvailable, else free pages; None if unknown."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # reported in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def check_resources(scenario: Scenario, replicates: int, jobs: int, path: Path | str) -> None:
    """Refuse runs whose estimated memory exceeds what this machine has available.

    Args:
        scenario: the validated scenario.
        replicates: how many runs of it.
        jobs: how many run at once (worker processes).
        path: the scenario file, named in the error.

    Raises:
        ConfigError: naming `institution`, with the estimate and the memory available.
    """
    concurrent = max(1, min(jobs, replicates))
    needed = concurrent * run_bytes(scenario)
    available = available_memory()
    if available is None or needed <= available:
        return
    months = scenario.end_month - scenario.start_month + 1
    runs = "1 run" if concurrent == 1 else f"{concurrent} concurrent runs"
    raise ConfigError(
        path,
        "institution",
        f"{scenario.institution.post_count:,} posts over {months:,} months, {runs}, needs about "
        f"{needed / GB:.1f} GB, this machine has {available / GB:.1f} GB available",
    )


# -- the measurement behind BYTES_PER_POST_MONTH ------------------------------------

_SCALES = (1, 20, 60, 190, 570)  # 530 to about 300,000 posts


def _measure_one(scale: int, transfer_out_rate: float | None) -> None:
    """Run the historical scenario scaled `scale` times; print posts, post-months, people served and peak RSS."""
    from sim.experiments.run import Run
    from sim.scenario.loader import load_scenario

    path = Path(__file__).resolve().parents[2] / "scenarios" / "historical.toml"
    base = load_scenario(path)
    overrides: dict = {
        "institution": {"hq_departments": base.institution.hq_departments * scale, "missions": base.institution.missions * scale}
    }
    recruitment = scale if transfer_out_rate is None else 20 * scale  # enough recruits to refill the posts
    capacity = [[date, value * recruitment] for date, value in base.replacement.recruitment_capacity]
    overrides["replacement"] = {"recruitment_capacity": capacity}
    if transfer_out_rate is not None:
        every_rank = [["1921-01", transfer_out_rate]]  # the elite at this rate too, in place of base.toml's rotation
        overrides["attrition"] = {"transfer_out_rate": transfer_out_rate, "elite_transfer_out_rate": every_rank}
    scenario = load_scenario(path, overrides=overrides)
    run = Run(scenario, seed=1).execute()
    with tempfile.TemporaryDirectory() as directory:
        run.save(Path(directory) / "run", figures=False)
    posts, months = scenario.institution.post_count, scenario.end_month - scenario.start_month + 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    print(posts, posts * months, len(run.biographies), peak)


def _measure(scales: tuple[int, ...], transfer_out_rate: float | None) -> None:
    import numpy as np

    rows = []
    print(f"{'posts':>9} {'post-months':>12} {'people':>9} {'peak RSS':>10}")
    for scale in scales:
        command = [sys.executable, "-m", "sim.experiments.limits", "--one", str(scale)]
        if transfer_out_rate is not None:
            command += ["--transfer-out-rate", str(transfer_out_rate)]
        output = subprocess.run(command, check=True, capture_output=True, text=True)
        posts, post_months, people, peak = (int(word) for word in output.stdout.split()[-4:])
        rows.append((post_months, peak))
        print(f"{posts:>9,} {post_months:>12,} {people:>9,} {peak / 1e6:>7,.0f} MB")
    slope, intercept = np.polyfit(*zip(*rows, strict=True), 1)
    print(f"fit: {intercept / 1e6:.0f} MB + {slope:.1f} bytes per post-month")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Measure peak memory against posts x months (sim/experiments/limits.py).")
    parser.add_argument("--scales", type=int, nargs="+", default=_SCALES, help="institution scale factors")
    parser.add_argument("--transfer-out-rate", type=float, help="override attrition.transfer_out_rate (a high-turnover run)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one is None:
        _measure(tuple(arguments.scales), arguments.transfer_out_rate)
    else:
        _measure_one(arguments.one, arguments.transfer_out_rate)
