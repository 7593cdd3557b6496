"""The `cadres coverage` subcommand: a check that the calibration recovers known truths (calibration/coverage.py).

    cadres coverage SCENARIO [--truths 30] [--population 100] [--max-simulations 1500] [--workers N] [--seed N]
                             [--out DIR] [--quick]

Writes `calibration/posteriors/NAME/coverage/` (with `--quick`:
`runs/coverage/NAME-quick/`, never under calibration/posteriors/):
`coverage.json` (the stamp: whose check it is, its settings), `truths/`
(one JSON per finished truth: its values and posterior particles),
`coverage.csv` (per truth and parameter), `coverage.md` and `ranks.png`;
by default also the section "Coverage of the calibration" of the
calibration's report.md beside it (replaced when run again; a rerun with
every truth stored only rewrites these, in seconds).

- Resumable: a truth is stored as it finishes, and a rerun computes only
  the truths not stored yet (more `--truths` extend a check; fewer report
  the first ones). A truth interrupted midway starts over.
- The result depends on the seed and the budget, not on `--workers` or on
  resuming: with at least as many truths left as workers, each worker
  calibrates truths of its own on one process; otherwise each truth uses
  every worker. Either way a truth's posterior is the same
  (calibration/sampler.py).
- Writes only into a new or empty directory or one of its own with the
  same settings; anything else (a file, other files, a check of other
  settings) is refused with one line and exit code 2, and nothing is
  written. It writes nothing but its own files, by name, each whole
  (`sim.results.storage.replace_file`), under the directory's lock.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import sys
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path
from typing import TYPE_CHECKING

from sim.arguments import count, seed
from sim.scenario.loader import ConfigError

if TYPE_CHECKING:
    from calibration.coverage import CoverageSettings
    from calibration.parameters import CalibrationProblem
    from calibration.targets import Target
    from sim.scenario.config import AbcSettings

COMMAND_LINE = "command line"
# The budget is checked between generations, so a truth overshoots it by its last generation: about 1,500-2,900
# simulations a truth of scenarios/historical.toml, 53-103 s on one core; 30 truths, two at a time, 17 minutes on
# 2 cores (measured with `cadres coverage scenarios/historical.toml`).
FULL = {"truths": 30, "population_size": 100, "max_simulations": 1500}
QUICK = {"truths": 3, "population_size": 10, "max_simulations": 40, "max_generations": 2, "shared_histories": 5}
QUICK_RUNS = Path("runs", "coverage")  # relative to the working directory
SMALLEST = 10  # particles and simulations: pyabc's and AbcSettings' minimum


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `coverage` to the `cadres` command."""
    coverage = subparsers.add_parser(
        "coverage", help="check that the calibration recovers synthetic truths drawn from the priors (coverage, ranks)"
    )
    coverage.add_argument("scenario", type=Path, help="scenario file with a [calibration] section (priors)")
    coverage.add_argument("--truths", type=count, default=None, help="synthetic truths (default: 30; 3 with --quick)")
    coverage.add_argument(
        "--population", type=count, default=None, help="ABC particles a generation (default: 100; 10 with --quick)"
    )
    coverage.add_argument(
        "--max-simulations",
        type=count,
        default=None,
        help="simulation budget of each truth's inference, checked between generations (default: 1500; 40 with --quick)",
    )
    coverage.add_argument("--workers", type=count, default=None, help="processes (default: all cores); no effect on the result")
    coverage.add_argument("--seed", type=seed, default=None, help="seed of the whole check (default: the scenario's)")
    coverage.add_argument(
        "--out", type=Path, default=None, help="output directory (default: calibration/posteriors/NAME/coverage)"
    )
    coverage.add_argument(
        "--quick",
        action="store_true",
        help="a tiny budget for tests (3 truths, 2 generations of 10): writes to runs/coverage/NAME-quick unless --out "
        "is given, never under calibration/posteriors",
    )
    coverage.set_defaults(handler=coverage_command)


def output_directory(out: Path | None, name: str, quick: bool) -> Path:
    """`--out`, else calibration/posteriors/NAME/coverage, or runs/coverage/NAME-quick with --quick."""
    from calibration.outputs import POSTERIORS

    if out is None:
        return QUICK_RUNS / f"{name}-quick" if quick else POSTERIORS / name / "coverage"
    if quick and out.resolve().is_relative_to(POSTERIORS.resolve()):
        raise ConfigError(
            COMMAND_LINE, "--out", f"expected a directory outside {POSTERIORS} with --quick (a test budget); got {out}"
        )
    return out


