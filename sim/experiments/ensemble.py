"""Ensembles: replicates of one scenario, their bands, resumable on disk.

    >>> from sim.experiments.ensemble import Ensemble
    >>> ens = Ensemble("scenarios/historical.toml", replicates=20).execute(jobs=2).reduce()
    >>> ens.bands.head()          # median, low (10%), high (90%) of every monthly series
    >>> ens.intervals()           # the key outcomes with their intervals
    >>> ens.plot()                # banded figures

Replicate seeds are `SeedSequence(seed).spawn(replicates)`: replicate i has
the same seed in every scenario (common random numbers) and whatever the
number of replicates. Without `out` an ensemble is kept in memory and nothing
is written until `save(directory=...)`; with it (the command line: by
default `runs/<scenario>/`), on disk::

    manifest.json            kind "ensemble", config and its hash, spawn seed, replicates
    replicates/r0000/ ...    one directory per replicate, written as it finishes (its tables as Parquet)
    bands.parquet            median and 10-90% band of every monthly series (bands.csv with --format csv)
    data_dictionary.csv      every column of these files: its unit and meaning (sim/records/dictionary.py)
    outcomes.csv             the key outcomes of each replicate (months as YYYY-MM, see sim/months.py)
    summary.json             the key outcomes' intervals (strict JSON: null, never NaN or Infinity)
    figures/                 banded figures

Running the same ensemble again simulates only the replicates whose
directories are missing (after an interruption, even kill -9), and the
result equals an uninterrupted run; a replicate whose parts do not match
their recorded sizes and hashes is simulated again. A directory holding
another Cadres result (a different config or seed, a single run) is
refused unless `force`; one holding anything Cadres did not write is
refused whatever the flags (sim.results.ownership).

With `draws` (parameter sets from a calibration's posterior, sim/experiments/draws.py)
replicate i runs under draw i // per_draw with seed i, the manifest
records the draws, and outcomes.csv gains a `draw` column.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import OutputError, ReplicateError, ResultExistsError
from sim.experiments.draws import ParameterDraws
from sim.experiments.progress import progress_bar
from sim.experiments.replicate import (
    ReplicateResult,
    Task,
    is_complete,
    read_outcomes,
    read_timeseries,
    replicate_name,
    write_replicate,
)
from sim.months import month_columns, month_text
from sim.records.bands import Interval, interval, interval_fields, reduce_timeseries
from sim.records.outcomes import BY_NAME, MONTH_OUTCOMES, OUTCOMES, Outcome
from sim.records.run_records import Records
from sim.results.ownership import check_replaceable, describe, file_records, read_manifest
from sim.results.storage import FORMATS, replace_file, retire, write_frame, write_json
from sim.results.versions import package_versions
from sim.scenario.config import Scenario
from sim.scenario.loader import load_scenario

OnResult = Callable[[ReplicateResult], None]


# The sources that decide what a replicate contains (the schema, every module of
# the model, the records, the outcomes); figures, commands and storage are not among them.
MODEL_SOURCES = (
    "scenario/config.py", "model/*.py", "model/rules/*.py", "model/compiled/*.py",
    "records/outcomes.py", "records/run_records.py", "records/summary.py",
)  # fmt: skip


def source_hashes(directory: Path, patterns: Sequence[str]) -> dict[str, str]:
    """A short hash of each file of `directory` that a glob pattern matches, by its path relative to `directory`."""
    files = sorted({path for pattern in patterns for path in directory.glob(pattern)})
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()[:12] for path in files}


@cache
def model_code() -> dict[str, str]:
    """A short hash of each model source file, so that stored replicates of older code are not mixed in."""
    return source_hashes(Path(__file__).resolve().parents[1], MODEL_SOURCES)  # paths relative to sim/


# Keys that do not change what a replicate simulates: how many replicates, the label and
# the prose description, and the settings of a calibration (read by `calibration`).
NOT_SIMULATED = ("replicates", "label", "description", "calibration")


def ensemble_hash(scenario: Scenario) -> str:
    """Hash of the config that determines every replicate (see NOT_SIMULATED)."""
    tree = {key: value for key, value in scenario.model_dump(mode="json").items() if key not in NOT_SIMULATED}
    return hashlib.sha256(json.dumps(tree, sort_keys=True).encode()).hexdigest()


def changed_keys(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two config trees."""
    keys = []
    for key in sorted(set(old) | set(new)):
        if prefix == "" and key in NOT_SIMULATED:
            continue
        path = f"{prefix}{key}"
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            keys += changed_keys(a, b, path + ".")
        elif a != b:
            keys.append(path)
    return keys


