"""The `cadres` command.

    cadres run SCENARIO [--seed N] [--out DIR] [--force] [--no-figures] [--figure-format png|svg|pdf ...] [--format parquet|csv]

Bad input (a config error, a result directory holding something else, an
output directory that cannot be written or that another cadres is writing)
is reported on one line naming the file and key, with exit code 2 and
nothing written.

This module is imported for every command, `--help` included: it imports
only what building the parser needs, and each command imports its own
machinery (the model, pyabc, matplotlib, Dask) when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from calibration.commands import register as register_calibration
from calibration.coverage_commands import register as register_coverage
from sim.app.command import register as register_app
from sim.arguments import Parser, add_figure_format, count, seed
from sim.cli.ensemble_commands import register as register_ensembles
from sim.cli.prosopography_commands import register as register_prosopography
from sim.cli.sensitivity_commands import register as register_sensitivity
from sim.cli.show_commands import register as register_show
from sim.errors import BAD_INPUT, ReplicateError
from sim.plots.formats import check_formats, figure_formats

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def _run(args: argparse.Namespace) -> int:
    from sim.experiments.limits import check_resources
    from sim.experiments.workers import default_jobs
    from sim.results.locks import output_lock
    from sim.results.storage import default_directory
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(args.scenario)
    seed = scenario.seed if args.seed is None else args.seed
    replicates = scenario.replicates if args.replicates is None else args.replicates
    check_resources(scenario, replicates, args.jobs or default_jobs(), args.scenario)
    if replicates > 1 or args.scheduler:
        from sim.cli.ensemble_commands import run_ensemble

        return run_ensemble(args, scenario, seed, replicates)
    out = Path(args.out) if args.out else default_directory(scenario.name)
    with output_lock(out):
        return _run_single(args, scenario, seed, out)


def _run_single(args: argparse.Namespace, scenario, seed: int, out: Path) -> int:
    from tqdm import tqdm

    from sim.experiments.run import Run
    from sim.records.summary import format_summary
    from sim.results.storage import existing_result, read_summary

    if not args.force and existing_result(out, scenario, seed, format=args.format) and _has_figures(args, out):
        summary = read_summary(out)
        print(format_summary(summary, f"{scenario.name} (seed {seed}): results already in {out}, unchanged (--force recomputes)"))
        return 0
    if args.force:
        # refuses anything Cadres may not replace, before the run
        existing_result(out, scenario, seed, force=True, format=args.format)
    run = Run(scenario, seed)
    with tqdm(total=run.months, desc=scenario.name, unit="month", disable=args.quiet or None, leave=False) as bar:
        run.execute(on_month=lambda _month: bar.update(), agents=False)  # the same records, without Mesa's import
    run.save(out, figures=not args.no_figures, format=args.format)
    print(format_summary(run.summary(), f"{scenario.name} (seed {seed}) -> {out}"))
    return 0


def _has_figures(args: argparse.Namespace, out: Path) -> bool:
    """True if a stored run holds figures in every format asked for (else it is redrawn), or none are asked for."""
    return args.no_figures or all(any((out / "figures").glob(f"*.{kind}")) for kind in check_formats())


def _add_run(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run a scenario and write its results")
    parser.add_argument("scenario", help="scenario file (TOML)")
    parser.add_argument("--seed", type=seed, help="seed, a whole number >= 0 (default: the scenario's `seed`)")
    parser.add_argument("--out", help="output directory (default: runs/<scenario name>)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace another result that Cadres wrote in the output directory (never files it did not write)",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    add_figure_format(parser)
    parser.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="the tables as Parquet (default) or CSV, for Excel, R or Stata (an ensemble: its bands; replicates stay Parquet)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--replicates", type=count, help="number of replicates (default: the scenario's `replicates`, 1)")
    parser.add_argument("--jobs", type=count, help="worker processes for replicates (default: all cores)")
    parser.add_argument("--scheduler", help="address of a Dask distributed scheduler to run replicates on")
    parser.set_defaults(handler=_run)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = Parser(prog="cadres", description="Cadres: institutional turnover in the Narkomindel, 1921-1945.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(subparsers)
    register_calibration(subparsers)  # calibrate, validate
    register_coverage(subparsers)  # coverage
    register_ensembles(subparsers)  # compare, sweep, findings
    register_prosopography(subparsers)  # elite
    register_app(subparsers)  # app
    register_sensitivity(subparsers)  # sensitivity
    register_show(subparsers)  # show
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cadres` command; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # a usage error (one line, code 2) or --help (0)
        return int(stop.code or 0)
    try:
        with figure_formats(getattr(args, "figure_format", None)):  # the formats every figure writer uses
            return args.handler(args)
    except BAD_INPUT as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ReplicateError as error:
        print(f"error: {error.brief()}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
