"""The `cadres calibrate` and `cadres validate` subcommands.

    cadres calibrate SCENARIO [--quick] [--workers N | --scheduler ADDRESS] [--out DIR] [--fresh] [--replace]
                              [--seed N] [--no-write]
    cadres validate SCENARIO [--json] [--replicates N] [--workers N] [--seed N]

Bad input raises `sim.scenario.loader.ConfigError`; the CLI prints it on one line
and exits with code 2. `validate` exits 0 whether or not the targets fit;
it shows every target (documented figures F1-F4, then patterns F4-F9) with
its band, the ensemble's median and 90% interval, and whether it is in the
ABC distance or check-only (`--json`: the same with `group` and `use`).
Where a calibration writes, and what it never overwrites, is
`calibration/outputs.py`.

`sim/cli/cadres.py` imports this module to build `--help`: pyabc, matplotlib and
the model's machinery are imported by the commands that use them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from calibration.outputs import open_checkpoint, output_directory, swap, write_back_path
from calibration.parameters import CalibrationProblem
from sim.arguments import count, seed
from sim.experiments.workers import default_jobs
from sim.results.locks import output_lock
from sim.results.storage import replace_text
from sim.scenario.config import AbcSettings, CalibrationSpec, Scenario
from sim.scenario.loader import ConfigError, load_scenario

if TYPE_CHECKING:
    from tqdm import tqdm

    from calibration.targets import Target

DEFAULT_HORIZON = "1939-12"  # every target (F1-F9) is measured by the end of 1939
QUICK = {
    "population_size": 12,
    "max_generations": 2,
    "max_simulations": 150,
    "max_minutes": 3.0,
    "predictive_draws": 8,
    "replicates": 6,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `calibrate` and `validate` to the `cadres` command."""
    calibrate = subparsers.add_parser("calibrate", help="infer the free parameters of a scenario by ABC-SMC (pyabc)")
    calibrate.add_argument("scenario", type=Path, help="scenario file with a [calibration] section (priors)")
    calibrate.add_argument(
        "--quick",
        action="store_true",
        help="a tiny budget for tests and demos (not a real calibration): writes to runs/calibration/NAME-quick unless "
        "--out is given, never under calibration/posteriors, and never writes the calibrated scenario file",
    )
    calibrate.add_argument("--workers", type=count, default=None, help="processes (default: all cores)")
    calibrate.add_argument(
        "--scheduler",
        default=None,
        help='address of a Dask distributed scheduler to simulate on ("local" starts a LocalCluster of --workers '
        "single-threaded workers); the posterior is the same as with --workers",
    )
    calibrate.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory: new, empty or a calibration's (default: calibration/posteriors/NAME)",
    )
    calibrate.add_argument(
        "--fresh", action="store_true", help="discard an unfinished checkpoint and start over (a finished one is kept)"
    )
    calibrate.add_argument(
        "--replace",
        action="store_true",
        help="compute a new calibration beside a finished one (in .NAME.next, continued if interrupted) and replace "
        "(delete) the old one only once the new one is complete",
    )
    calibrate.add_argument("--seed", type=seed, default=None, help="seed of the inference (default: the scenario's)")
    calibrate.add_argument(
        "--no-write", action="store_true", help="do not write the calibrated scenario file (calibration.write_to)"
    )
    calibrate.add_argument(
        "--max-minutes", type=float, default=None, help="wall-time budget of this call (default: calibration.abc.max_minutes)"
    )
    calibrate.add_argument(
        "--max-simulations", type=count, default=None, help="total simulations (default: calibration.abc.max_simulations)"
    )
    calibrate.set_defaults(handler=calibrate_command)

    validate = subparsers.add_parser(
        "validate", help="compare a scenario's ensemble with the documented figures F1-F4 and the patterns F4-F9"
    )
    validate.add_argument("scenario", type=Path, help="scenario file (with calibration.historian)")
    validate.add_argument("--json", action="store_true", help="print the table as JSON")
    validate.add_argument("--replicates", type=count, default=None, help="runs (default: calibration.abc.replicates, 40)")
    validate.add_argument("--workers", type=count, default=None, help="processes (default: all cores)")
    validate.add_argument("--seed", type=seed, default=None, help="root seed of the ensemble (default: the scenario's)")
    validate.add_argument(
        "--targets", type=Path, default=None, help="targets file (default: the scenario's, or calibration/targets.toml)"
    )
    validate.set_defaults(handler=validate_command)


def _settings(scenario: Scenario) -> AbcSettings:
    return scenario.calibration.abc if scenario.calibration is not None else AbcSettings(horizon=DEFAULT_HORIZON)


def _targets(scenario: Scenario, path: Path, override: Path | None) -> list[Target]:
    from calibration.targets import load_targets

    if override is not None:
        return load_targets(override)
    if scenario.calibration is not None and scenario.calibration.targets is not None:
        return load_targets(path.parent / scenario.calibration.targets)
    return load_targets()