def scaled_settings(settings: AbcSettings, args: argparse.Namespace) -> tuple[int, AbcSettings]:
    """The number of truths and the scenario's ABC settings scaled down to a truth's budget (or --quick's)."""
    budget = QUICK if args.quick else FULL
    given = {"truths": args.truths, "population_size": args.population, "max_simulations": args.max_simulations}
    chosen = budget | {key: value for key, value in given.items() if value is not None}
    for option, key in (("--population", "population_size"), ("--max-simulations", "max_simulations")):
        if chosen[key] < SMALLEST:
            raise ConfigError(COMMAND_LINE, option, f"expected at least {SMALLEST}, got {chosen[key]}")
    truths = chosen.pop("truths")
    if "shared_histories" in chosen:
        chosen["shared_histories"] = min(chosen["shared_histories"], settings.shared_histories)
    return truths, settings.model_copy(update=chosen)


def _targets(path: Path, scenario) -> list[Target]:
    from calibration.targets import load_targets

    own = scenario.calibration.targets
    return load_targets(path.parent / own) if own is not None else load_targets()


def _options(args: argparse.Namespace, settings: AbcSettings, seed_value: int) -> str:
    """The options that reproduce the check (all but --truths, which the report adds, and --workers, which do not matter)."""
    options = f"--population {settings.population_size} --max-simulations {settings.max_simulations} --seed {seed_value}"
    options += " --quick" if args.quick else ""
    return options + (f" --out {args.out}" if args.out is not None else "")


def stamp_of(
    problem: CalibrationProblem, targets: list[Target], settings: AbcSettings, seed_value: int, args: argparse.Namespace
) -> dict:
    """The stamp of a check: its settings, and a fingerprint of everything its truths depend on."""
    shared = settings.shared_history_until is not None
    kept = {
        "population_size": settings.population_size,
        "max_generations": settings.max_generations,
        "max_simulations": settings.max_simulations,
        "min_acceptance_rate": settings.min_acceptance_rate,
        "kernel_variance": settings.kernel_variance,
        "ancestor_power": settings.ancestor_power,
        "shared_history_until": settings.shared_history_until,
        "shared_histories": settings.shared_histories if shared else None,
        "horizon": settings.horizon,
    }
    plain = {
        **problem.identity(),
        "targets": [target.model_dump() for target in targets],
        "settings": kept,
        "seed": seed_value,
    }
    fingerprint = hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()
    return {
        "kind": "coverage",
        "fingerprint": fingerprint,
        "scenario": str(args.scenario),
        "seed": seed_value,
        "options": _options(args, settings, seed_value),
        "settings": kept,
    }


def claim(out: Path, stamp: dict) -> None:
    """Refuse `out` unless it is new, empty or a coverage check with the same fingerprint; then stamp it."""
    from calibration.coverage import STAMP
    from sim.results.storage import replace_text

    if out.exists() and not out.is_dir():
        raise ConfigError(COMMAND_LINE, "--out", f"expected a directory for the coverage check; {out} is a file")
    found = None
    if (out / STAMP).is_file():
        try:
            found = json.loads((out / STAMP).read_text())
        except (OSError, ValueError):
            found = None
        if not isinstance(found, dict) or found.get("kind") != "coverage":
            raise ConfigError(COMMAND_LINE, "--out", f"expected a coverage check's stamp in {out / STAMP}; it is another file")
        if found.get("fingerprint") != stamp["fingerprint"]:
            raise ConfigError(
                COMMAND_LINE,
                "--out",
                f"expected a coverage check of these settings; {out} holds one of another seed, budget, scenario, priors "
                "or targets, which cadres does not overwrite: choose another --out",
            )
    elif out.is_dir() and (others := sorted(entry.name for entry in out.iterdir())):
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise ConfigError(
            COMMAND_LINE,
            "--out",
            f"expected a new or empty directory, or a coverage check's (with {STAMP}); {out} holds other files ({shown}), "
            "which cadres neither overwrites nor clears",
        )
    replace_text(out / STAMP, json.dumps(stamp, indent=2) + "\n")


def coverage_command(args: argparse.Namespace) -> int:
    """Calibrate every synthetic truth not stored yet, then write the table, the report and the rank histograms."""
    from calibration.abc import check_shared_history
    from calibration.parameters import CalibrationProblem
    from calibration.simulate import historian_of
    from sim.experiments.workers import default_jobs
    from sim.results.locks import output_lock
    from sim.scenario.loader import load_scenario

    probe = load_scenario(args.scenario)
    if probe.calibration is None or not probe.calibration.priors:
        raise ConfigError(
            args.scenario, "calibration.priors", "expected at least one prior ([calibration.priors.NAME] with low, high, keys)"
        )
    truths, settings = scaled_settings(probe.calibration.abc, args)
    problem = CalibrationProblem.from_file(args.scenario, horizon=settings.horizon)
    historian_of(problem.scenario, str(args.scenario))
    if settings.shared_history_until is not None:
        check_shared_history(problem, settings)
    targets = _targets(args.scenario, probe)
    seed_value = probe.seed if args.seed is None else args.seed
    out = output_directory(args.out, probe.name, args.quick)
    with output_lock(out):
        claim(out, stamp_of(problem, targets, settings, seed_value, args))
        from calibration.coverage import CoverageSettings

        coverage = CoverageSettings(seed_value, settings)
        try:
            records = run_truths(problem, targets, coverage, truths, out, args.workers or default_jobs())
        except KeyboardInterrupt:
            print(f"interrupted: the finished truths are stored in {out}; the same command continues", file=sys.stderr)
            return 130
        write_outputs(out, problem, records)
        if args.out is None and not args.quick:
            add_to_report(out)
    return 0


