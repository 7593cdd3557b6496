"""One run of a scenario, for notebooks and the command line.

>>> from sim import Run
>>> run = Run("scenarios/historical.toml", seed=1).execute()
>>> run.timeseries.head()
>>> run.plot()                      # the figures, as matplotlib Figures
>>> run.save("runs/historical")     # manifest, tables (parquet or csv), data dictionary, summary, figures
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.records.run_records import Records
from sim.records.summary import summarize
from sim.results.storage import FORMATS, finish_manifest, manifest, write_atomically, write_json, write_table
from sim.scenario.config import Scenario
from sim.scenario.loader import load_scenario

if TYPE_CHECKING:
    from sim.mesa.turnover import TurnoverModel


class Run:
    """A scenario with a seed; `execute()` simulates it.

    Args:
        scenario: a Scenario or the path of a scenario file.
        seed: the seed; defaults to the scenario's `seed`.
    """

    def __init__(self, scenario: Scenario | str | Path, seed: int | None = None) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.seed = self.scenario.seed if seed is None else seed
        self.model: TurnoverModel | None = None
        self._records: Records | None = None

    def execute(self, on_month: Callable[[int], None] | None = None, agents: bool = True) -> Run:
        """Simulate to the horizon; `on_month(month_index)` is called after each month.

        Args:
            on_month: called after each month with its index.
            agents: run the Mesa model (`self.model`, with its Diplomat agents); False runs the bare
                engine under it, with identical records and without importing Mesa (the command line).
        """
        if agents:
            from sim.mesa.turnover import TurnoverModel

            self.model = TurnoverModel(self.scenario, seed=self.seed).run(on_month)
            self._records = self.model.records()
        else:
            from sim.model.engine import Engine
            from sim.records.run_records import collect

            self._records = collect(Engine(self.scenario, self.seed).populate().run(on_month))
        return self

    @property
    def months(self) -> int:
        """Number of months the run simulates."""
        return self.scenario.end_month - self.scenario.start_month + 1

    @property
    def records(self) -> Records:
        """The records of the executed run."""
        if self._records is None:
            raise RuntimeError("the run has not been executed yet: call execute() first")
        return self._records

    @property
    def timeseries(self) -> pd.DataFrame:
        """Monthly tidy series (date, measure, series_group, unit, value)."""
        return self.records.timeseries

    @property
    def biographies(self) -> pd.DataFrame:
        """One row per person who ever served."""
        return self.records.biographies

    def summary(self) -> dict:
        """The scenario's name, the seed and the headline numbers (sim.records.summary.summarize): summary.json's content."""
        seed = self.seed
        if isinstance(seed, np.random.SeedSequence):  # a replicate's spawned seed, as its manifest records it
            seed = {"entropy": int(seed.entropy), "spawn_key": [int(k) for k in seed.spawn_key]}
        return {"scenario": self.scenario.name, "seed": seed, **summarize(self.records)}

    def plot(self) -> dict:
        """The standard figures, keyed by name: the file name without extension, as `Ensemble.plot()` keys its own.

        Keys "cohort_composition", "cohort_composition_elite", "headcount" and "exits"
        (sim.plots.run_figures.standard_figures); `save()` writes each as figures/NAME.png (and NAME.svg, NAME.pdf within
        sim.plots.formats.figure_formats). Titles name the scenario by its label (`Scenario.title`) and the
        seed; the purge is marked where the scenario's schedule puts it (sim.plots.run_figures.purge_period), and not at all
        in a scenario without one.
        """
        from sim.plots.run_figures import purge_period, standard_figures

        return standard_figures(
            self.timeseries, f"{self.scenario.title}, seed {self.seed}", mark_purge=purge_period(self.scenario)
        )

    def save(self, directory: str | Path, figures: bool = True, format: str = "parquet", figure_formats=None) -> Path:
        """Write the run directory (tables, data dictionary, summary, figures, then the manifest) atomically.

        Args:
            directory: where.
            figures: also the figures, those of `plot()`.
            format: the tables (timeseries, biographies, posts) as "parquet" or "csv".
            figure_formats: the figures' formats, "png", "svg", "pdf" or several ("png,svg"); None: those of
                the enclosing sim.plots.formats.figure_formats block (PNG outside one).

        Raises:
            ValueError: an unknown table or figure format (nothing is written).
            ResultExistsError: `directory` holds something Cadres may not replace.
            OutputError: it cannot be written.
        """
        from sim.plots.formats import check_formats
        from sim.records.dictionary import run_dictionary, write_dictionary

        records = self.records
        if format not in FORMATS:
            raise ValueError(f"expected a format among {', '.join(FORMATS)}, got {format!r}")
        kinds = check_formats(figure_formats)

        def fill(staging: Path) -> None:
            for name in ("timeseries", "biographies", "posts"):
                write_table(getattr(records, name), staging, name, format)
            write_dictionary(staging, run_dictionary(format))
            write_json(staging / "summary.json", self.summary())
            if figures:
                from sim.plots.run_figures import write_figures

                write_figures(self.plot(), staging / "figures", kinds)
            finish_manifest(staging, manifest(self.scenario, self.seed, format))

        return write_atomically(Path(directory), fill)
