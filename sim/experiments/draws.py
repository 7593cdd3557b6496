"""Parameter sets drawn from a calibration's posterior, to carry its uncertainty into ensembles and comparisons.

A calibration directory (calibration/posteriors/NAME/) holds the last
generation's particles with their importance weights (`posterior.csv`) and
the scenario keys each parameter sets (`summary.csv`, column `keys`).
`ParameterDraws.from_posterior` resamples `draws` particles by weight, with
a seed, and gives each `per_draw` replicates: replicate i runs under draw
i // per_draw with the ensemble's replicate seed i. In a comparison every
scenario uses the same draws and the same seeds, so paired differences
stay paired, and the spread across replicates combines the parameters'
uncertainty with the model's chance; `per_draw` > 1 lets the two be told
apart (sim/experiments/variance.py).

A parameter is set in a scenario only where the scenario has all of its
keys (a scenario without a purge schedule of that shape, such as a
no-purge counterfactual, keeps its own values); `applicable` says which
parameters apply to a scenario, and comparisons report it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.config import Scenario
from sim.scenario.loader import ConfigError

DRAW_SEED_KEY = 7  # spawn key of the resampling, apart from the replicate seeds (SeedSequence(seed).spawn)


def _leaf(tree: Any, parts: list[str]) -> tuple[Any, Any] | None:
    """The container and index of the leaf at `parts`, or None if the tree has no such number there."""
    node = tree
    for depth, part in enumerate(parts):
        if isinstance(node, dict) and part in node:
            index = part
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            index = int(part)
        else:
            return None
        if depth == len(parts) - 1:
            value = node[index]
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            return (node, index) if number else None
        if isinstance(node, list):
            node[index] = list(node[index])  # a tuple slot (a schedule knot) made settable
        node = node[index]
    return None


@dataclass(frozen=True)
class ParameterDraws:
    """Parameter sets drawn from a posterior, each for `per_draw` consecutive replicates.

    Args:
        source: where the draws come from (the posterior directory).
        keys: per parameter, the scenario keys it sets.
        values: one row per draw, one column per parameter.
        per_draw: replicates run under each draw.
    """

    source: str
    keys: dict[str, tuple[str, ...]]
    values: pd.DataFrame
    per_draw: int

    @classmethod
    def from_posterior(cls, directory: str | Path, draws: int, per_draw: int, seed: int) -> ParameterDraws:
        """Resample `draws` particles of the posterior in `directory` by weight (seeded), `per_draw` replicates each.

        Raises:
            ConfigError: the directory is not a finished calibration, or `draws`/`per_draw` below 1.
        """
        directory = Path(directory)
        for name, value in (("--draws", draws), ("--per-draw", per_draw)):
            if value < 1:
                raise ConfigError("command line", name, f"expected a whole number of at least 1, got {value}")
        particles, summary = directory / "posterior.csv", directory / "summary.csv"
        if not (particles.is_file() and summary.is_file()):
            raise ConfigError(
                "command line",
                "--posterior",
                f"expected a finished calibration's directory (posterior.csv and summary.csv), {directory} has not both",
            )
        try:
            table = pd.read_csv(particles)
            keys = {row.parameter: tuple(k.strip() for k in row.keys.split(",")) for row in pd.read_csv(summary).itertuples()}
        except (ValueError, AttributeError, pd.errors.ParserError) as error:
            message = f"expected readable posterior files in {directory}: {error}"
            raise ConfigError("command line", "--posterior", message) from None
        missing = [name for name in keys if name not in table.columns] + ([] if "weight" in table.columns else ["weight"])
        if missing:
            raise ConfigError("command line", "--posterior", f"expected columns {missing} in {particles}")
        weights = table["weight"].to_numpy(dtype=float)
        if not (np.all(np.isfinite(weights)) and np.all(weights >= 0) and weights.sum() > 0):
            raise ConfigError("command line", "--posterior", f"expected non-negative weights with a positive sum in {particles}")
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_SEED_KEY,)))
        chosen = rng.choice(len(table), size=draws, replace=True, p=weights / weights.sum())
        values = table.loc[chosen, list(keys)].reset_index(drop=True)
        return cls(str(directory), keys, values, per_draw)

    @property
    def draws(self) -> int:
        """How many parameter sets."""
        return len(self.values)

    @property
    def replicates(self) -> int:
        """Replicates in all: draws times per_draw."""
        return self.draws * self.per_draw

    def draw_of(self, replicate: int) -> int:
        """The draw replicate `replicate` runs under."""
        return replicate // self.per_draw

    def applicable(self, scenario: Scenario) -> list[str]:
        """The parameters whose every key is a number in the scenario (the others keep the scenario's values)."""
        tree = scenario.model_dump(mode="json")
        return [name for name, keys in self.keys.items() if all(_leaf(tree, key.split(".")) for key in keys)]

    def scenarios(self, scenario: Scenario) -> list[Scenario]:
        """The scenario under each draw, with the applicable parameters set."""
        applicable = self.applicable(scenario)
        base = scenario.model_dump(mode="json")
        built = []
        for _, row in self.values.iterrows():
            tree = copy.deepcopy(base)
            for name in applicable:
                for key in self.keys[name]:
                    node, index = _leaf(tree, key.split("."))
                    node[index] = float(row[name])
            built.append(Scenario.model_validate_json(json.dumps(tree), strict=True))
        return built

    def fingerprint(self) -> str:
        """A hash of the draws: a stored ensemble was run under these draws only if its fingerprint matches."""
        text = json.dumps(
            {"keys": self.keys, "values": self.values.to_numpy().tolist(), "per_draw": self.per_draw}, sort_keys=True
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> dict:
        """What a manifest or a comparison records of the draws."""
        return {
            "source": self.source,
            "draws": self.draws,
            "per_draw": self.per_draw,
            "replicate_to_draw": "replicate i runs under draw i // per_draw",
            "resampling": "particles of posterior.csv resampled by weight, numpy default_rng(SeedSequence(seed, spawn_key=(7,)))",
            "fingerprint": self.fingerprint(),
        }