class Ensemble:
    """Replicates of one scenario with spawned seeds.

    Args:
        scenario: a Scenario or a scenario file.
        replicates: how many (default: the scenario's `replicates`).
        seed: the spawn seed (default: the scenario's `seed`).
        out: the result directory. None (the default): the replicates are kept in memory and nothing is
            written until `save(directory=...)` (the command line always passes one: runs/<scenario name>).
        draws: parameter sets from a posterior (sim/experiments/draws.py): replicate i runs under draw i // per_draw, and
            `replicates` is then draws x per_draw.

    `bands` and `outcomes` are computed on first access once every replicate is done (None before).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        replicates: int | None = None,
        seed: int | None = None,
        out: str | Path | None = None,
        draws: ParameterDraws | None = None,
    ):
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.draws = draws
        if draws is not None:
            if replicates is not None and int(replicates) != draws.replicates:
                raise ValueError(f"expected {draws.replicates} replicates (draws x per draw), got {replicates}")
            replicates = draws.replicates
        self.replicates = self.scenario.replicates if replicates is None else int(replicates)
        if self.replicates < 1:
            raise ValueError(f"expected at least one replicate, got {self.replicates}")
        self.seed = self.scenario.seed if seed is None else int(seed)
        self.directory: Path | None = Path(out) if out is not None else None
        self.seeds = np.random.SeedSequence(self.seed).spawn(self.replicates)
        self.config_hash = ensemble_hash(self.scenario)
        self.variants: list[Scenario] = [self.scenario]  # the scenario under each draw
        if draws is not None:
            self.variants = draws.scenarios(self.scenario)
            self.config_hash = f"{self.config_hash}-{draws.fingerprint()}"
        self._bands: pd.DataFrame | None = None
        self._outcomes: pd.DataFrame | None = None
        self._kept: dict[int, ReplicateResult] = {}  # an ensemble in memory: its finished replicates, with records
        self.failed: list[ReplicateResult] = []

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def in_memory(self) -> bool:
        """True without a directory: the replicates are kept in memory, nothing is written."""
        return self.directory is None

    @property
    def bands(self) -> pd.DataFrame | None:
        """Median and 10-90% band of every monthly series (records.bands), reduced on first access; None until all are done."""
        if self._bands is None and self.done():
            self.reduce()
        return self._bands

    @property
    def outcomes(self) -> pd.DataFrame | None:
        """The key outcomes of each replicate, reduced on first access; None until every replicate is done.

        Months are month indices (year * 12 + month - 1; +inf: not by the horizon); `outcome_table()` has them as
        outcomes.csv does, "YYYY-MM" with a marker.
        """
        if self._outcomes is None and self.done():
            self.reduce()
        return self._outcomes

    def replicate_records(self, index: int) -> Records:
        """The records of replicate `index`: from memory, or read from its directory."""
        if self.in_memory:
            if index not in self._kept:
                raise RuntimeError(f"replicate {index} of {self.name} has not run; execute() first")
            return self._kept[index].records
        directory = self.replicate_directory(index)
        posts = directory / "posts.parquet"
        return Records(
            read_timeseries(directory),
            pd.read_parquet(directory / "biographies.parquet"),
            pd.read_parquet(posts) if posts.exists() else None,
        )

    def scenario_of(self, index: int) -> Scenario:
        """The scenario replicate `index` runs: under its draw, if the ensemble carries a posterior."""
        return self.variants[self.draws.draw_of(index)] if self.draws is not None else self.scenario

    def replicate_directory(self, index: int) -> Path:
        """Where replicate `index` is stored.

        Raises:
            ValueError: an ensemble kept in memory.
        """
        if self.directory is None:
            raise ValueError(f"the ensemble of {self.name} is kept in memory; save(directory=...) writes it")
        return self.directory / "replicates" / replicate_name(index)

    # -- on disk --------------------------------------------------------------

    def _manifest(self, status: str, files: dict) -> dict:
        return {
            "kind": "ensemble",
            "scenario": self.name,
            "seed": self.seed,
            "replicates": self.replicates,
            "replicate_seeds": "numpy.random.SeedSequence(seed).spawn(replicates)",
            "status": status,
            "config_hash": self.config_hash,
            "config": self.scenario.model_dump(mode="json"),
            "model_code": model_code(),
            "updated": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": package_versions(),
            "sub_results": ["replicates/*"],
            "files": files,
        } | ({"posterior": self.posterior_record()} if self.draws is not None else {})

    def posterior_record(self) -> dict:
        """The draws this ensemble carries and the parameters they set in its scenario."""
        return self.draws.describe() | {"parameters set": self.draws.applicable(self.scenario)}

    def _write_manifest(self, status: str, files: dict) -> None:
        replace_file(self.directory / "manifest.json", lambda path: write_json(path, self._manifest(status, files)))

    def check_directory(self) -> dict | None:
        """Refuse a result directory that holds something other than this ensemble; return its manifest, if any.

        Raises:
            ResultExistsError: other files, a single run, another config or seed.
        """
        directory = self.directory
        found = check_replaceable(directory)
        if found is None:
            return None
        if found.get("kind", "run") != "ensemble":
            raise ResultExistsError(
                f"{directory} holds {describe(found)}, not an ensemble; "
                "pass --force to replace it (Cadres replaces only its own results) or choose another --out"
            )
        if found.get("seed") != self.seed:
            raise ResultExistsError(
                f"{directory} holds an ensemble with seed {found.get('seed')}, not {self.seed}; "
                "pass --force to replace it or choose another --out"
            )
        found_draws = (found.get("posterior") or {}).get("fingerprint")
        if found_draws != (self.draws.fingerprint() if self.draws is not None else None):
            held = f"under the posterior draws {found_draws}" if found_draws else "without posterior draws"
            raise ResultExistsError(
                f"{directory} holds an ensemble run {held}, not these; pass --force to replace it or choose another --out"
            )
        if found.get("config_hash") != self.config_hash:
            keys = changed_keys(found.get("config", {}), self.scenario.model_dump(mode="json"))
            changed = ", ".join(keys[:6]) + (" ..." if len(keys) > 6 else "") if keys else "unknown keys"
            raise ResultExistsError(
                f"{directory} holds an ensemble of {found.get('scenario')} run with a different config "
                f"(changed since: {changed}); pass --force to replace it or choose another --out"
            )
        stored_code, code = found.get("model_code"), model_code()
        if stored_code is not None and stored_code != code:
            files = sorted(name for name in set(stored_code) | set(code) if stored_code.get(name) != code.get(name))
            raise ResultExistsError(
                f"{directory} holds replicates simulated by other model code (changed since: {', '.join(files[:6])}); "
                "pass --force to recompute them or choose another --out"
            )
        return found

    def prepare(self, force: bool = False) -> list[Task]:
        """Check or clear the directory, write the manifest, and list the replicates still missing.

        In memory: the replicates not kept yet (all of them with `force`); nothing is written.
        """
        if self.in_memory:
            if force:
                self._kept.clear()
            tasks = [
                Task(self.scenario_of(index), index, seed, None, self.config_hash, label=self.name)
                for index, seed in enumerate(self.seeds)
                if index not in self._kept
            ]
            if tasks:
                self._bands = self._outcomes = None
            return tasks
        if force and check_replaceable(self.directory) is not None:
            retire(self.directory)
        kept = (self.check_directory() or {}).get("files", {})  # the last reduction's files, until replaced
        try:
            (self.directory / "replicates").mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{self.directory}: cannot write here ({error.strerror}); nothing was written") from None
        for stale in (self.directory / "replicates").glob(".r*"):  # staging left by a killed run
            shutil.rmtree(stale, ignore_errors=True)
        for stale in self.directory.glob(".manifest.*"):
            stale.unlink(missing_ok=True)
        self._write_manifest("running", kept)
        tasks = [
            Task(self.scenario_of(index), index, seed, self.replicate_directory(index), self.config_hash, label=self.name)
            for index, seed in enumerate(self.seeds)
            if not is_complete(self.replicate_directory(index), self.config_hash)
        ]
        if tasks:
            self._bands = self._outcomes = None
        return tasks

    def keep(self, result: ReplicateResult) -> None:
        """Keep a finished replicate of an ensemble in memory (its records and outcomes)."""
        self._kept[result.index] = result

    # -- running --------------------------------------------------------------

    def execute(
        self,
        executor=None,
        jobs: int | None = None,
        force: bool = False,
        progress: bool = True,
        on_result: OnResult | None = None,
    ) -> Ensemble:
        """Simulate the missing replicates, each stored (or kept in memory) as it finishes; then `bands`, `outcomes`.

        Args:
            executor: a sim.experiments.executors executor (default: a local pool of `jobs`).
            jobs: worker processes when no executor is given.
            force: replace whatever the directory holds.
            progress: show a progress bar.
            on_result: called with each finished replicate (tests use it to interrupt).
        """
        execute_all([self], executor=executor, jobs=jobs, force=force, progress=progress, on_result=on_result)
        return self

    def done(self) -> bool:
        """True when every replicate is stored (or kept in memory)."""
        if self.in_memory:
            return len(self._kept) == self.replicates
        return all(is_complete(self.replicate_directory(i), self.config_hash) for i in range(self.replicates))

    def reduce(self) -> Ensemble:
        """Read the replicates (stored, or kept in memory): bands of every series, a table of outcomes."""
        if self.in_memory:
            missing = [i for i in range(self.replicates) if i not in self._kept]
            if missing:
                raise RuntimeError(f"{self.name} (in memory): replicates {missing[:5]} have not run; execute() first")
            kept = [self._kept[i] for i in range(self.replicates)]
            self._bands = reduce_timeseries([result.records.timeseries for result in kept])
            rows = [{"replicate": i, **result.outcomes} for i, result in enumerate(kept)]
        else:
            if not self.done():
                missing = [i for i in range(self.replicates) if not is_complete(self.replicate_directory(i), self.config_hash)]
                raise RuntimeError(f"{self.directory}: replicates {missing[:5]} are missing; execute() first")
            directories = [self.replicate_directory(i) for i in range(self.replicates)]
            self._bands = reduce_timeseries([read_timeseries(d) for d in directories])
            rows = [{"replicate": i, **read_outcomes(d)} for i, d in enumerate(directories)]
        if self.draws is not None:
            rows = [{"draw": self.draws.draw_of(row["replicate"]), **row} for row in rows]
        self._outcomes = pd.DataFrame(rows)
        return self

    def interval_values(self) -> dict[str, Interval]:
        """Median and 10-90% band of every key outcome, as numbers (a month as a month index, +inf: not by the horizon)."""
        if self.outcomes is None:
            self.reduce()
        return {outcome.name: interval(self.outcomes[outcome.name], discrete=outcome.kind == "month") for outcome in OUTCOMES}

    def intervals(self) -> pd.DataFrame:
        """The key outcomes' medians and 10-90% bands, one row per outcome, as comparison.csv writes them.

        Columns outcome (the index), label, kind, median, low, high (numbers), median_month, low_month, high_month
        (a month outcome's "YYYY-MM", empty if not by the horizon), n, median_not_by_horizon, low_not_by_horizon,
        high_not_by_horizon (True: the event did not happen by the horizon) and text.
        """
        return interval_table([interval_record(BY_NAME[name], value) for name, value in self.interval_values().items()])

    def outcome_table(self) -> pd.DataFrame:
        """The key outcomes of each replicate as outcomes.csv has them: months as "YYYY-MM", each with its marker."""
        if self.outcomes is None:
            self.reduce()
        return month_columns(self.outcomes, MONTH_OUTCOMES)

    def plot(self) -> dict:
        """Banded figures of the ensemble, keyed by name: the file name without extension, as `Run.plot()` keys its own.

        Keys "cohort_composition", "new_generation_share", "experience" and "heads_of_mission_vacant"
        (sim.plots.banded.ensemble_figures); `save()` writes each as figures/NAME.png (and NAME.svg, NAME.pdf
        within sim.plots.formats.figure_formats). Titles and legends name the scenario by its label
        (`Scenario.title`); the purge is shaded where the scenario's schedule puts it (sim.plots.run_figures.purge_period),
        and not at all in a scenario without one.
        """
        from sim.plots.banded import ensemble_figures
        from sim.plots.run_figures import purge_period

        if self.bands is None:
            self.reduce()
        title = self.scenario.title
        return ensemble_figures(
            {title: self.bands}, f"{title}, {self.replicates} replicates", {title: purge_period(self.scenario)}
        )

    def save(
        self, figures: bool = True, format: str = "parquet", directory: str | Path | None = None, figure_formats=None
    ) -> Path:
        """Write bands, outcomes, data dictionary, summary and figures next to the replicates; mark the manifest complete.

        Args:
            figures: also the figures, those of `plot()`.
            format: the bands as bands.parquet or bands.csv (the replicates' tables stay Parquet).
            directory: where an ensemble kept in memory is written, replicates and all (it is then stored there,
                as if run with `out`); an ensemble with a directory is saved in its own.
            figure_formats: the figures' formats, "png", "svg", "pdf" or several ("png,svg"); None: those of
                the enclosing sim.plots.formats.figure_formats block (PNG outside one).

        Raises:
            ValueError: no directory for an ensemble kept in memory, or another one for an ensemble stored; an
                unknown table or figure format (nothing is written).
            ResultExistsError: `directory` holds something else (as for `out`).
        """
        from sim.plots.formats import check_formats
        from sim.records.dictionary import FILE as DICTIONARY
        from sim.records.dictionary import ensemble_dictionary, write_dictionary

        if format not in FORMATS:
            raise ValueError(f"expected a format among {', '.join(FORMATS)}, got {format!r}")
        kinds = check_formats(figure_formats)
        if self.in_memory or directory is not None:
            self._store(directory)
        if self.bands is None:
            self.reduce()
        bands = f"bands.{format}"
        replace_file(self.directory / bands, lambda path: write_frame(self.bands, path, format))
        table = self.outcome_table()
        replace_file(self.directory / "outcomes.csv", lambda path: table.to_csv(path, index=False))
        write_dictionary(self.directory, ensemble_dictionary(format, draws=self.draws is not None))
        summary = {
            "scenario": self.name,
            "seed": self.seed,
            "replicates": self.replicates,
            "band": "median and 10-90% of replicates",
            "outcomes": {
                name: interval_fields(value, BY_NAME[name].kind) | {"median_text": _text(name, value.median)}
                for name, value in self.interval_values().items()
            },
        }
        replace_file(self.directory / "summary.json", lambda path: write_json(path, summary))
        written = [bands, "outcomes.csv", DICTIONARY, "summary.json"]
        if figures:
            written += save_figure_files(self.plot(), self.directory, kinds)
        kept = (read_manifest(self.directory) or {}).get("files", {})
        for other in {f"bands.{f}" for f in FORMATS} - {bands}:  # the bands of an earlier save in the other format
            if other in kept:
                (self.directory / other).unlink(missing_ok=True)
        figures_kept = {name: record for name, record in kept.items() if name.startswith("figures/") and not figures}
        self._write_manifest("complete", figures_kept | file_records(self.directory, written))
        return self.directory

    def _store(self, directory: str | Path | None) -> None:
        """Write an ensemble kept in memory into `directory`: the manifest, then every replicate."""
        if directory is None:
            raise ValueError(f"the ensemble of {self.name} is kept in memory: save(directory=...) says where to write it")
        if not self.in_memory:
            if Path(directory) != self.directory:
                raise ValueError(f"the ensemble of {self.name} is stored in {self.directory}, not {directory}")
            return
        if not self.done():
            self.reduce()  # raises: replicates missing
        kept, self.directory = self._kept, Path(directory)
        try:
            for task in self.prepare():  # checks the directory; the replicates it does not hold yet
                write_replicate(task, kept[task.index])
        except BaseException:
            self.directory = None
            raise
        self._kept = {}


def save_figure_files(figures: dict, directory: Path, formats=None) -> list[str]:
    """Save figures keyed by name into `directory`/figures as NAME.png, each atomically; their paths relative to `directory`.

    `formats` (default: those of sim.plots.formats.figure_formats, PNG) may add or choose SVG and PDF
    (sim.plots.run_figures.write_figures). A name that already ends in ".png" stands for the name without it.
    """
    from sim.plots.run_figures import write_figures

    return [path.relative_to(directory).as_posix() for path in write_figures(figures, Path(directory) / "figures", formats)]


def _text(name: str, value: float) -> str | None:
    """The median as text: a month as "YYYY-MM" or "not by the horizon", a number as itself (None if missing)."""
    if BY_NAME[name].kind == "month":
        return month_text(value)
    return None if math.isnan(value) else f"{value:g}"


INTERVAL_COLUMNS = (
    "outcome", "label", "kind", "median", "low", "high", "median_month", "low_month", "high_month", "n",
    "median_not_by_horizon", "low_not_by_horizon", "high_not_by_horizon", "text",
)  # fmt: skip


def interval_record(outcome: Outcome, value: Interval) -> dict:
    """One outcome's interval as a row of comparison.csv (without its scenario)."""
    from sim.records.bands import format_interval

    return {
        "outcome": outcome.name,
        "label": outcome.label,
        "kind": outcome.kind,
        **interval_fields(value, outcome.kind, columns=True),
        "text": format_interval(outcome.kind, value),
    }


def interval_table(records: list[dict], index: bool = True) -> pd.DataFrame:
    """Interval rows as a table with typed columns: numbers, year-months (text), markers (nullable booleans)."""
    frame = pd.DataFrame.from_records(records)
    columns = [c for c in frame.columns if c not in INTERVAL_COLUMNS]  # e.g. scenario, after kind
    order = [*INTERVAL_COLUMNS[:3], *columns, *INTERVAL_COLUMNS[3:]]
    frame = frame.reindex(columns=order)
    for bound in ("median", "low", "high"):
        frame[bound] = pd.to_numeric(frame[bound], errors="coerce").astype(float)
        frame[f"{bound}_month"] = frame[f"{bound}_month"].astype(object).where(frame[f"{bound}_month"].notna(), None)
        frame[f"{bound}_not_by_horizon"] = frame[f"{bound}_not_by_horizon"].astype("boolean")
    return frame.set_index("outcome") if index else frame


def execute_all(
    ensembles: Sequence[Ensemble],
    executor=None,
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
    on_result: OnResult | None = None,
    label: str | None = None,
) -> list[ReplicateResult]:
    """Run the missing replicates of several ensembles through one executor (one progress bar).

    Raises:
        ReplicateError: some replicates failed (the others are stored).
        UnguardedMainError: a pool would start from a script's top level (sim.experiments.workers); nothing is written.
    """
    from sim.experiments.executors import make_executor
    from sim.experiments.workers import check_pool_start

    check_pool_start(executor, jobs)  # before anything is written
    tasks = [task for ensemble in ensembles for task in ensemble.prepare(force=force)]
    in_memory = {ensemble.name: ensemble for ensemble in ensembles if ensemble.in_memory}
    results: list[ReplicateResult] = []
    if tasks:
        owned = executor is None
        executor = make_executor(jobs) if owned else executor
        label = label or (ensembles[0].name if len(ensembles) == 1 else f"{len(ensembles)} scenarios")
        try:
            with progress_bar(total=len(tasks), desc=label, unit="replicate", disable=not progress or None, leave=False) as bar:
                for result in executor.run(tasks):
                    results.append(result)
                    if result.error is None and result.label in in_memory:
                        in_memory[result.label].keep(result)
                    bar.update()
                    if on_result:
                        on_result(result)
        finally:
            if owned:
                executor.close()
    failed = [result for result in results if result.error]
    for ensemble in ensembles:
        ensemble.failed = [result for result in failed if result.label == ensemble.name]
    if failed:
        first = failed[0]
        raise ReplicateError(f"{len(failed)} replicate(s) failed; first: {first.label} replicate {first.index}:\n{first.error}")
    return results


def read_ensemble(directory: str | Path) -> Ensemble:
    """An ensemble stored on disk, reduced (bands and outcomes), for notebooks."""
    directory = Path(directory)
    found = json.loads((directory / "manifest.json").read_text())
    scenario = Scenario.model_validate(found["config"])
    return Ensemble(scenario, replicates=found["replicates"], seed=found["seed"], out=directory).reduce()
