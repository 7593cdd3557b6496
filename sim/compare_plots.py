"""Banded figures of ensembles and comparisons (median line, 10-90% band).

Every function takes bands (sim.bands.reduce_timeseries frames) keyed by
scenario name and draws on a pyplot-free `Figure`, like sim/plots.py, whose
palette (Okabe & Ito) and generation colours and labels it reuses.

- `cohort_panels`: staff by generation, one panel per scenario, shared axes.
- `share_over_time`: new-generation share (all staff, elite), one banded line per scenario.
- `experience_over_time`: mean service (all, elite), experience capacity and mentoring.
- `vacancies_over_time`: heads of mission vacant (F8).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.bands import band_series
from sim.categories import GENERATIONS
from sim.plots import GENERATION_COLORS, GENERATION_LABELS, PURGE_YEARS

# Okabe & Ito (2008), as in sim/plots.py: one colour per scenario, in order.
SCENARIO_COLORS = ("#000000", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C8C8C")
_WIDTH = 7.5
BAND_NOTE = "lines: median of replicates; bands: 10-90%"

Bands = Mapping[str, pd.DataFrame]


def _color(index: int) -> str:
    return SCENARIO_COLORS[index % len(SCENARIO_COLORS)]


def _dates(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(5))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _purge_years(ax: Axes) -> None:
    begin, end = PURGE_YEARS
    ax.axvspan(begin.to_datetime64(), end.to_datetime64(), color="#8C8C8C", alpha=0.12, linewidth=0, zorder=0)


def banded_line(ax: Axes, band: pd.DataFrame, color: str, label: str, scale: float = 1.0) -> None:
    """Median as a line and the 10-90% band as a shaded area."""
    dates = band.index.to_numpy()
    ax.fill_between(dates, band["low"] * scale, band["high"] * scale, color=color, alpha=0.2, linewidth=0)
    ax.plot(dates, band["median"] * scale, color=color, linewidth=1.4, label=label)


def _lines(axes: list[Axes], bands: Bands, panels: list[tuple[str, str, str, float]]) -> None:
    for ax, (measure, group, ylabel, scale) in zip(axes, panels, strict=True):
        for index, (name, frame) in enumerate(bands.items()):
            banded_line(ax, band_series(frame, measure, group), _color(index), name, scale)
        ax.set_ylabel(ylabel)
        _purge_years(ax)
        _dates(ax)
        ax.grid(alpha=0.3, linewidth=0.5)


def share_over_time(bands: Bands, title: str = "") -> Figure:
    """New-generation share of all staff and of the elite, one banded line per scenario."""
    figure = Figure(figsize=(_WIDTH, 5.5), layout="constrained")
    axes = list(figure.subplots(2, 1, sharex=True))
    _lines(
        axes,
        bands,
        [
            ("new_generation_share", "all", "share of all staff", 1.0),
            ("new_generation_share", "elite", "share of the elite", 1.0),
        ],
    )
    for ax in axes:
        ax.axhline(0.5, color="#8C8C8C", linestyle=(0, (4, 3)), linewidth=0.8)
        ax.set_ylim(0, 1)
    axes[0].legend(loc="upper left", fontsize="small", frameon=False)
    figure.suptitle(f"{title}\nNew generation (F6) share; {BAND_NOTE}; dashed: majority".strip(), fontsize="medium")
    return figure


def experience_over_time(bands: Bands, title: str = "") -> Figure:
    """Mean service of all staff and of the elite (years), experience capacity, mentoring."""
    figure = Figure(figsize=(_WIDTH, 8), layout="constrained")
    axes = list(figure.subplots(4, 1, sharex=True))
    panels = [
        ("mean_service_months", "all", "mean service,\nall staff (years)", 1 / 12),
        ("mean_service_months", "elite", "mean service,\nelite (years)", 1 / 12),
        ("experience_capacity", "all", "experience-weighted\ncapacity", 1.0),
        ("mentored_junior_share", "all", "juniors with a\nveteran mentor", 1.0),
    ]
    _lines(axes, bands, panels)
    axes[0].legend(loc="upper left", fontsize="small", frameon=False)
    figure.suptitle(f"{title}\nExperience; {BAND_NOTE}".strip(), fontsize="medium")
    return figure


def vacancies_over_time(bands: Bands, title: str = "") -> Figure:
    """Heads of mission vacant (F8: legations left to junior chargés)."""
    figure = Figure(figsize=(_WIDTH, 3.2), layout="constrained")
    ax = figure.add_subplot()
    _lines([ax], bands, [("heads_of_mission_vacant", "all", "heads of mission vacant", 1.0)])
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    figure.suptitle(f"{title}\nHeads of mission vacant; {BAND_NOTE}".strip(), fontsize="medium")
    return figure


def cohort_panels(bands: Bands, title: str = "") -> Figure:
    """Staff by generation (medians, stacked), one panel per scenario on shared axes."""
    count = len(bands)
    columns = min(count, 3)
    rows = -(-count // columns)
    figure = Figure(figsize=(_WIDTH, 2.6 * rows + 0.8), layout="constrained")
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for index, (name, frame) in enumerate(bands.items()):
        ax = grid[index // columns][index % columns]
        stacks = [band_series(frame, "headcount_by_generation", generation)["median"] for generation in GENERATIONS]
        dates = stacks[0].index.to_numpy()
        ax.stackplot(
            dates,
            *[stack.to_numpy() for stack in stacks],
            colors=[GENERATION_COLORS[g] for g in GENERATIONS],
            labels=[GENERATION_LABELS[g] for g in GENERATIONS],
            linewidth=0,
        )
        ax.set_title(textwrap.fill(name, 34), fontsize="small")  # labels can be long
        _purge_years(ax)
        _dates(ax)
    for extra in range(count, rows * columns):
        grid[extra // columns][extra % columns].set_visible(False)
    for row in grid:
        row[0].set_ylabel("staff in post")
    handles, labels = grid[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    figure.suptitle(f"{title}\nStaff by generation (median of replicates per generation)".strip(), fontsize="medium")
    return figure


def ensemble_figures(bands: Bands, title: str = "") -> dict[str, Figure]:
    """The banded figures of one or more ensembles, keyed by name (the file name without extension).

    Returns:
        Figures "cohort_composition", "new_generation_share", "experience" and "heads_of_mission_vacant".
    """
    return {
        "cohort_composition": cohort_panels(bands, title),
        "new_generation_share": share_over_time(bands, title),
        "experience": experience_over_time(bands, title),
        "heads_of_mission_vacant": vacancies_over_time(bands, title),
    }
