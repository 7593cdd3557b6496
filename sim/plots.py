"""Figures of one run, drawn from `Records.timeseries`.

Every function reads the tidy monthly frame (columns date, measure, series_group,
value) and draws on a `matplotlib.figure.Figure` made without pyplot, so the
module works headless, in scripts and in notebooks (show a returned Axes with
`ax.figure`). Colours and labels are module constants so that comparison
plots reuse them; the palette is Okabe & Ito's (2008), safe for the common
forms of colour blindness.

    >>> from sim import TurnoverModel, load_scenario
    >>> from sim.plots import cohort_composition
    >>> records = TurnoverModel(load_scenario("scenarios/historical.toml"), seed=1).run().records()
    >>> ax = cohort_composition(records.timeseries)
    >>> ax.figure.savefig("composition.png", dpi=150)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from sim.categories import GENERATIONS, POSTINGS, RANKS

# Okabe & Ito (2008) colour-blind-safe palette.
_BLACK, _ORANGE, _SKY_BLUE, _GREEN, _BLUE, _VERMILLION, _PURPLE, _GREY = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#8C8C8C",
)

# The three veteran generations in cool colours, the new generation in orange.
GENERATION_COLORS = MappingProxyType(
    {"old_bolsheviks": _BLUE, "civil_war_bolsheviks": _SKY_BLUE, "specialists_1920s": _GREEN, "new_generation": _ORANGE}
)
GENERATION_LABELS = MappingProxyType(
    {
        "old_bolsheviks": "Old Bolsheviks (joined before 1917)",
        "civil_war_bolsheviks": "Civil-war Bolsheviks (joined 1917–20)",
        "specialists_1920s": "1920s specialists",
        "new_generation": "New generation (entered from 1931)",
    }
)

# Exit reasons in stacking order, bottom up: the purge first, read from zero.
EXIT_ORDER = ("purged", "dismissed", "defected", "died", "retired", "transferred_out")
EXIT_COLORS = MappingProxyType(
    {
        "purged": _VERMILLION,
        "dismissed": _PURPLE,
        "defected": _BLUE,
        "died": _GREY,
        "retired": _GREEN,
        "transferred_out": _SKY_BLUE,
    }
)
EXIT_LABELS = MappingProxyType(
    {
        "purged": "purged",
        "dismissed": "dismissed",
        "defected": "defected (refused recall)",
        "died": "died",
        "retired": "retired",
        "transferred_out": "transferred out",
    }
)
LATER_FATE_ORDER = ("purged", "died")  # stacked down from zero, the purge first as above
LATER_FATE_LABELS = MappingProxyType({"died": "died after leaving", "purged": "purged after leaving"})

RANK_COLORS = MappingProxyType({"elite": _BLACK, "middle": _BLUE, "junior": _SKY_BLUE})
RANK_LABELS = MappingProxyType({"elite": "elite", "middle": "middle", "junior": "junior"})
POSTING_COLORS = MappingProxyType({"hq": _BLACK, "abroad": _ORANGE})
POSTING_LABELS = MappingProxyType({"hq": "headquarters (Moscow)", "abroad": "missions abroad"})

# From the field purge of mid-1936 (F3) and the first show trial, Aug 1936
# (F9), to the end of purging with the war, late summer 1939 (F9).
PURGE_YEARS = (pd.Timestamp("1936-08-01"), pd.Timestamp("1939-09-01"))

_COLUMNS = ("date", "measure", "series_group", "value")
_WIDTH = 7.5  # inches: a full-width figure in most journals
_STEPS = (1, 2, 5, 10)  # tick spacings: counts read in 1s, 2s, 5s, 10s


def measure_frame(timeseries: pd.DataFrame, measure: str, groups: Sequence[str]) -> pd.DataFrame:
    """One measure of a run as a wide frame: one column per group, indexed by date.

    Args:
        timeseries: `Records.timeseries` of a single run.
        measure: the measure to take, e.g. "exits".
        groups: the groups the measure must have, in the column order wanted.

    Returns:
        A frame indexed by date (sorted) with exactly the columns `groups`.

    Raises:
        ValueError: if the frame lacks a column, has no rows for `measure`,
            its groups differ from `groups`, a group lacks a value for a
            date, or it holds more than one value for a date and group
            (e.g. several runs concatenated).
    """
    missing = [column for column in _COLUMNS if column not in getattr(timeseries, "columns", ())]
    if missing:
        raise ValueError(
            f"timeseries lacks column(s) {missing}; expected a Records.timeseries frame with columns {list(_COLUMNS)}"
        )
    rows = timeseries.loc[timeseries["measure"] == measure, ["date", "series_group", "value"]]
    rows = rows.rename(columns={"series_group": "group"})
    if rows.empty:
        present = sorted(pd.unique(timeseries["measure"].astype(str)))
        raise ValueError(f"timeseries has no rows for measure {measure!r}; measures present: {present}")
    found = set(rows["group"].astype(str))
    if found != set(groups):
        raise ValueError(f"measure {measure!r} has groups {sorted(found)}; expected {list(groups)}")
    rows = rows.assign(group=rows["group"].astype(str), date=pd.to_datetime(rows["date"]))
    repeated = rows.duplicated(["date", "group"])
    if repeated.any():
        first = rows[repeated].iloc[0]
        raise ValueError(
            f"timeseries has several values for measure {measure!r}, group {first['group']!r} on {first['date']:%Y-%m-%d}; "
            "pass the series of a single run (filter an ensemble frame by seed or scenario first)"
        )
    wide = rows.pivot(index="date", columns="group", values="value").sort_index()[list(groups)]
    if wide.isna().any().any():
        date, group = wide.isna().stack().idxmax()
        raise ValueError(
            f"measure {measure!r} has no value for group {group!r} on {date:%Y-%m-%d}; expected every group every month"
        )
    return wide


def cohort_composition(
    timeseries: pd.DataFrame, elite: bool = False, ax: Axes | None = None, title: str | None = None, *, mark_purge: bool = True
) -> Axes:
    """Staff in post by generation, as stacked areas (oldest generation at the bottom).

    Args:
        timeseries: `Records.timeseries` of a single run.
        elite: draw elite posts only (`elite_by_generation`) instead of all
            staff (`headcount_by_generation`).
        ax: axes to draw on; a new figure is made if None.
        title: the axes title; a default is used if None.
        mark_purge: outline the purge years (Aug 1936 – Sep 1939, F3, F9)
            with dashed lines (a band would hide under the areas), labelled
            at the top. Drawn in every scenario as a time reference; labelled
            "historical purge years" when the run purged nobody.

    Returns:
        The axes. The top of the stack is the headcount (or elite headcount)
        on the first of each month; the legend lists the generations below
        the plot, oldest generation first.
    """
    measure = "elite_by_generation" if elite else "headcount_by_generation"
    wide = measure_frame(timeseries, measure, GENERATIONS)
    ax = ax if ax is not None else _new_axes(4.6)
    ax.stackplot(
        wide.index.to_numpy(),
        wide.to_numpy().T,
        labels=[GENERATION_LABELS[g] for g in GENERATIONS],
        colors=[GENERATION_COLORS[g] for g in GENERATIONS],
        edgecolor="white",
        linewidth=0.3,
    )
    ax.set_ylabel("elite posts held" if elite else "staff in post")
    ax.set_ylim(0, max(wide.sum(axis=1).max(), 1.0) * 1.1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=_STEPS))
    _date_axis(ax, wide.index[0], wide.index[-1])
    if mark_purge:
        _mark_purge(ax, timeseries, wide.index[0], wide.index[-1], lines=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, frameon=False)
    ax.set_title(title if title is not None else ("Elite posts by generation" if elite else "Staff in post by generation"))
    return ax


def headcount_by_rank_and_posting(timeseries: pd.DataFrame, title: str | None = None, *, mark_purge: bool = True) -> Figure:
    """Headcount by rank (top panel) and by posting (bottom panel), on a shared dated axis.

    Lines rather than stacked areas, so that the dip of each group reads from
    zero: the missions abroad were purged first (mid-1936 to 1938), the
    Moscow headquarters in 1939 (F3).

    Args:
        timeseries: `Records.timeseries` of a single run.
        title: the figure title; a default is used if None.
        mark_purge: shade the purge years (Aug 1936 – Sep 1939, F3, F9),
            labelled "historical purge years" when the run purged nobody.

    Returns:
        The figure, with two axes (by rank, by posting); each legend sits
        above its panel, to the right of the panel heading.
    """
    panels = (
        ("headcount_by_rank", RANKS, RANK_COLORS, RANK_LABELS, ("-", "--", "-."), "By rank"),
        ("headcount_by_posting", POSTINGS, POSTING_COLORS, POSTING_LABELS, ("-", "--"), "By posting"),
    )
    frames = [measure_frame(timeseries, measure, groups) for measure, groups, *_ in panels]
    figure = Figure(figsize=(_WIDTH, 5.6), layout="constrained")
    axes = figure.subplots(2, 1, sharex=True)
    for ax, wide, (_, groups, colors, labels, styles, heading) in zip(axes, frames, panels, strict=True):
        dates = wide.index.to_numpy()
        for group, style in zip(groups, styles, strict=True):
            ax.plot(dates, wide[group].to_numpy(), color=colors[group], linestyle=style, linewidth=1.6, label=labels[group])
        ax.set_ylim(0, wide.to_numpy().max() * 1.12)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=_STEPS))
        ax.set_ylabel("staff in post")
        ax.set_title(heading, loc="left", fontsize="medium")
        if mark_purge:
            _mark_purge(ax, timeseries, wide.index[0], wide.index[-1], label=ax is axes[0])
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(groups), frameon=False, borderaxespad=0.2)
    _date_axis(axes[-1], frames[0].index[0], frames[0].index[-1])
    axes[0].tick_params(labelbottom=False)
    figure.suptitle(title if title is not None else "Headcount by rank and posting")
    return figure


def exits_by_reason(
    timeseries: pd.DataFrame, ax: Axes | None = None, title: str | None = None, *, mark_purge: bool = True
) -> Axes:
    """Monthly exits by reason as stacked steps, with the later fates of former staff mirrored below zero.

    Above the axis: people leaving the commissariat in each month (`exits`),
    one step per month (stacked steps rather than bars: 300 bars with gaps
    shimmer, steps do not), the purged at the bottom so their curve reads
    from zero. Below the axis, in lighter colours of the same hues: people
    who had already left and died or were purged that month (`later_fates`).
    Tick labels are counts on both sides. The legend is below the plot.

    Args:
        timeseries: `Records.timeseries` of a single run.
        ax: axes to draw on; a new figure is made if None.
        title: the axes title; a default is used if None.
        mark_purge: shade the purge years (Aug 1936 – Sep 1939, F3, F9),
            labelled "historical purge years" when the run purged nobody.

    Returns:
        The axes.
    """
    exits = measure_frame(timeseries, "exits", EXIT_ORDER)
    later = measure_frame(timeseries, "later_fates", LATER_FATE_ORDER)
    ax = ax if ax is not None else _new_axes(4.6)
    edges = _month_edges(exits.index)
    fates = later.reindex(exits.index, fill_value=0.0)
    _stacked_steps(ax, edges, exits, EXIT_COLORS, EXIT_LABELS, sign=1)
    _stacked_steps(ax, edges, fates, EXIT_COLORS, LATER_FATE_LABELS, sign=-1, alpha=0.45)
    top = max(exits.sum(axis=1).max(), 1.0)
    bottom = max(fates.sum(axis=1).max(), 1.0)
    ax.set_ylim(-bottom * 1.15, top * 1.12)
    ax.axhline(0, color=_BLACK, linewidth=0.6)
    ax.yaxis.set_major_locator(FixedLocator(_mirrored_ticks(top * 1.12, bottom * 1.15)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{abs(y):g}"))
    ax.set_ylabel("people per month\n(below: former staff)")
    _date_axis(ax, edges[0], edges[-1])
    if mark_purge:
        _mark_purge(ax, timeseries, edges[0], edges[-1])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=4, frameon=False)
    ax.set_title(title if title is not None else "Exits by reason")
    return ax


def standard_figures(timeseries: pd.DataFrame, label: str = "") -> dict[str, Figure]:
    """The standard figures of a run, keyed by name (the file stem `save_figures` uses).

    Args:
        timeseries: `Records.timeseries` of a single run.
        label: what the run is, e.g. "historical, seed 1937"; added to every title.

    Returns:
        Figures "cohort_composition", "cohort_composition_elite", "headcount" and "exits".
    """
    suffix = f" — {label}" if label else ""
    return {
        "cohort_composition": cohort_composition(timeseries, title=f"Staff in post by generation{suffix}").figure,
        "cohort_composition_elite": cohort_composition(timeseries, True, title=f"Elite posts by generation{suffix}").figure,
        "headcount": headcount_by_rank_and_posting(timeseries, title=f"Headcount by rank and posting{suffix}"),
        "exits": exits_by_reason(timeseries, title=f"Exits by reason{suffix}").figure,
    }


def save_figures(timeseries: pd.DataFrame, directory: str | Path, label: str) -> list[Path]:
    """Write the standard figures of a run as PNG files (150 dpi).

    Args:
        timeseries: `Records.timeseries` of a single run.
        directory: where to write; created if missing (once the figures are drawn).
        label: what the run is, e.g. "historical, seed 1937"; added to every title.

    Returns:
        The paths written: cohort_composition.png, cohort_composition_elite.png,
        headcount.png, exits.png.
    """
    figures = standard_figures(timeseries, label)  # draw first: invalid input leaves no directory behind
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, figure in figures.items():
        path = directory / f"{name}.png"
        figure.savefig(path, dpi=150)
        paths.append(path)
    return paths


def _new_axes(height: float) -> Axes:
    return Figure(figsize=(_WIDTH, height), layout="constrained").add_subplot()


def _month_edges(dates: pd.DatetimeIndex) -> np.ndarray:
    """Bin edges of monthly flows: the first of each month and the first of the month after the last."""
    return np.append(dates.to_numpy(), (dates[-1] + pd.offsets.MonthBegin(1)).to_datetime64())


def _stacked_steps(
    ax: Axes,
    edges: np.ndarray,
    wide: pd.DataFrame,
    colors: Mapping[str, str],
    labels: Mapping[str, str],
    sign: int,
    alpha: float = 1.0,
) -> None:
    """Fill one step band per column, stacked in column order, upwards (sign 1) or downwards (sign -1)."""
    lower = np.zeros(len(wide))
    for column in wide.columns:
        upper = lower + wide[column].to_numpy()
        # step="post" holds each value to the next edge; the last value is repeated to reach the final edge.
        below, above = sign * np.append(lower, lower[-1]), sign * np.append(upper, upper[-1])
        ax.fill_between(edges, below, above, step="post", color=colors[column], alpha=alpha, linewidth=0, label=labels[column])
        lower = upper


def _mirrored_ticks(top: float, bottom: float) -> np.ndarray:
    """Whole-number ticks from -`bottom` to `top`: the upper spacing below zero too, or a finer one if it does not fit."""
    above = MaxNLocator(nbins=6, integer=True, steps=_STEPS).tick_values(0, top)
    above = above[(above >= 0) & (above <= top)]
    step = above[1] - above[0] if len(above) > 1 else 1.0
    below = np.arange(step, bottom + 1e-9, step)
    if not len(below):
        below = MaxNLocator(nbins=2, integer=True, steps=_STEPS).tick_values(0, bottom)
        below = below[(below > 0) & (below <= bottom)]
    return np.concatenate([-below[::-1], above])


def _date_axis(ax: Axes, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Years on the x axis: labels every 1, 2 or 5 years by span, a minor tick every year."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    span = (end - start).days / 365.25
    ax.set_xlim(start.to_datetime64(), end.to_datetime64())
    ax.xaxis.set_major_locator(mdates.YearLocator(1 if span <= 10 else 2 if span <= 20 else 5))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _mark_purge(
    ax: Axes, timeseries: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, lines: bool = False, label: bool = True
) -> None:
    """Mark the purge years (F3, F9): a light band, or dashed lines where areas fill the plot; label at the top inside.

    The label says "Great Purge" if anyone was purged in the run, "historical purge years" if not (a counterfactual).
    """
    begin, finish = PURGE_YEARS
    if finish <= pd.Timestamp(start) or begin >= pd.Timestamp(end):
        return
    begin, finish = max(begin, pd.Timestamp(start)).to_datetime64(), min(finish, pd.Timestamp(end)).to_datetime64()
    if lines:
        for edge in (begin, finish):
            ax.axvline(edge, color=_BLACK, linestyle=(0, (4, 3)), linewidth=0.8, zorder=3)
    else:
        ax.axvspan(begin, finish, color=_GREY, alpha=0.15, linewidth=0, zorder=0)
    if label:
        middle = begin + (finish - begin) / 2
        purged = timeseries["series_group"].astype(str).eq("purged")
        purged &= timeseries["measure"].astype(str).isin(["exits", "later_fates"])
        ax.annotate(
            "Great Purge" if timeseries.loc[purged, "value"].sum() > 0 else "historical purge years",
            (middle, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -3),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize="small",
            color="#333333",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0} if lines else None,
            zorder=4,
        )
