"""The ensemble subcommands of `cadres`: replicates, compare, sweep, findings.

    cadres run SCENARIO --replicates N [--jobs J] [--scheduler ADDRESS]
    cadres compare A.toml B.toml [C.toml ...] [--replicates N] [--jobs J] [--seed S] [--out DIR] [--json]
                   [--posterior DIR [--draws D] [--per-draw R]] [--figure-format png|svg|pdf ...]
    cadres sweep SCENARIO --param NAME=LO:HI [--param ...] --samples K [--method sobol|morris] [--figure-format ...]
    cadres findings [--replicates N | --posterior DIR [--draws D] [--per-draw R]] [--jobs J] [--publish]

`--figure-format` (also on `cadres run`) sets the formats of every figure
written (sim.plots.formats); `cadres findings` writes PNG, which its page shows.

Bad input raises sim.errors.ConfigError (path "command line" for options),
which the CLI prints on one line with exit code 2, before anything is written.
Each command holds the lock of its output directory (sim.results.locks) from its
first check to its last write.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.arguments import add_figure_format, count, seed
from sim.errors import ConfigError
from sim.experiments.workers import default_jobs

SCHEDULER_HELP = 'address of a Dask distributed scheduler ("local" starts a LocalCluster of --jobs workers)'
DEFAULT_DRAWS, DEFAULT_PER_DRAW = 20, 4  # 80 replicates: enough draws for the parameters' spread, 4 each to split off chance
FINDINGS_REPLICATES = 40  # without --posterior
PUBLISHED_PAGE = Path("docs/findings.md")  # `cadres findings --publish`, from the repository root


@contextmanager
def executor_for(args: argparse.Namespace, directory) -> Iterator:
    """The executor the options ask for (a local pool, or Dask with --scheduler), closed at the end.

    On Ctrl-C, says that the finished replicates are kept in `directory`
    and exits with 130 (the CLI's own message would say nothing was written).
    """
    executor = _make_executor(args)
    try:
        with executor:
            yield executor
    except KeyboardInterrupt:
        print(f"interrupted: finished replicates are kept in {directory}; the same command finishes the rest", file=sys.stderr)
        raise SystemExit(130) from None


def _make_executor(args: argparse.Namespace):
    """The executor: a remote scheduler at once, a local pool or LocalCluster only if there is work.

    Connecting at once makes a bad address fail before anything is written.
    """
    from sim.experiments.executors import Lazy

    scheduler = getattr(args, "scheduler", None)
    if scheduler and scheduler != "local":
        return _connect(args)
    return Lazy(lambda: _connect(args))


def _connect(args: argparse.Namespace):
    from sim.experiments.executors import make_executor

    try:
        return make_executor(args.jobs, getattr(args, "scheduler", None))
    except (OSError, TimeoutError, ValueError) as error:
        raise ConfigError(
            "command line", "--scheduler", f"expected a reachable Dask scheduler, {args.scheduler}: {error}"
        ) from None


def run_ensemble(args: argparse.Namespace, scenario, seed: int, replicates: int) -> int:
    """`cadres run` with replicates: the ensemble, its bands and banded figures."""
    from sim.experiments.ensemble import Ensemble
    from sim.records.bands import format_interval
    from sim.records.outcomes import BY_NAME
    from sim.results.locks import output_lock
    from sim.results.storage import default_directory

    ensemble = Ensemble(scenario, replicates, seed, Path(args.out) if args.out else default_directory(scenario.name))
    with output_lock(ensemble.directory):
        if not args.force:
            ensemble.check_directory()  # refuse before starting any worker
        with executor_for(args, ensemble.directory) as executor:
            ensemble.execute(executor, force=args.force, progress=not args.quiet)
        ensemble.reduce().save(figures=not args.no_figures, format=getattr(args, "format", "parquet"))
    print(f"{scenario.name}: {replicates} replicates (seeds spawned from {seed}) -> {ensemble.directory}")
    print("  median (10% to 90%)")
    for name, value in ensemble.interval_values().items():
        print(f"  {BY_NAME[name].label:58s} {format_interval(BY_NAME[name].kind, value)}")
    return 0


def _comparison(args: argparse.Namespace, files, out):
    """The comparison the options describe, with its resources checked before any work."""
    from sim.experiments.compare import Comparison, default_comparison_directory
    from sim.experiments.limits import check_resources

    out = out if out is not None else default_comparison_directory(files)  # the command always writes one
    comparison = Comparison(files, replicates=args.replicates, seed=args.seed, out=out, draws=_draws(args, files))
    for ensemble in comparison.ensembles:
        check_resources(ensemble.scenario, comparison.replicates, args.jobs or default_jobs(), ensemble.name)
    return comparison


def _draws(args: argparse.Namespace, files):
    """The posterior draws of --posterior (None without it), resampled with the comparison's seed."""
    if getattr(args, "posterior", None) is None:
        return None
    from sim.experiments.draws import ParameterDraws
    from sim.scenario.loader import load_scenario

    seed = args.seed if args.seed is not None else load_scenario(files[0]).seed
    return ParameterDraws.from_posterior(args.posterior, args.draws, args.per_draw, seed)


def _check_directories(args: argparse.Namespace, comparison) -> None:
    """Refuse, before starting any worker, directories the comparison may not write."""
    comparison.check_directory()
    if not args.force:
        for ensemble in comparison.ensembles:
            ensemble.check_directory()


def _compare(args: argparse.Namespace) -> int:
    from sim.results.locks import output_lock

    comparison = _comparison(args, args.scenarios, args.out)
    with output_lock(comparison.directory):
        _check_directories(args, comparison)
        with executor_for(args, comparison.directory) as executor:
            comparison.execute(executor, force=args.force, progress=not args.quiet)
        comparison.save(figures=not args.no_figures)
    if args.json:
        from sim.months import json_text

        print(json_text(comparison.as_json()))
    else:
        print(comparison.format())
        print(f"\ntable: {comparison.directory / 'comparison.csv'}  figures: {comparison.directory / 'figures'}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from sim.experiments.limits import check_resources
    from sim.experiments.sensitivity import format_indices, save_sensitivity
    from sim.experiments.sweep import Sweep, parse_parameters
    from sim.results.locks import output_lock
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(args.scenario)
    parameters = parse_parameters(args.param or [], scenario)
    sweep = Sweep(scenario, parameters, args.samples, args.method, args.replicates or 1, args.seed, args.out)
    for ensemble in sweep.ensembles:
        check_resources(ensemble.scenario, sweep.replicates, args.jobs or default_jobs(), args.scenario)
    with output_lock(sweep.directory):
        if not args.force:
            sweep.check_directory()
        with executor_for(args, sweep.directory) as executor:
            sweep.execute(executor, force=args.force, progress=not args.quiet)
        indices = save_sensitivity(sweep, figure=not args.no_figures)
    failed = int((sweep.table["error"] != "").sum())
    print(
        f"{scenario.name}: {len(sweep.points)} points ({args.method}, {args.samples} samples) "
        f"x {sweep.replicates} replicates -> {sweep.directory}"
    )
    if failed:
        print(f"  {failed} point(s) failed; see samples.csv")
    print(format_indices(indices, args.method))
    return 0


def _findings(args: argparse.Namespace) -> int:
    from sim.experiments.findings import FINDINGS_SCENARIOS, check_published, publish_findings, write_findings
    from sim.results.locks import output_lock

    scenarios = Path(args.scenarios)
    files = [scenarios / f"{name}.toml" for name in FINDINGS_SCENARIOS]
    if args.replicates is None and args.posterior is None:
        args.replicates = FINDINGS_REPLICATES
    if args.publish:
        check_published(PUBLISHED_PAGE)  # refuse before any simulation
    comparison = _comparison(args, files, args.runs)
    with output_lock(comparison.directory):
        _check_directories(args, comparison)
        with executor_for(args, comparison.directory) as executor:
            comparison.execute(executor, force=args.force, progress=not args.quiet)
        comparison.save(figures=True)  # the page shows the comparison's figures
        seed = f" --seed {args.seed}" if args.seed is not None else ""
        if args.posterior is not None:
            size = f"--posterior {args.posterior} --draws {args.draws} --per-draw {args.per_draw}"
        else:
            size = f"--replicates {comparison.replicates}"
        command = f"cadres findings {size}{seed} --publish"  # regenerates the published page
        page = write_findings(comparison, command)
    if args.publish:
        with output_lock(PUBLISHED_PAGE):
            page = publish_findings(comparison.directory, PUBLISHED_PAGE, command)
    print(comparison.format())
    print(f"\n{page} written from {comparison.directory / 'comparison.json'}")
    if not args.publish:
        print(f"(the published page, {PUBLISHED_PAGE}, is unchanged: --publish replaces it)")
    return 0


def _add_execution(parser: argparse.ArgumentParser, replicates: str) -> None:
    parser.add_argument("--replicates", type=count, help=replicates)
    parser.add_argument("--jobs", type=count, help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", help=SCHEDULER_HELP)
    parser.add_argument("--seed", type=seed, help="spawn seed of the replicate seeds (default: the first scenario's `seed`)")
    parser.add_argument(
        "--force", action="store_true", help="replace other results that Cadres wrote there (never files it did not write)"
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_posterior(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--posterior",
        metavar="DIR",
        help="a calibration's directory (e.g. calibration/posteriors/historical): each group of --per-draw replicates "
        "runs under one parameter set drawn from its posterior, the same in every scenario; --replicates is then "
        "draws x per draw",
    )
    parser.add_argument("--draws", type=count, default=DEFAULT_DRAWS, help=f"parameter sets drawn (default {DEFAULT_DRAWS})")
    parser.add_argument(
        "--per-draw", type=count, default=DEFAULT_PER_DRAW, help=f"replicates per parameter set (default {DEFAULT_PER_DRAW})"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `compare`, `sweep` and `findings` to the `cadres` parser."""
    compare = subparsers.add_parser("compare", help="compare scenarios on common random numbers, with intervals")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario files (TOML)")
    compare.add_argument("--out", help="output directory (default: runs/compare/<names>)")
    compare.add_argument("--json", action="store_true", help="print the table as JSON")
    _add_execution(compare, "replicates per scenario (default: the first scenario's `replicates`)")
    add_figure_format(compare)
    _add_posterior(compare)
    compare.set_defaults(handler=_compare)

    sweep = subparsers.add_parser("sweep", help="sweep parameters over a SALib design; global sensitivity of key outcomes")
    sweep.add_argument("scenario", help="scenario file (TOML)")
    sweep.add_argument(
        "--param",
        action="append",
        metavar="NAME=LO:HI",
        help="a dotted scenario key and its range; a schedule key is scaled by the factor (repeat for each parameter)",
    )
    sweep.add_argument("--samples", type=count, required=True, help="Morris trajectories, or Sobol base samples (a power of 2)")
    sweep.add_argument("--method", default="morris", help="morris (default) or sobol")
    sweep.add_argument("--out", help="output directory (default: runs/sweep/<scenario name>)")
    _add_execution(sweep, "replicates per design point, on the same seeds at every point (default: 1)")
    add_figure_format(sweep)
    sweep.set_defaults(handler=_sweep)

    findings = subparsers.add_parser(
        "findings",
        help="the F10 answer from a comparison with the gradual transitions: RUNS/findings.md (--publish: docs/findings.md)",
    )
    findings.add_argument("--scenarios", default="scenarios", help="directory of the scenario files (default: scenarios)")
    findings.add_argument(
        "--runs", default="runs/findings", help="where the comparison and its page are stored (default: runs/findings)"
    )
    findings.add_argument(
        "--publish",
        action="store_true",
        help=f"also replace the published page, {PUBLISHED_PAGE}, and its figures (run from the repository root)",
    )
    _add_execution(findings, f"replicates per scenario (default: {FINDINGS_REPLICATES}, or draws x per draw)")
    _add_posterior(findings)
    findings.set_defaults(handler=_findings)
