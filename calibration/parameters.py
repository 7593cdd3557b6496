"""Free parameters: their priors, and setting their values in a scenario.

A prior (the scenario's `calibration.priors`) names the scenario keys it
sets; a key is a dotted path into the scenario's key tree, with list
positions as numbers ("purge.intensity.5.1" is the value of the sixth
intensity knot). `CalibrationProblem` resolves the scenario file once and
then builds a validated scenario for any parameter values. Priors named in
`calibration.fixed` are not free: their keys keep the scenario's values (an
ablation fixes a mechanism this way).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario.config import Prior, Scenario
from sim.scenario.loader import ConfigError, load_scenario, resolve_tree, validate_tree


def _set(tree: Any, parts: list[str], value: float, key: str, path: Path) -> None:
    """Set the leaf at `parts` (dict keys or list positions) to `value`, in place."""
    node = tree
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                raise ConfigError(path, key, f"expected an existing scenario key, {'.'.join(parts[: depth + 1])} not found")
            if last:
                node[part] = value
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(path, key, f"expected a list position below {len(node)} at {'.'.join(parts[: depth + 1])}")
            index = int(part)
            if last:
                node[index] = value
            else:
                node[index] = list(node[index])  # TOML arrays may be read as lists; keep them mutable
            node = node[index]
        else:
            raise ConfigError(path, key, f"expected a table or list at {'.'.join(parts[:depth])}")
    if isinstance(node, (dict, list)):
        raise ConfigError(path, key, "expected a key of a single number, not a table or list")


@dataclass
class CalibrationProblem:
    """A scenario file and its free parameters, ready to build scenarios.

    Args:
        path: the scenario file whose `calibration` section declares the priors.
        horizon: if given, the last simulated month ("YYYY-MM") of every built scenario.
    """

    path: Path
    scenario: Scenario
    tree: dict[str, Any]
    priors: dict[str, Prior]

    @classmethod
    def from_file(cls, path: Path | str, horizon: str | None = None) -> CalibrationProblem:
        """Load the scenario and check that its priors address existing keys."""
        path = Path(path)
        scenario = load_scenario(path)
        if scenario.calibration is None:
            raise ConfigError(path, "calibration", "expected a [calibration] section with priors")
        tree = resolve_tree(path)
        if horizon is not None:
            tree.setdefault("time", {})["end"] = horizon
        spec = scenario.calibration
        free = {name: prior for name, prior in spec.priors.items() if name not in spec.fixed}
        problem = cls(path=path, scenario=scenario, tree=tree, priors=free)
        for end in ("low", "high"):  # unknown keys and out-of-range values fail here, before any simulation
            problem.build({name: getattr(prior, end) for name, prior in problem.priors.items()})
        return problem

    @property
    def names(self) -> list[str]:
        """The free parameters' names, in the order of the scenario."""
        return list(self.priors)

    def with_values(self, values: dict[str, float]) -> dict[str, Any]:
        """The key tree with the given parameter values set."""
        tree = copy.deepcopy(self.tree)
        for name, value in values.items():
            prior = self.priors[name]
            for position, key in enumerate(prior.keys):
                _set(tree, key.split("."), float(value), f"calibration.priors.{name}.keys.{position}", self.path)
        return tree

    def build(self, values: dict[str, float]) -> Scenario:
        """A validated scenario with the given parameter values."""
        return validate_tree(self.with_values(values), self.path)

    def identity(self) -> dict[str, Any]:
        """What makes this inference the one it is, as plain data: the model and the priors.

        The scenario is built at the priors' lower ends and dumped with its defaults, leaving out what does not change
        a simulation: the ABC settings (each fingerprint takes the ones it needs), the label (words for tables and
        legends), a switched-off transition policy's keys and, when nobody is appointed, the appointees' age.
        """
        scenario = self.build({name: prior.low for name, prior in self.priors.items()}).model_dump(mode="json")
        scenario["calibration"].pop("abc")
        scenario.pop("label")
        if not scenario["transition"]["enabled"]:
            scenario.pop("transition")
        if not scenario["appointments"]["commissar_changes"]:
            scenario["appointments"].pop("appointee_age")
        return {"scenario": scenario, "priors": {name: prior.model_dump() for name, prior in self.priors.items()}}
