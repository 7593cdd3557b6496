r"""Parameter sweeps over a scenario, on a SALib design (Morris or Sobol).

    cadres sweep scenarios/historical.toml --param purge.multipliers.rank.elite=1.5:4 \\
        --param purge.intensity=0.5:1.5 --samples 8 --method morris

A parameter is a dotted key of the scenario. A number is set to the sampled
value (rounded if the key holds an integer); a schedule (a list of
["YYYY-MM", value] knots) is scaled: every knot's value is multiplied by
the sampled factor. Every point runs the same replicate seeds (common random
numbers across the design), each as a small ensemble stored under
`out/points/pNNNN/`, so an interrupted sweep resumes like an ensemble. A
point that fails is recorded with its error, not raised. samples.csv has a
row per point: the parameters' values, the mean outcomes over its
replicates (a majority month as "YYYY-MM" with its `_not_by_horizon`
marker, sim/months.py) and the error, if any.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ResultExistsError
from sim.experiments.ensemble import Ensemble, ReplicateError, execute_all
from sim.months import censored, month_columns
from sim.results.ownership import check_replaceable, describe
from sim.results.storage import default_directory, record_files, replace_file, retire
from sim.scenario.config import Scenario
from sim.scenario.loader import ConfigError

METHODS = ("morris", "sobol")
SWEEP_OUTCOMES = ("elite_purged_share", "majority_month_all", "experience_lost")  # the key outputs
_SPEC = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_.]*)=(?P<low>[^:]+):(?P<high>[^:]+)$")
WHERE = "command line"


@dataclass(frozen=True)
class Parameter:
    """A swept key: its dotted name, bounds, and how the value is applied (set, integer, scale)."""

    name: str
    low: float
    high: float
    mode: str


def _leaf(tree: dict, name: str):
    node = tree
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None, False
        node = node[part]
    return node, True


def _is_schedule(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(k, (list, tuple)) and len(k) == 2 for k in value)


def apply(tree: dict, parameter: Parameter, value: float) -> dict:
    """A copy of the config tree with one parameter set (or scaled) to `value`."""
    tree = copy.deepcopy(tree)
    parts = parameter.name.split(".")
    node = tree
    for part in parts[:-1]:
        node = node[part]
    if parameter.mode == "scale":
        node[parts[-1]] = [[date, knot * value] for date, knot in node[parts[-1]]]
    elif parameter.mode == "integer":
        node[parts[-1]] = int(round(value))
    else:
        node[parts[-1]] = float(value)
    return tree


def parse_parameter(spec: str, scenario: Scenario) -> Parameter:
    """Parse NAME=LO:HI against the scenario; both bounds must give a valid scenario.

    Raises:
        ConfigError: ("command line", "--param", what was expected).
    """
    match = _SPEC.match(spec.strip())
    if not match:
        raise ConfigError(WHERE, "--param", f"expected NAME=LO:HI (e.g. purge.multipliers.rank.elite=1.5:4), got {spec!r}")
    name = match["name"]
    try:
        low, high = float(match["low"]), float(match["high"])
    except ValueError:
        raise ConfigError(WHERE, "--param", f"expected numbers for LO and HI in {spec!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise ConfigError(WHERE, "--param", f"expected finite bounds with LO < HI in {spec!r}")
    tree = scenario.model_dump(mode="json")
    value, found = _leaf(tree, name)
    if not found:
        raise ConfigError(WHERE, "--param", f"expected a key of the scenario, {name!r} is not one")
    if _is_schedule(value):
        mode = "scale"
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(WHERE, "--param", f"expected a number or a schedule at {name}, found {type(value).__name__} {value!r}")
    else:
        mode = "integer" if isinstance(value, int) else "set"
    parameter = Parameter(name, low, high, mode)
    for bound in (low, high):
        try:
            Scenario.model_validate(apply(tree, parameter, bound))
        except ValueError as error:  # pydantic's ValidationError
            detail = error.errors()[0]["msg"] if hasattr(error, "errors") else str(error)
            raise ConfigError(WHERE, "--param", f"{name}={bound:g} is not a valid value ({detail})") from None
    return parameter


def parse_parameters(specs: Sequence[str], scenario: Scenario) -> list[Parameter]:
    """Parse every --param; names must differ."""
    if not specs:
        raise ConfigError(WHERE, "--param", "expected at least one --param NAME=LO:HI")
    parameters = [parse_parameter(spec, scenario) for spec in specs]
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise ConfigError(WHERE, "--param", f"expected each parameter once, got {', '.join(names)}")
    return parameters


def problem(parameters: Sequence[Parameter]) -> dict:
    """The SALib problem of the parameters."""
    return {"num_vars": len(parameters), "names": [p.name for p in parameters], "bounds": [[p.low, p.high] for p in parameters]}


def design(parameters: Sequence[Parameter], samples: int, method: str, seed: int) -> np.ndarray:
    """The SALib sample: Morris gives samples x (D + 1) points, Sobol (Saltelli) samples x (D + 2).

    Raises:
        ConfigError: an unknown method, or a sample count SALib cannot use.
    """
    if method not in METHODS:
        raise ConfigError(WHERE, "--method", f"expected one of {', '.join(METHODS)}, got {method!r}")
    if samples < 2:
        raise ConfigError(WHERE, "--samples", f"expected at least 2 samples, got {samples}")
    if method == "sobol":
        if samples & (samples - 1):
            raise ConfigError(WHERE, "--samples", f"expected a power of 2 for Sobol sampling (e.g. 8, 16, 32), got {samples}")
        from SALib.sample import sobol

        return sobol.sample(problem(parameters), samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem(parameters), samples, num_levels=4, seed=seed)


class Sweep:
    """A scenario evaluated at the points of a SALib design.

    Args:
        scenario: the base scenario.
        parameters: the swept parameters (see `parse_parameters`).
        samples: SALib's N (trajectories for Morris, base samples for Sobol).
        method: "morris" or "sobol".
        replicates: replicates per point (same seeds at every point).
        seed: spawn seed of the replicate seeds and the design's seed.
        out: directory (default runs/sweep/<scenario name>).
    """

    def __init__(
        self,
        scenario: Scenario,
        parameters: Sequence[Parameter],
        samples: int,
        method: str = "morris",
        replicates: int = 1,
        seed: int | None = None,
        out: str | Path | None = None,
    ):
        self.scenario, self.parameters, self.samples, self.method = scenario, list(parameters), samples, method
        self.replicates = replicates
        self.seed = scenario.seed if seed is None else seed
        self.directory = Path(out) if out is not None else default_directory("sweep", scenario.name)
        self.points = design(self.parameters, samples, method, self.seed)
        base = scenario.model_dump(mode="json")
        self.ensembles = []
        for index, row in enumerate(self.points):
            tree = base
            for parameter, value in zip(self.parameters, row, strict=True):
                tree = apply(tree, parameter, float(value))
            tree["name"] = f"{scenario.name}.p{index:04d}"
            point = Scenario.model_validate(tree)
            self.ensembles.append(Ensemble(point, replicates, self.seed, self.directory / "points" / f"p{index:04d}"))
        self.table: pd.DataFrame | None = None

    def _manifest(self) -> dict:
        return {
            "kind": "sweep",
            "scenario": self.scenario.name,
            "method": self.method,
            "samples": self.samples,
            "points": len(self.points),
            "replicates": self.replicates,
            "seed": self.seed,
            "parameters": [p.__dict__ for p in self.parameters],
            "config": self.scenario.model_dump(mode="json"),
            "sub_results": ["points/*"],
        }

    def record_files(self, names: list[str]) -> None:
        """Add files just written into the sweep's directory to its manifest (they are then Cadres' own)."""
        record_files(self.directory, names, self._manifest())

    def check_directory(self) -> None:
        """Refuse a directory holding another sweep or anything else.

        Raises:
            ResultExistsError: unless it is empty or holds this very sweep.
        """
        found = check_replaceable(self.directory)
        if found is None:
            return
        if found.get("kind") != "sweep":
            raise ResultExistsError(
                f"{self.directory} holds {describe(found)}, not a sweep; "
                "pass --force to replace it (Cadres replaces only its own results) or choose another --out"
            )
        mine = self._manifest()
        changed = [
            key
            for key in ("scenario", "method", "samples", "replicates", "seed", "parameters", "config")
            if found.get(key) != mine[key]
        ]
        if changed:
            raise ResultExistsError(
                f"{self.directory} holds a sweep with a different {', '.join(changed)}; "
                "pass --force to replace it or choose another --out"
            )

    def execute(self, executor=None, jobs: int | None = None, force: bool = False, progress: bool = True) -> Sweep:
        """Run every missing point; failed points are kept as rows with their error.

        Raises:
            UnguardedMainError: a pool would start from a script's top level (sim.experiments.workers); nothing is written.
        """
        from sim.experiments.workers import check_pool_start

        check_pool_start(executor, jobs)  # before an earlier result is retired or anything written
        if force and check_replaceable(self.directory) is not None:
            retire(self.directory)
        self.check_directory()
        self.record_files([])
        try:
            execute_all(self.ensembles, executor=executor, jobs=jobs, progress=progress, label=f"sweep {self.scenario.name}")
        except ReplicateError:
            pass  # recorded per point below
        rows = []
        for index, (ensemble, values) in enumerate(zip(self.ensembles, self.points, strict=True)):
            row = {"point": index, **{p.name: float(v) for p, v in zip(self.parameters, values, strict=True)}}
            if ensemble.failed or not ensemble.done():
                row["error"] = ensemble.failed[0].error.strip().splitlines()[-1] if ensemble.failed else "not run"
            else:
                outcomes = ensemble.reduce().outcomes
                for name in SWEEP_OUTCOMES:
                    row[name] = (
                        float(outcomes[name].replace(math.inf, np.nan).mean())
                        if name != "majority_month_all"
                        else _month_mean(outcomes[name], ensemble.scenario)
                    )
                row["error"] = ""
            rows.append(row)
        self.table = pd.DataFrame(rows)
        samples = self.file_table(self.table)
        replace_file(self.directory / "samples.csv", lambda path: samples.to_csv(path, index=False))
        self.record_files(["samples.csv"])
        return self

    def file_table(self, table: pd.DataFrame) -> pd.DataFrame:
        """A table of the sweep's points as samples.csv has it: the mean majority months as "YYYY-MM".

        Each beside its marker, `<name>_not_by_horizon`, True when the mean lies past the horizon (no replicate of
        the point reached the majority by then; a replicate that did not counts as the month after the horizon).
        """
        return month_columns(table, MONTH_COLUMNS, horizon=self.scenario.end_month)


MONTH_COLUMNS = ("majority_month_all", "majority_month_elite")  # the month columns of samples.csv and transition.csv


def _month_mean(months: pd.Series, scenario: Scenario) -> float:
    """Mean majority month over replicates; "not by the horizon" counts as the month after it (censored)."""
    return float(censored(months, scenario.end_month).mean())
