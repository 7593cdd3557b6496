"""The `cadres calibrate` and `cadres validate` subcommands.

    cadres calibrate SCENARIO [--quick] [--workers N] [--out DIR] [--fresh] [--seed N] [--no-write]
    cadres validate SCENARIO [--json] [--replicates N] [--workers N] [--seed N]

Bad input raises `sim.loader.ConfigError`; the CLI prints it on one line
and exits with code 2. `validate` exits 0 whether or not the targets fit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pyabc
from tqdm import tqdm

from calibration.abc import check_shared_history, run_abc
from calibration.parameters import CalibrationProblem
from calibration.posterior import effective_sample_sizes, fit_table, posterior_samples, predictive, summarize
from calibration.report import calibrated_scenario_text, fit_figure, fit_json, format_fit, write_report
from calibration.simulate import ensemble, historian_of
from calibration.targets import Target, load_targets
from sim.config import AbcSettings, Scenario
from sim.loader import ConfigError, load_scenario

POSTERIORS = Path(__file__).with_name("posteriors")
DEFAULT_HORIZON = "1939-12"  # every F1-F4 target is measured by the end of 1939
QUICK = {
    "population_size": 12,
    "max_generations": 2,
    "max_simulations": 150,
    "max_minutes": 3.0,
    "predictive_draws": 8,
    "replicates": 6,
}


def default_workers() -> int:
    """The cores available to this process."""
    return len(os.sched_getaffinity(0))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `calibrate` and `validate` to the `cadres` command."""
    calibrate = subparsers.add_parser("calibrate", help="infer the free parameters of a scenario by ABC-SMC (pyabc)")
    calibrate.add_argument("scenario", type=Path, help="scenario file with a [calibration] section (priors)")
    calibrate.add_argument("--quick", action="store_true", help="a tiny budget for tests and demos (not a real calibration)")
    calibrate.add_argument("--workers", type=_positive, default=None, help="processes (default: all cores)")
    calibrate.add_argument("--out", type=Path, default=None, help="output directory (default: calibration/posteriors/NAME)")
    calibrate.add_argument("--fresh", action="store_true", help="discard the checkpoint database and start over")
    calibrate.add_argument("--seed", type=int, default=None, help="seed of the inference (default: the scenario's)")
    calibrate.add_argument("--no-write", action="store_true", help="do not write the calibrated scenario file")
    calibrate.add_argument(
        "--max-minutes", type=float, default=None, help="wall-time budget of this call (default: calibration.abc.max_minutes)"
    )
    calibrate.add_argument(
        "--max-simulations", type=_positive, default=None, help="total simulations (default: calibration.abc.max_simulations)"
    )
    calibrate.set_defaults(handler=calibrate_command)

    validate = subparsers.add_parser("validate", help="compare a scenario's ensemble with the documented figures F1-F4")
    validate.add_argument("scenario", type=Path, help="scenario file (with calibration.historian)")
    validate.add_argument("--json", action="store_true", help="print the table as JSON")
    validate.add_argument("--replicates", type=_positive, default=None, help="runs (default: calibration.abc.replicates, 40)")
    validate.add_argument("--workers", type=_positive, default=None, help="processes (default: all cores)")
    validate.add_argument("--seed", type=int, default=None, help="root seed of the ensemble (default: the scenario's)")
    validate.add_argument(
        "--targets", type=Path, default=None, help="targets file (default: the scenario's, or calibration/targets.toml)"
    )
    validate.set_defaults(handler=validate_command)


def _settings(scenario: Scenario) -> AbcSettings:
    return scenario.calibration.abc if scenario.calibration is not None else AbcSettings(horizon=DEFAULT_HORIZON)


def _targets(scenario: Scenario, path: Path, override: Path | None) -> list[Target]:
    if override is not None:
        return load_targets(override)
    if scenario.calibration is not None and scenario.calibration.targets is not None:
        return load_targets(path.parent / scenario.calibration.targets)
    return load_targets()


def _bar(total: int, label: str) -> tqdm:
    return tqdm(total=total, desc=label, unit="run", file=sys.stderr, leave=False)


def validate_command(args: argparse.Namespace) -> int:
    """Run the scenario's ensemble and print the fit to every target."""
    probe = load_scenario(args.scenario)
    settings = _settings(probe)
    scenario = load_scenario(args.scenario, overrides={"time": {"end": settings.horizon}})
    historian_of(scenario, str(args.scenario))
    targets = _targets(scenario, args.scenario, args.targets)
    replicates = args.replicates or settings.replicates
    with _bar(replicates, "validate") as bar:
        simulated = ensemble(
            scenario, targets, replicates, args.seed, args.workers or default_workers(), lambda done: bar.update(done - bar.n)
        )
    table = fit_table(simulated, targets)
    if args.json:
        print(json.dumps(fit_json(table), indent=2))
    else:
        print(f"{args.scenario}: {replicates} replicates, seed {probe.seed if args.seed is None else args.seed}")
        print(format_fit(table))
    return 0


