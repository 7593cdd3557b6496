"""Banded figures of ensembles and comparisons (median line, 10-90% band).

Every function takes bands (sim.records.bands.reduce_timeseries frames) keyed by
the scenario's label (`Scenario.title`: the legends and panel headings
show the keys) and draws on a pyplot-free `Figure`, like sim/plots/run_figures.py,
whose palette (Okabe & Ito) and generation colours and labels it reuses.

The purge is shaded, and named in the legend, where each scenario's purge
schedule puts it (`purges`, from `sim.plots.run_figures.purge_period`); a scenario not
given there is marked with the documented purge years if any of its
replicates purged anyone, and not at all otherwise.

- `cohort_panels`: posts by generation and vacant, one panel per scenario, shared axes.
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

from sim.model.categories import GENERATIONS, RANKS
from sim.plots.run_figures import (
    DOCUMENTED_PURGE,
    GENERATION_COLORS,
    GENERATION_LABELS,
    VACANT_COLOR,
    VACANT_LABEL,
    PurgePeriod,
    shade_purge,
)
from sim.records.bands import band_series

# Okabe & Ito (2008), as in sim/plots/run_figures.py: one colour per scenario, in order.
SCENARIO_COLORS = ("#000000", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C8C8C")
_WIDTH = 7.5
BAND_NOTE = "lines: median of replicates; bands: 10-90%"

Bands = Mapping[str, pd.DataFrame]
Purges = Mapping[str, PurgePeriod | None]


def _color(index: int) -> str:
    return SCENARIO_COLORS[index % len(SCENARIO_COLORS)]


def _dates(ax: Axes, every: int = 5) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(every))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def purged_in_bands(frame: pd.DataFrame) -> bool:
    """True if any replicate of an ensemble purged anyone (the 90% band of purge exits above zero some month)."""
    rows = frame["measure"].astype(str).isin(["exits", "later_fates"]) & frame["series_group"].astype(str).eq("purged")
    return bool((frame.loc[rows, ["high", "median"]].fillna(0) > 0).any().any())


def purge_periods(bands: Bands, purges: Purges | None = None) -> dict[str, PurgePeriod | None]:
    """The purge to mark for each scenario: from `purges` if it names it, else the documented years if it purged anyone."""
    purges = purges or {}
    return {
        key: purges[key] if key in purges else (DOCUMENTED_PURGE if purged_in_bands(frame) else None)
        for key, frame in bands.items()
    }


def _span(bands: Bands) -> tuple[pd.Timestamp, pd.Timestamp]:
    dates = pd.to_datetime(pd.concat([frame["date"] for frame in bands.values()]))
    return dates.min(), dates.max()


def _shade(ax: Axes, periods: Mapping[str, PurgePeriod | None], span, label: bool = True, over: bool = False) -> None:
    """Shade the scenarios' purges on one axes; when they differ, each legend entry names its scenarios."""
    distinct: dict[PurgePeriod, list[str]] = {}
    for key, period in periods.items():
        if period is not None:
            distinct.setdefault(period, []).append(key)
    for period, keys in distinct.items():
        text = period.label + (f" ({'; '.join(keys)})" if len(distinct) > 1 else "")
        shade_purge(ax, period, *span, over=over, label=text if label else False)


def banded_line(ax: Axes, band: pd.DataFrame, color: str, label: str, scale: float = 1.0) -> None:
    """Median as a line and the 10-90% band as a shaded area."""
    dates = band.index.to_numpy()
    ax.fill_between(dates, band["low"] * scale, band["high"] * scale, color=color, alpha=0.2, linewidth=0)
    ax.plot(dates, band["median"] * scale, color=color, linewidth=1.4, label=label)


def _lines(axes: list[Axes], bands: Bands, panels: list[tuple[str, str, str, float]], purges: Purges | None) -> None:
    periods, span = purge_periods(bands, purges), _span(bands)
    for ax, (measure, group, ylabel, scale) in zip(axes, panels, strict=True):
        for index, (name, frame) in enumerate(bands.items()):
            banded_line(ax, band_series(frame, measure, group), _color(index), name, scale)
        ax.set_ylabel(ylabel)
        _shade(ax, periods, span, label=ax is axes[0])
        ax.set_xlim(*(mdates.date2num(date) for date in span))
        _dates(ax)
        ax.grid(alpha=0.3, linewidth=0.5)


def _legend(figure: Figure, ax: Axes) -> None:
    """The scenarios' lines and the purge, below the panels."""
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("purge "))  # the scenarios first, the purge last
    columns = 1 if max((len(labels[i]) for i in order), default=0) > 45 else 2
    figure.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="outside lower center",
        ncols=columns,
        fontsize="small",
        frameon=False,
    )