def _bar(total: int, label: str) -> tqdm:
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="run", file=sys.stderr, leave=False)


def validate_command(args: argparse.Namespace) -> int:
    """Run the scenario's ensemble and print the fit to every target, documented figures then patterns.

    Check-only targets are measured and shown like the others, marked as not in the ABC distance.
    """
    from calibration.posterior import fit_table
    from calibration.report import fit_json, format_fit
    from calibration.simulate import ensemble, historian_of

    probe = load_scenario(args.scenario)
    settings = _settings(probe)
    scenario = load_scenario(args.scenario, overrides={"time": {"end": settings.horizon}})
    historian_of(scenario, str(args.scenario))
    targets = _targets(scenario, args.scenario, args.targets)
    replicates = args.replicates or settings.replicates
    with _bar(replicates, "validate") as bar:
        simulated = ensemble(
            scenario, targets, replicates, args.seed, args.workers or default_jobs(), lambda done: bar.update(done - bar.n)
        )
    table = fit_table(simulated, targets)
    if args.json:
        print(json.dumps(fit_json(table), indent=2))
    else:
        print(f"{args.scenario}: {replicates} replicates, seed {probe.seed if args.seed is None else args.seed}")
        print(format_fit(table))
    return 0


# What run.json records of the invocation that computed an inference; a later call that only reports it keeps them.
INFERENCE_FACTS = (
    "command",
    "budget (max minutes, max simulations)",
    "seed",
    "workers",
    "ABC simulations on",
    "wall time of this invocation (s)",
)


def _inference_facts(directory: Path) -> dict | None:
    """The facts of the invocation that computed the finished inference in `directory` (its run.json), if readable."""
    try:
        facts = json.loads((directory / "run.json").read_text())
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None


def _fingerprint(problem: CalibrationProblem, targets: list[Target], settings: AbcSettings) -> str:
    """What a checkpoint must match: the model, priors, targets in the distance, population size and proposal kernel.

    Not the budget or the stopping rules (a calibration may be continued with more), and not check-only targets,
    which do not enter the inference: changing them leaves the checkpoint valid.
    """
    from calibration.targets import in_distance

    plain = {
        **problem.identity(),
        "targets": [target.model_dump() for target in in_distance(targets)],
        "population_size": settings.population_size,
        "proposal": {"kernel_variance": settings.kernel_variance, "ancestor_power": settings.ancestor_power},
    }
    if settings.shared_history_until is not None:  # another approximation of the likelihood
        plain["shared history"] = [settings.shared_history_until, settings.shared_histories]
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()


def _spec(scenario: Scenario, path: Path) -> CalibrationSpec:
    """The scenario's [calibration], checked to have what `calibrate` needs."""
    spec = scenario.calibration
    if spec is None or not spec.priors:
        raise ConfigError(
            path, "calibration.priors", "expected at least one prior ([calibration.priors.NAME] with low, high, keys)"
        )
    if spec.write_to is not None and spec.write_extends is None:
        raise ConfigError(
            path, "calibration.write_extends", "expected the file the calibrated scenario extends, next to write_to"
        )
    return spec


def _budget(settings: AbcSettings, args: argparse.Namespace) -> AbcSettings:
    """The scenario's ABC settings, with --quick's tiny budget and the limits given on the command line."""
    settings = settings.model_copy(update=QUICK) if args.quick else settings
    budget = {"max_minutes": args.max_minutes, "max_simulations": args.max_simulations}
    return settings.model_copy(update={key: value for key, value in budget.items() if value is not None})


def _command(args: argparse.Namespace, seed: int, settings: AbcSettings) -> str:
    """The command that computes this calibration again: the seed and the budget, not the number of workers.

    The posterior depends on the seed alone (calibration/sampler.py), except
    where the wall-time budget, not the simulation budget, ended the run.
    """
    budget = f"--max-minutes {settings.max_minutes:g} --max-simulations {settings.max_simulations}"
    return f"cadres calibrate {args.scenario} --seed {seed} {budget}" + (" --quick" if args.quick else "")


@contextmanager
def dask_cluster(scheduler: str | None, workers: int) -> Iterator[object]:
    """A Dask client for `--scheduler` (None without it), closed at the end with the LocalCluster it started."""
    if not scheduler:
        yield None
        return
    from sim.experiments.executors import DaskExecutor

    try:
        executor = DaskExecutor(scheduler, jobs=workers)
    except (OSError, TimeoutError, ValueError) as error:
        raise ConfigError("command line", "--scheduler", f"expected a reachable Dask scheduler, {scheduler}: {error}") from None
    try:
        yield executor.client
    finally:
        executor.close()