def add_to_report(out: Path) -> None:
    """Put the check's section in the calibration report beside it (calibration/posteriors/NAME/report.md), if any."""
    from calibration.coverage import FIGURE, coverage_section
    from calibration.report import replace_section

    report = out.parent / "report.md"
    if report.exists():
        replace_section(report, "coverage", coverage_section(out, figure=f"{out.name}/{FIGURE}"))
        print(f"added to {report}")


def _truth_path(out: Path, truth: int) -> Path:
    from calibration.coverage import TRUTHS

    return out / TRUTHS / f"truth-{truth:04d}.json"


def run_truths(
    problem: CalibrationProblem, targets: list[Target], coverage: CoverageSettings, truths: int, out: Path, workers: int
) -> list[dict]:
    """Every truth's record, in order: those stored are read, the others calibrated and stored as each finishes."""
    from tqdm import tqdm

    from calibration.coverage import calibrate_truth, read_truth
    from sim.results.storage import replace_text

    records = {truth: record for truth in range(truths) if (record := read_truth(_truth_path(out, truth))) is not None}
    pending = [truth for truth in range(truths) if truth not in records]
    if records:
        print(f"{out}: {len(records)} of {truths} truths stored, reused", file=sys.stderr)
    (out / "truths").mkdir(parents=True, exist_ok=True)
    for leftover in (out / "truths").glob(".truth-*.db*"):  # databases of truths a kill interrupted
        leftover.unlink()

    def store(record: dict) -> None:
        replace_text(_truth_path(out, record["truth"]), json.dumps(record) + "\n")
        records[record["truth"]] = record
        bar.update()
        bar.set_postfix_str(f"truth {record['truth']}: {record['simulations']} simulations, {record['seconds']:.0f} s")

    def work(truth: int) -> Path:
        return _truth_path(out, truth).with_name(f".truth-{truth:04d}.db")

    with tqdm(total=truths, initial=truths - len(pending), desc="coverage", unit="truth", file=sys.stderr, leave=False) as bar:
        if len(pending) >= workers > 1:  # a truth per worker, one process each
            _in_pool(problem, targets, coverage, pending, work, workers, store)
        else:
            for truth in pending:
                store(calibrate_truth(problem, targets, coverage, truth, work(truth), workers))
    return [records[truth] for truth in range(truths)]


def _in_pool(problem, targets, coverage, pending, work, workers, store) -> None:
    """Calibrate `pending` truths on a pool of `workers` processes, one process a truth; `store` each as it finishes."""
    from calibration.coverage import calibrate_truth
    from calibration.simulate import START_METHOD
    from sim.experiments.workers import process_pool

    pool = process_pool(workers, multiprocessing.get_context(START_METHOD))
    try:
        running = {pool.submit(calibrate_truth, problem, targets, coverage, truth, work(truth), 1) for truth in pending}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda future: future.result()["truth"]):
                store(future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # the workers end with this process (sim.experiments.workers)
        raise
    pool.shutdown()


def write_outputs(out: Path, problem: CalibrationProblem, records: list[dict]) -> None:
    """coverage.csv, ranks.png and coverage.md from the truths' records, each file whole; print the table."""
    import pandas as pd

    from calibration.coverage import FIGURE, REPORT, TABLE, coverage_section, rank_figure, truth_rows
    from sim.results.storage import replace_file, replace_text

    table = pd.DataFrame([row for record in records for row in truth_rows(record, problem)])
    replace_file(out / TABLE, lambda path: table.to_csv(path, index=False))
    figure = rank_figure(table, problem.scenario.name)
    replace_file(out / FIGURE, lambda path: figure.savefig(path, dpi=120, format="png"))
    seconds = [record["seconds"] for record in records]
    section = coverage_section(out)
    timing = (
        f"Wall time per truth: mean {sum(seconds) / len(seconds):.0f} s, longest {max(seconds):.0f} s "
        f"(on {min(r['workers'] for r in records)}–{max(r['workers'] for r in records)} processes each)."
    )
    replace_text(out / REPORT, f"# Coverage check: {problem.scenario.name}\n\n{section}\n{timing}\n")
    print(section)
    print(f"-> {out}")