def share_over_time(bands: Bands, title: str = "", purges: Purges | None = None) -> Figure:
    """New-generation share of all staff and of the elite, one banded line per scenario."""
    figure = Figure(figsize=(_WIDTH, 6.2), layout="constrained")
    axes = list(figure.subplots(2, 1, sharex=True))
    _lines(
        axes,
        bands,
        [
            ("new_generation_share", "all", "share of all staff", 1.0),
            ("new_generation_share", "elite", "share of the elite", 1.0),
        ],
        purges,
    )
    for ax in axes:
        ax.axhline(0.5, color="#8C8C8C", linestyle=(0, (4, 3)), linewidth=0.8)
        ax.set_ylim(0, 1)
    _legend(figure, axes[0])
    figure.suptitle(f"{title}\nNew generation (F6) share; {BAND_NOTE}; dashed: majority".strip(), fontsize="medium")
    return figure


def experience_over_time(bands: Bands, title: str = "", purges: Purges | None = None) -> Figure:
    """Mean service of all staff and of the elite (years), experience capacity, mentoring."""
    figure = Figure(figsize=(_WIDTH, 8.6), layout="constrained")
    axes = list(figure.subplots(4, 1, sharex=True))
    panels = [
        ("mean_service_months", "all", "mean service,\nall staff (years)", 1 / 12),
        ("mean_service_months", "elite", "mean service,\nelite (years)", 1 / 12),
        ("experience_capacity", "all", "experience-weighted\ncapacity", 1.0),
        ("mentored_junior_share", "all", "juniors with a\nveteran mentor", 1.0),
    ]
    _lines(axes, bands, panels, purges)
    _legend(figure, axes[0])
    figure.suptitle(f"{title}\nExperience; {BAND_NOTE}".strip(), fontsize="medium")
    return figure


def vacancies_over_time(bands: Bands, title: str = "", purges: Purges | None = None) -> Figure:
    """Heads of mission vacant (F8: legations left to junior chargés)."""
    figure = Figure(figsize=(_WIDTH, 3.8), layout="constrained")
    ax = figure.add_subplot()
    _lines([ax], bands, [("heads_of_mission_vacant", "all", "heads of mission vacant", 1.0)], purges)
    _legend(figure, ax)
    figure.suptitle(f"{title}\nHeads of mission vacant; {BAND_NOTE}".strip(), fontsize="medium")
    return figure


def cohort_panels(bands: Bands, title: str = "", purges: Purges | None = None) -> Figure:
    """Posts by generation of the holder and vacant (medians, stacked), one panel per scenario on shared axes.

    Each panel hatches its own scenario's purge, if it has one; the legend
    below the panels names the generations, the vacant posts and the purge.
    """
    count = len(bands)
    columns = min(count, 3)
    rows = -(-count // columns)
    periods, span = purge_periods(bands, purges), _span(bands)
    figure = Figure(figsize=(_WIDTH, 2.6 * rows + 1.2), layout="constrained")
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    entries: dict[str, object] = {}
    for index, (name, frame) in enumerate(bands.items()):
        ax = grid[index // columns][index % columns]
        stacks = [band_series(frame, "headcount_by_generation", generation)["median"] for generation in GENERATIONS]
        vacant = sum(band_series(frame, "vacancies", rank)["median"].reindex(stacks[0].index, fill_value=0.0) for rank in RANKS)
        ax.stackplot(
            mdates.date2num(stacks[0].index.to_numpy()),
            *[stack.to_numpy() for stack in stacks],
            vacant.to_numpy(),
            colors=[GENERATION_COLORS[g] for g in GENERATIONS] + [VACANT_COLOR],
            labels=[GENERATION_LABELS[g] for g in GENERATIONS] + [VACANT_LABEL],
            linewidth=0,
        )
        ax.set_title(textwrap.fill(name, 34), fontsize="small")  # labels can be long
        _shade(ax, {name: periods[name]}, span, over=True)
        ax.set_xlim(*(mdates.date2num(date) for date in span))
        _dates(ax, 10 if columns > 2 else 5)
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    for extra in range(count, rows * columns):
        grid[extra // columns][extra % columns].set_visible(False)
    for row in grid:
        row[0].set_ylabel("posts")
    figure.legend(list(entries.values()), list(entries), loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    figure.suptitle(
        f"{title}\nPosts by generation of the holder, and vacant (median of replicates per group)".strip(), fontsize="medium"
    )
    return figure


def ensemble_figures(bands: Bands, title: str = "", purges: Purges | None = None) -> dict[str, Figure]:
    """The banded figures of one or more ensembles, keyed by name (the file name without extension).

    Args:
        bands: each scenario's bands, keyed by its label (legends and panel headings).
        title: the first line of every figure's title.
        purges: each scenario's purge (`sim.plots.run_figures.purge_period`), by the same keys; a scenario left out is
            marked with the documented purge years if it purged anyone (`purge_periods`).

    Returns:
        Figures "cohort_composition", "new_generation_share", "experience" and "heads_of_mission_vacant".
    """
    return {
        "cohort_composition": cohort_panels(bands, title, purges),
        "new_generation_share": share_over_time(bands, title, purges),
        "experience": experience_over_time(bands, title, purges),
        "heads_of_mission_vacant": vacancies_over_time(bands, title, purges),
    }