def _dask_workers(client) -> int:
    from calibration.dask_pool import dask_workers

    return dask_workers(client)


def calibrate_command(args: argparse.Namespace) -> int:
    """Infer the free parameters, write the posterior, the fit report and (not with --quick) the calibrated scenario."""
    started = time.monotonic()
    probe = load_scenario(args.scenario)
    spec = _spec(probe, args.scenario)
    write_back = spec.write_to is not None and not (args.quick or args.no_write)
    if spec.write_to is not None:  # before anything runs
        write_back_path(args.scenario, spec.write_to, check_existing=write_back)
    out = output_directory(args.out, probe.name, args.quick)
    with output_lock(out):
        return _calibrate(args, probe, spec, out, write_back, started)


def _calibrate(
    args: argparse.Namespace, probe: Scenario, spec: CalibrationSpec, out: Path, write_back: bool, started: float
) -> int:
    """`calibrate_command` once it holds the lock of `out`."""
    import pyabc

    from calibration.abc import check_shared_history, run_abc
    from calibration.posterior import effective_sample_sizes
    from calibration.report import calibrated_scenario_text, write_results
    from calibration.simulate import calibration_code, historian_of

    settings = _budget(spec.abc, args)
    problem = CalibrationProblem.from_file(args.scenario, horizon=settings.horizon)
    historian_of(problem.scenario, str(args.scenario))
    targets = _targets(probe, args.scenario, None)
    if settings.shared_history_until is not None:
        check_shared_history(problem, settings)  # before anything is written
    workers = args.workers or default_jobs()
    seed = probe.seed if args.seed is None else args.seed
    with dask_cluster(args.scheduler, workers) as client:  # a bad address fails before anything is written
        fingerprint = _fingerprint(problem, targets, settings)
        checkpoint = open_checkpoint(out, fingerprint, args.fresh, args.replace, calibration_code())
        previous = None
        if checkpoint.start().complete:
            previous = _inference_facts(checkpoint.directory)
            hint = "" if checkpoint.replaces else " (--replace computes a new one and replaces this one once it is complete)"
            print(f"{checkpoint.database}: the inference finished before; reporting it{hint}", file=sys.stderr)
            if checkpoint.changed_code:
                print(
                    f"{checkpoint.database}: warning: computed with other model code (changed: "
                    f"{', '.join(checkpoint.changed_code)}); its posterior describes that model",
                    file=sys.stderr,
                )
            history = pyabc.History(f"sqlite:///{checkpoint.database}", _id=1)
        else:
            history = run_abc(problem, targets, settings, checkpoint.database, workers, progress=True, seed=seed, client=client)
        simulated_on = "local processes" if client is None else f"{args.scheduler} ({_dask_workers(client)} Dask workers)"
    if history.n_populations == 0:  # the checkpoint stays unfinished
        raise ConfigError(args.scenario, "calibration.abc.max_minutes", "expected a budget long enough for one generation")
    if not checkpoint.complete:
        checkpoint.finish()
    written = write_back_path(args.scenario, spec.write_to, check_existing=True) if write_back else None
    unwritten = "(not written: --quick)" if args.quick else "(not written)"
    facts = {
        "command": _command(args, seed, settings),
        "scenario": str(args.scenario),
        "free parameters": len(problem.priors),
        "generations": history.n_populations,
        "simulations (ABC)": int(history.total_nr_simulations),
        "simulations (posterior predictive)": settings.predictive_draws,
        "final epsilon": float(history.get_all_populations()["epsilon"].iloc[-1]),
        "effective sample size by generation": effective_sample_sizes(history),
        "population size": settings.population_size,
        "stored histories (until, how many)": [settings.shared_history_until, settings.shared_histories]
        if settings.shared_history_until
        else "none: every simulation from the start",
        "budget (max minutes, max simulations)": [settings.max_minutes, settings.max_simulations],
        "seed": seed,
        "workers": workers,
        "ABC simulations on": simulated_on,
        "wall time of this invocation (s)": None,  # set once the posterior predictive has run
        "quick": bool(args.quick),
        "calibrated scenario written to": str(written) if written else unwritten,
    }
    if previous:  # a report of a finished inference keeps what computed it, and its predictive runs keep their seed
        facts |= {key: previous[key] for key in INFERENCE_FACTS if key in previous}
        facts["reported by"] = _command(args, seed, settings)
    summary = write_results(checkpoint.directory, history, problem, targets, settings, facts, started)
    swap(checkpoint)  # a replacement takes the place of the calibration it replaces only now, complete
    if written is not None:
        medians = dict(zip(summary["parameter"], summary["median"], strict=True))
        keys = [key for prior in problem.priors.values() for key in prior.keys]
        text = calibrated_scenario_text(
            problem.with_values(medians), keys, probe.name, spec.write_extends, summary, str(args.scenario)
        )
        replace_text(written, text)
    return 0
