"""Scenarios side by side on common random numbers (Starsim's `compare()`).

    >>> from sim.experiments.compare import Comparison, variant
    >>> cmp = Comparison(["scenarios/historical.toml", "scenarios/gradual_transition.toml"], replicates=20)
    >>> print(cmp.execute(jobs=2).format())     # the table, with intervals (kept in memory)
    >>> cmp.plot()                              # banded figures, one line per scenario
    >>> cmp.save(directory="runs/compare/mine") # written only when asked

    >>> base = load_scenario("scenarios/historical.toml")   # two variants of one file, each with its own name
    >>> harsher = variant(base, {"purge.multipliers.rank.elite": 2.0}, "elite_x2", "the elite purged twice as often")
    >>> Comparison([base, harsher], replicates=20).execute()

Every scenario runs the same replicate seeds (`SeedSequence(seed).spawn(n)`),
so replicate i of one scenario and replicate i of another draw the same
random numbers wherever their rules agree; the paired differences
(`differences()`) then measure the policy, not noise. Each scenario is an
ensemble, stored under `out/<scenario name>/` (resuming like one) or, without
`out`, kept in memory until `save(directory=...)`.

With `draws` (parameter sets from a calibration's posterior, sim/experiments/draws.py),
replicate i of every scenario runs under the same draw, i // per_draw, and
the same seed: the intervals then combine the parameters' uncertainty with
chance, and `variance()` splits each paired difference's variance between
the two (sim/experiments/variance.py).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from sim.errors import ResultExistsError
from sim.experiments.draws import ParameterDraws
from sim.experiments.ensemble import Ensemble, execute_all, interval_record, interval_table, save_figure_files
from sim.experiments.variance import VarianceSplit, variance_split
from sim.months import censored
from sim.records.bands import Interval, format_interval, format_value, interval, interval_fields
from sim.records.outcomes import OUTCOMES, Outcome
from sim.results.ownership import check_replaceable, describe, read_manifest
from sim.results.storage import default_directory, record_files, replace_file, write_json
from sim.scenario.config import Scenario
from sim.scenario.loader import ConfigError, load_scenario


@dataclass(frozen=True)
class Row:
    """One outcome across scenarios."""

    outcome: Outcome
    values: dict[str, Interval]


class Comparison:
    """Scenarios run on the same replicate seeds.

    Args:
        scenarios: Scenario objects or scenario files (names must differ: `variant()` makes variants of one).
        replicates: replicates per scenario (default: the first scenario's `replicates`).
        seed: spawn seed for all (default: the first scenario's `seed`).
        out: the directory; None (the default) keeps everything in memory until `save(directory=...)` (the command
            line writes runs/compare/<names joined by "+">, `default_comparison_directory`).
        draws: parameter sets from a posterior, the same for every scenario (replicates: draws x per draw).
    """

    def __init__(
        self,
        scenarios: Sequence[Scenario | str | Path],
        replicates: int | None = None,
        seed: int | None = None,
        out: str | Path | None = None,
        draws: ParameterDraws | None = None,
    ):
        loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
        if len(loaded) < 2:
            raise ConfigError("command line", "SCENARIO", f"expected at least two scenarios to compare, got {len(loaded)}")
        names = [s.name for s in loaded]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ConfigError(
                "command line",
                "SCENARIO",
                f"expected scenarios with different names, {', '.join(duplicated)} given twice "
                "(in Python, sim.experiments.compare.variant(scenario, values, name) names a variant)",
            )
        if draws is not None and replicates is not None and replicates != draws.replicates:
            raise ConfigError(
                "command line",
                "--replicates",
                f"expected {draws.replicates} (draws x per draw) or none with --posterior, got {replicates}",
            )
        self.draws = draws
        self.replicates = draws.replicates if draws is not None else loaded[0].replicates if replicates is None else replicates
        self.seed = loaded[0].seed if seed is None else seed
        self.directory: Path | None = Path(out) if out is not None else None
        self.ensembles = [Ensemble(s, self.replicates, self.seed, self._place(s.name), draws) for s in loaded]

    def _place(self, name: str) -> Path | None:
        return self.directory / name if self.directory is not None else None

    @property
    def names(self) -> list[str]:
        """Scenario names in order."""
        return [e.name for e in self.ensembles]

    def check_directory(self) -> dict:
        """Refuse a directory that is not this comparison's or holds files Cadres did not write; its manifest.

        Raises:
            ResultExistsError: see sim.results.ownership.check_replaceable, or a result of another kind.
        """
        found = check_replaceable(self.directory) or {"kind": "comparison", "sub_results": [], "files": {}}
        if found.get("kind") != "comparison":
            raise ResultExistsError(f"{self.directory} holds {describe(found)}, not a comparison; choose another --out")
        return found

    def prepare(self) -> None:
        """Check the directory and write its manifest, before any ensemble inside it is written."""
        self.check_directory()
        self.record_files([])

    def record_files(self, names: list[str]) -> None:
        """Write the manifest, with `names` (just written into the directory) added to its files."""
        found = read_manifest(self.directory) or {}
        record = {
            "kind": "comparison",
            "scenarios": self.names,
            "replicates": self.replicates,
            "seed": self.seed,
            "sub_results": sorted(set(found.get("sub_results", [])) | set(self.names)),  # each an ensemble of its own
        } | ({"posterior": self.draws.describe()} if self.draws is not None else {})
        record_files(self.directory, names, record)

    def execute(
        self, executor=None, jobs: int | None = None, force: bool = False, progress: bool = True, on_result=None
    ) -> Comparison:
        """Run every missing replicate of every scenario through one executor, then reduce.

        Raises:
            UnguardedMainError: a pool would start from a script's top level (sim.experiments.workers); nothing is written.
        """
        from sim.experiments.workers import check_pool_start

        check_pool_start(executor, jobs)  # before the directory is prepared
        if self.directory is not None:
            self.prepare()
        execute_all(self.ensembles, executor=executor, jobs=jobs, force=force, progress=progress, on_result=on_result)
        for ensemble in self.ensembles:
            ensemble.reduce()
        return self

    def rows(self) -> list[Row]:
        """Every key outcome with its interval per scenario."""
        per = {e.name: e.interval_values() for e in self.ensembles}
        return [Row(outcome, {name: per[name][outcome.name] for name in self.names}) for outcome in OUTCOMES]

    def differences(self, reference: str | None = None) -> list[Row]:
        """Paired differences (scenario minus reference, replicate by replicate; same seeds).

        Month outcomes give a difference in months (+inf if either never happened
        within the horizon); shares a difference in percentage points.
        """
        reference = reference or self.names[0]
        rows = []
        for outcome in OUTCOMES:
            values = {
                ensemble.name: interval(self._paired(outcome.name, ensemble, reference), discrete=outcome.kind == "month")
                for ensemble in self.ensembles
                if ensemble.name != reference
            }
            rows.append(Row(Outcome(outcome.name, outcome.label, f"{outcome.kind}_diff"), values))
        return rows

    def _paired(self, outcome: str, ensemble: Ensemble, reference: str) -> pd.Series:
        """Replicate by replicate, the ensemble's outcome minus the reference's (+inf if either never happened)."""
        base = next(e for e in self.ensembles if e.name == reference).outcomes
        delta = ensemble.outcomes[outcome] - base[outcome]
        return delta.where(~(ensemble.outcomes[outcome].isin([math.inf]) | base[outcome].isin([math.inf])), math.inf)

    def variance(self, reference: str | None = None) -> dict[str, dict[str, VarianceSplit | None]]:
        """Per outcome and scenario, the paired difference's variance split into parameters and chance.

        A month not reached by the horizon counts as the month after it (censored). Empty without posterior draws
        (there is only chance then).
        """
        if self.draws is None:
            return {}
        reference = reference or self.names[0]
        return {
            outcome.name: {
                ensemble.name: variance_split(
                    self._paired_censored(outcome, ensemble, reference)
                    if outcome.kind == "month"
                    else self._paired(outcome.name, ensemble, reference),
                    ensemble.outcomes["draw"],
                )
                for ensemble in self.ensembles
                if ensemble.name != reference
            }
            for outcome in OUTCOMES
        }

    def _paired_censored(self, outcome: Outcome, ensemble: Ensemble, reference: str) -> pd.Series:
        """A month outcome's paired differences, a month not reached by the horizon counted as the month after it.

        Leaving those replicates out would keep only the draws and seeds in which the event came early, and split
        the variance of those alone; censoring keeps every replicate and understates the spread instead.
        """
        base = next(e for e in self.ensembles if e.name == reference)
        return censored(ensemble.outcomes[outcome.name], ensemble.scenario.end_month) - censored(
            base.outcomes[outcome.name], base.scenario.end_month
        )

    # -- output -----------------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        """The table in long form (comparison.csv), one row per outcome and scenario.

        Columns outcome, label, kind, scenario, median, low, high (numbers; empty for a month outcome),
        median_month, low_month, high_month (a month outcome's "YYYY-MM", empty if not by the horizon), n,
        median_not_by_horizon, low_not_by_horizon, high_not_by_horizon (a month outcome's markers: True when
        the event did not happen by the horizon) and text (the cell of the printed table).
        """
        records = [
            interval_record(row.outcome, value) | {"scenario": name} for row in self.rows() for name, value in row.values.items()
        ]
        return interval_table(records, index=False)

    def as_json(self) -> dict:
        """The table (and paired differences against the first scenario) for scripts."""

        def encode(rows: list[Row]) -> list[dict]:
            return [
                {
                    "outcome": row.outcome.name,
                    "label": row.outcome.label,
                    "kind": row.outcome.kind,
                    "values": {
                        name: interval_fields(value, row.outcome.kind)
                        | {
                            "median_text": format_value(row.outcome.kind, value.median),
                            "text": format_interval(row.outcome.kind, value),
                        }
                        for name, value in row.values.items()
                    },
                }
                for row in rows
            ]

        return {
            "scenarios": self.names,
            "replicates": self.replicates,
            "seed": self.seed,
            "replicate_seeds": "numpy.random.SeedSequence(seed).spawn(replicates), the same for every scenario",
            "band": "median (10% to 90% of replicates)",
            "directory": str(self.directory) if self.directory is not None else None,
            "labels": {e.name: e.scenario.title for e in self.ensembles},
            "descriptions": {e.name: e.scenario.description for e in self.ensembles},
            "horizons": {e.name: f"{e.scenario.time.start} to {e.scenario.time.end}" for e in self.ensembles},
            "rows": encode(self.rows()),
            "differences_vs": self.names[0],
            "differences": encode(self.differences()),
        } | (self._posterior_json() if self.draws is not None else {})

    def _posterior_json(self) -> dict:
        """The draws, the parameters they set in each scenario, and the variance split of each paired difference."""
        labels = {outcome.name: outcome.label for outcome in OUTCOMES}
        return {
            "band": "median (10% to 90% of replicates: posterior draws and chance together)",
            "posterior": self.draws.describe()
            | {"parameters set": {e.name: self.draws.applicable(e.scenario) for e in self.ensembles}},
            "variance": [
                {
                    "outcome": name,
                    "label": labels[name],
                    "values": {scenario: split.as_dict() if split else None for scenario, split in splits.items()},
                }
                for name, splits in self.variance().items()
            ],
        }

    def format(self) -> str:
        """The table as plain text."""
        return format_table(self.as_json())

    def plot(self) -> dict:
        """Figures: cohort composition side by side, new-generation share, experience, vacancies.

        Scenarios are named by their labels (by their names if two labels coincide), in the titles as in the
        legends; each scenario's purge is shaded where its schedule puts it (sim.plots.run_figures.purge_period), and not
        at all in a scenario without one.
        """
        from sim.plots.banded import ensemble_figures
        from sim.plots.run_figures import purge_period

        titles = [e.scenario.title for e in self.ensembles]
        keys = titles if len(set(titles)) == len(titles) else self.names  # labels in the legends, unless two coincide
        bands = {key: e.bands for key, e in zip(keys, self.ensembles, strict=True)}
        purges = {key: purge_period(e.scenario) for key, e in zip(keys, self.ensembles, strict=True)}
        heading = " vs ".join(keys) if len(keys) <= 2 else f"{len(keys)} scenarios"
        return ensemble_figures(bands, f"{heading}, {self.replicates} replicates each", purges)

    def save(self, figures: bool = True, directory: str | Path | None = None, figure_formats=None) -> Path:
        """Write comparison.csv, comparison.json, data_dictionary.csv, each ensemble's bands, and the figures.

        Args:
            figures: also the figures, those of `plot()`.
            directory: where a comparison kept in memory is written, its ensembles' replicates and all (it is then
                stored there); a comparison with a directory is saved in its own.
            figure_formats: the figures' formats, "png", "svg", "pdf" or several ("png,svg"); None: those of
                the enclosing sim.plots.formats.figure_formats block (PNG outside one).

        Raises:
            ValueError: no directory for a comparison kept in memory, or another one for a comparison stored; an
                unknown figure format (nothing is written).
        """
        from sim.plots.formats import check_formats
        from sim.records.dictionary import comparison_dictionary, write_dictionary

        kinds = check_formats(figure_formats)

        if self.directory is None:
            if directory is None:
                raise ValueError("this comparison is kept in memory: save(directory=...) says where to write it")
            self.directory = Path(directory)
            self.prepare()
        elif directory is not None and Path(directory) != self.directory:
            raise ValueError(f"this comparison is stored in {self.directory}, not {directory}")
        self.check_directory()
        for ensemble in self.ensembles:
            ensemble.save(figures=False, directory=self.directory / ensemble.name if ensemble.in_memory else None)
        frame = self.frame()
        replace_file(self.directory / "comparison.csv", lambda path: frame.to_csv(path, index=False))
        table = self.as_json()
        replace_file(self.directory / "comparison.json", lambda path: write_json(path, table))
        written = ["comparison.csv", "comparison.json", write_dictionary(self.directory, comparison_dictionary())]
        written += save_figure_files(self.plot(), self.directory, kinds) if figures else []
        self.record_files(written)
        return self.directory


def default_comparison_directory(scenarios: Sequence[Scenario | str | Path]) -> Path:
    """Where the command line writes a comparison: runs/compare/<names joined by "+">."""
    names = [s.name if isinstance(s, Scenario) else load_scenario(s).name for s in scenarios]
    return default_directory("compare", "+".join(names))


def variant(scenario: Scenario | str | Path, values: Mapping[str, object], name: str, label: str | None = None) -> Scenario:
    """A variant of a scenario: some of its keys set, under a name (and label) of its own, to compare with it.

    The keys are dotted, as in `cadres show` ("purge.multipliers.rank.elite"); a value is what the key holds
    in a scenario file (a number, or a whole schedule of ["YYYY-MM", value] knots). The variant is validated
    as strictly as a scenario file.

    Raises:
        ConfigError: a key the scenario does not have, or a value (or name) the schema refuses.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    tree = copy.deepcopy(base.model_dump(mode="json"))
    for key, value in values.items():
        node, parts = tree, key.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or parts[-1] not in node:
            raise ConfigError(base.name, key, "expected a key of the scenario (see cadres show)")
        held = node[parts[-1]]
        whole = isinstance(held, int) and not isinstance(held, bool) and isinstance(value, float) and value.is_integer()
        node[parts[-1]] = int(value) if whole else value
    tree["name"] = name
    if label is None:
        tree.pop("label", None)  # the schema's default, not the base's label
    else:
        tree["label"] = label
    try:
        return Scenario.model_validate_json(json.dumps(tree), strict=True)
    except ValidationError as failure:
        error = failure.errors()[0]
        raise ConfigError(name, ".".join(str(part) for part in error["loc"]), error["msg"]) from None


def format_table(table: dict) -> str:
    """Render a comparison's JSON form as a plain-text table."""
    names = table["scenarios"]
    width = max(len(row["label"]) for row in table["rows"]) + 2

    def block(rows: list[dict], columns: list[str]) -> list[str]:
        cells = [[row["values"][name]["text"] for name in columns] for row in rows]
        widths = [max(len(name), *(len(c[i]) for c in cells)) + 2 for i, name in enumerate(columns)]
        lines = ["".ljust(width) + "".join(name.ljust(w) for name, w in zip(columns, widths, strict=True))]
        for row, cell in zip(rows, cells, strict=True):
            lines.append(row["label"].ljust(width) + "".join(text.ljust(w) for text, w in zip(cell, widths, strict=True)))
        return lines

    head = (
        f"{' vs '.join(names)}: {table['replicates']} replicates each, seed {table['seed']}, "
        f"same replicate seeds{', same posterior draws' if 'posterior' in table else ''}; median (10% to 90%)"
    )
    lines = [head, *block(table["rows"], names)]
    others = [name for name in names if name != table["differences_vs"]]
    lines += [
        "",
        f"paired difference, scenario minus {table['differences_vs']} (replicate by replicate)",
        *block(table["differences"], others),
    ]
    if "variance" in table:
        posterior = table["posterior"]
        lines += [
            "",
            f"share of the paired difference's variance from the parameters ({posterior['draws']} posterior draws of "
            f"{posterior['source']}, {posterior['per_draw']} replicates each; the rest is chance)",
            *block([_shares(row) for row in table["variance"]], others),
        ]
    return "\n".join(lines)


def _shares(row: dict) -> dict:
    """A variance row as a table row of texts: the parameters' share, or n/a."""
    return {
        "label": row["label"],
        "values": {
            name: {"text": "n/a" if split is None else f"{split['parameters_share']:.0%}"}
            for name, split in row["values"].items()
        },
    }


def read_comparison(directory: str | Path) -> dict:
    """The stored comparison.json of a compare directory."""
    return json.loads((Path(directory) / "comparison.json").read_text())