def _fingerprint(problem: CalibrationProblem, targets: list[Target], settings: AbcSettings) -> str:
    """What a checkpoint must match: the model, priors, targets and population size (not the budget)."""
    scenario = problem.build({name: prior.low for name, prior in problem.priors.items()}).model_dump(mode="json")
    scenario["calibration"].pop("abc")
    plain = {
        "scenario": scenario,
        "priors": {name: prior.model_dump() for name, prior in problem.priors.items()},
        "targets": [target.model_dump() for target in targets],
        "population_size": settings.population_size,
    }
    if settings.shared_history_until is not None:  # another approximation of the likelihood
        plain["shared history"] = [settings.shared_history_until, settings.shared_histories]
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()


class Checkpoint:
    """The pyabc database of a calibration and a stamp saying whose it is and whether it finished."""

    def __init__(self, out: Path, fingerprint: str, fresh: bool) -> None:
        self.database, self.stamp, self.fingerprint = out / "abc.db", out / "checkpoint.json", fingerprint
        if fresh:
            self.database.unlink(missing_ok=True)
            self.stamp.unlink(missing_ok=True)
        recorded = json.loads(self.stamp.read_text()) if self.stamp.exists() else {}
        if self.database.exists() and recorded.get("fingerprint") != fingerprint:
            raise ConfigError(
                self.database,
                "",
                "expected a checkpoint of this scenario, priors and targets; it holds another calibration (use --fresh)",
            )
        self.complete = self.database.exists() and bool(recorded.get("complete"))
        out.mkdir(parents=True, exist_ok=True)
        self._write(self.complete)

    def _write(self, complete: bool) -> None:
        self.stamp.write_text(json.dumps({"fingerprint": self.fingerprint, "complete": complete}) + "\n")

    def finish(self) -> None:
        """Mark the inference finished: later calls report it instead of extending it."""
        self.complete = True
        self._write(True)


def calibrate_command(args: argparse.Namespace) -> int:
    """Infer the free parameters, write the posterior, the fit report and the calibrated scenario."""
    started = time.monotonic()
    probe = load_scenario(args.scenario)
    spec = probe.calibration
    if spec is None or not spec.priors:
        raise ConfigError(
            args.scenario, "calibration.priors", "expected at least one prior ([calibration.priors.NAME] with low, high, keys)"
        )
    if spec.write_to is not None and spec.write_extends is None:
        raise ConfigError(
            args.scenario, "calibration.write_extends", "expected the file the calibrated scenario extends, next to write_to"
        )
    settings = spec.abc.model_copy(update=QUICK) if args.quick else spec.abc
    budget = {"max_minutes": args.max_minutes, "max_simulations": args.max_simulations}
    settings = settings.model_copy(update={key: value for key, value in budget.items() if value is not None})
    problem = CalibrationProblem.from_file(args.scenario, horizon=settings.horizon)
    historian_of(problem.scenario, str(args.scenario))
    if settings.shared_history_until is not None:
        check_shared_history(problem, settings)  # before anything is written
    targets = _targets(probe, args.scenario, None)
    workers = args.workers or default_workers()
    out = args.out or POSTERIORS / probe.name
    checkpoint = Checkpoint(out, _fingerprint(problem, targets, settings), args.fresh)
    seed = probe.seed if args.seed is None else args.seed

    if checkpoint.complete:
        print(f"{checkpoint.database}: the inference finished before; reporting it (--fresh starts over)", file=sys.stderr)
        history = pyabc.History(f"sqlite:///{checkpoint.database}", _id=1)
    else:
        history = run_abc(problem, targets, settings, checkpoint.database, workers, progress=True, seed=seed)
        checkpoint.finish()
    if history.n_populations == 0:
        raise ConfigError(args.scenario, "calibration.abc.max_minutes", "expected a budget long enough for one generation")
    samples = posterior_samples(history, problem)
    summary = summarize(samples, problem)
    samples.to_csv(out / "posterior.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)

    with _bar(settings.predictive_draws, "posterior predictive") as bar:
        simulated = predictive(
            problem, samples, targets, settings.predictive_draws, seed, workers, lambda done: bar.update(done - bar.n)
        )
    simulated.to_csv(out / "predictive.csv", index=False)
    table = fit_table(simulated, targets)
    table.to_csv(out / "fit.csv", index=False)
    (out / "fit.json").write_text(json.dumps(fit_json(table), indent=2) + "\n")
    fit_figure(table, simulated, f"{probe.name}: posterior predictive ({settings.predictive_draws} runs)").savefig(
        out / "fit.png", dpi=120
    )

    medians = dict(zip(summary["parameter"], summary["median"], strict=True))
    written = None
    if spec.write_to is not None and not args.no_write:
        written = args.scenario.parent / spec.write_to
        keys = [key for prior in problem.priors.values() for key in prior.keys]
        text = calibrated_scenario_text(
            problem.with_values(medians), keys, probe.name, spec.write_extends, summary, str(args.scenario)
        )
        written.write_text(text)
    facts = {
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
        "wall time of this invocation (s)": round(time.monotonic() - started, 1),
        "quick": bool(args.quick),
        "calibrated scenario written to": str(written) if written else "(not written)",
    }
    write_report(out, summary, table, facts, targets)
    (out / "run.json").write_text(json.dumps(facts, indent=2) + "\n")
    print(summary.to_string(index=False, float_format=lambda value: f"{value:.4g}"))
    print(format_fit(table))
    print("\n".join(f"{key}: {value}" for key, value in facts.items()))
    return 0
