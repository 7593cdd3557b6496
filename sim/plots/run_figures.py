"""Figures of one run, drawn from `Records.timeseries`.

Every function reads the tidy monthly frame (columns date, measure, series_group,
value) and draws on a `matplotlib.figure.Figure` made without pyplot, so the
module works headless, in scripts and in notebooks (show a returned Axes with
`ax.figure`). Colours and labels are module constants so that comparison
plots reuse them; the palette is Okabe & Ito's (2008), safe for the common
forms of colour blindness.

The purge is marked where the scenario's purge schedule puts it
(`purge_period`) and labelled in the legend ("purge Aug 1936 – Aug 1939");
a scenario without a purge has no mark. Figures are written as PNG, SVG or
PDF (`write_figures`, `sim.plots.formats`), each keyed by its name, the file
name without extension.

    >>> from sim import TurnoverModel, load_scenario
    >>> from sim.plots.run_figures import cohort_composition, purge_period
    >>> scenario = load_scenario("scenarios/historical.toml")
    >>> records = TurnoverModel(scenario, seed=1).run().records()
    >>> ax = cohort_composition(records.timeseries, mark_purge=purge_period(scenario))
    >>> ax.figure.savefig("composition.svg")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from sim.model.categories import GENERATIONS, POSTINGS, RANKS
from sim.plots.formats import FIGURE_FORMATS, check_formats

if TYPE_CHECKING:
    from sim.scenario.config import Scenario

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
# Posts without a holder, stacked on the generations so that the top of the stack is the number of posts.
VACANT_COLOR, VACANT_LABEL = "#E6E6E6", "vacant posts"

# Exit reasons in stacking order, bottom up: the purge first, read from zero.
EXIT_ORDER = ("purged", "dismissed", "defected", "died", "retired", "transferred_out")
# The exits shown again, enlarged, in a second panel: all but the purge's arrests and dismissals, which
# dwarf them in 1937-39 (a year's handful of defections would be a hairline in the stack).
SMALL_EXITS = ("defected", "died", "retired", "transferred_out")
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
# (F9), to the end of purging with the war, late summer 1939 (F9): the first
# day of the first month and of the month after the last.
PURGE_YEARS = (pd.Timestamp("1936-08-01"), pd.Timestamp("1939-09-01"))
# A month belongs to the purge when its baseline hazard is at least this share of the schedule's peak, or the
# 1939 HQ wave is on. The share leaves out a trickle before the purge proper (the calibrated run's 1934-36
# prelude, under 1% of its peak in the posteriors so far) and keeps its onset after the first show trial in
# Aug 1936 (F9; 4-7% of the peak).
PURGE_SHARE_OF_PEAK = 0.02

DPI = 150  # PNG resolution: a full-width figure is 1125 pixels wide

_COLUMNS = ("date", "measure", "series_group", "value")
_WIDTH = 7.5  # inches: a full-width figure in most journals
_STEPS = (1, 2, 5, 10)  # tick spacings: counts read in 1s, 2s, 5s, 10s
_BAND = {"color": _GREY, "alpha": 0.18, "linewidth": 0, "zorder": 0}  # the purge behind lines and bars
_HATCH = {"facecolor": "none", "edgecolor": "none", "hatch": "///", "hatchcolor": "#00000059", "linewidth": 0, "zorder": 3}


@dataclass(frozen=True)
class PurgePeriod:
    """The months a figure marks as the purge: spans from the first of a month to the first of the month after the last.

    Attributes:
        spans: (start, end) pairs of Timestamps, in order, not overlapping.
        documented: the documented purge years (F3, F9) standing in for a schedule the figure was not given.
    """

    spans: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]
    documented: bool = False

    @property
    def label(self) -> str:
        """The legend entry, e.g. "purge Aug 1936 – Aug 1939", naming the last month of each span."""
        parts = []
        for start, end in self.spans:
            last = end - pd.offsets.MonthBegin(1)
            if (start.year, start.month) == (last.year, last.month):
                parts.append(f"{start:%b %Y}")
            elif start.year == last.year:
                parts.append(f"{start:%b} – {last:%b %Y}")
            else:
                parts.append(f"{start:%b %Y} – {last:%b %Y}")
        return f"purge {', '.join(parts)}" + (" (documented years)" if self.documented else "")


DOCUMENTED_PURGE = PurgePeriod((PURGE_YEARS,), documented=True)

PurgeMark = bool | PurgePeriod | None


def purge_period(scenario: Scenario, share_of_peak: float = PURGE_SHARE_OF_PEAK) -> PurgePeriod | None:
    """The months of a scenario's purge, from its schedule; None if it has none.

    A month is in the purge when the baseline hazard (`purge.intensity`) is
    at least `share_of_peak` of its largest value within the run, or the HQ
    wave (`purge.hq_wave`) is above zero; consecutive months form a span.
    None when the purge is disabled or both schedules are zero throughout
    the run. For the calibrated historical scenario: Aug 1936 (the first show
    trial, F9) – Aug 1939.
    """
    from sim.model.schedule import PiecewiseSchedule

    purge = scenario.purge
    if not purge.enabled:
        return None
    months = np.arange(scenario.start_month, scenario.end_month + 1)
    intensity, wave = (
        np.array([PiecewiseSchedule(knots).at(int(month)) for month in months]) for knots in (purge.intensity, purge.hq_wave)
    )
    peak = intensity.max()
    on = (wave > 0) | ((intensity > 0) & (intensity >= share_of_peak * peak))
    if not on.any():
        return None
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(int), [0]])))  # starts and ends of the runs of months
    spans = tuple(
        (_month_start(months[a]), _month_start(months[b - 1] + 1)) for a, b in zip(edges[::2], edges[1::2], strict=True)
    )
    return PurgePeriod(spans)


def purged_anyone(timeseries: pd.DataFrame) -> bool:
    """True if the run purged anyone, in service or after leaving (a frame without the measures: False)."""
    measure, group = timeseries["measure"].astype(str), timeseries["series_group"].astype(str)
    rows = measure.isin(["exits", "later_fates"]) & group.eq("purged")
    return bool(timeseries.loc[rows, "value"].sum() > 0)


def _purge_to_mark(timeseries: pd.DataFrame, mark_purge: PurgeMark) -> PurgePeriod | None:
    """The period to mark: as given, none (False, None), or for True the documented years if the run purged anyone."""
    if isinstance(mark_purge, PurgePeriod):
        return mark_purge
    return DOCUMENTED_PURGE if mark_purge is True and purged_anyone(timeseries) else None


def _month_start(index: int) -> pd.Timestamp:
    return pd.Timestamp(year=int(index) // 12, month=int(index) % 12 + 1, day=1)


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
    timeseries: pd.DataFrame,
    elite: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
    *,
    mark_purge: PurgeMark = True,
) -> Axes:
    """Posts by the generation of their holder, and vacant, as stacked areas (oldest generation at the bottom).

    Args:
        timeseries: `Records.timeseries` of a single run.
        elite: draw elite posts only (`elite_by_generation`) instead of all
            posts (`headcount_by_generation`).
        ax: axes to draw on; a new figure is made if None.
        title: the axes title; a default is used if None.
        mark_purge: the purge to hatch over the areas and name in the legend:
            a `PurgePeriod` (`purge_period(scenario)`); True for the
            documented years (Aug 1936 – Aug 1939, F3, F9) if the run purged
            anyone, nothing if it did not; False or None for no mark.

    Returns:
        The axes. The generations' stack tops at the headcount (or elite
        headcount) on the first of each month; the vacant posts
        (`vacancies`) above it reach the number of posts. The legend lists
        the generations, oldest first, the vacant posts and the purge,
        below the plot.
    """
    measure = "elite_by_generation" if elite else "headcount_by_generation"
    wide = measure_frame(timeseries, measure, GENERATIONS)
    vacancies = measure_frame(timeseries, "vacancies", RANKS).reindex(wide.index, fill_value=0.0)
    vacant = vacancies["elite"] if elite else vacancies.sum(axis=1)
    ax = ax if ax is not None else _new_axes(4.8)
    ax.stackplot(
        wide.index.to_numpy(),
        *wide.to_numpy().T,
        vacant.to_numpy(),
        labels=[GENERATION_LABELS[g] for g in GENERATIONS] + [VACANT_LABEL],
        colors=[GENERATION_COLORS[g] for g in GENERATIONS] + [VACANT_COLOR],
        edgecolor="white",
        linewidth=0.3,
    )
    ax.set_ylabel("elite posts" if elite else "posts")
    ax.set_ylim(0, max((wide.sum(axis=1) + vacant).max(), 1.0) * 1.08)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=_STEPS))
    _date_axis(ax, wide.index[0], wide.index[-1])
    shade_purge(ax, _purge_to_mark(timeseries, mark_purge), wide.index[0], wide.index[-1], over=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, frameon=False)
    ax.set_title(title if title is not None else ("Elite posts by generation" if elite else "Staff in post by generation"))
    return ax


def headcount_by_rank_and_posting(timeseries: pd.DataFrame, title: str | None = None, *, mark_purge: PurgeMark = True) -> Figure:
    """Headcount by rank (top panel) and by posting (bottom panel), on a shared dated axis.

    Lines rather than stacked areas, so that the dip of each group reads from
    zero: the missions abroad were purged first (mid-1936 to 1938), the
    Moscow headquarters in 1939 (F3).

    Args:
        timeseries: `Records.timeseries` of a single run.
        title: the figure title; a default is used if None.
        mark_purge: the purge to shade, as in `cohort_composition`.

    Returns:
        The figure, with two axes (by rank, by posting); each legend sits
        above its panel, to the right of the panel heading, the top one
        naming the purge.
    """
    panels = (
        ("headcount_by_rank", RANKS, RANK_COLORS, RANK_LABELS, ("-", "--", "-."), "By rank"),
        ("headcount_by_posting", POSTINGS, POSTING_COLORS, POSTING_LABELS, ("-", "--"), "By posting"),
    )
    frames = [measure_frame(timeseries, measure, groups) for measure, groups, *_ in panels]
    purge = _purge_to_mark(timeseries, mark_purge)
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
        shade_purge(ax, purge, wide.index[0], wide.index[-1], label=ax is axes[0])
        entries = len(ax.get_legend_handles_labels()[1])
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=entries, frameon=False, borderaxespad=0.2)
    _date_axis(axes[-1], frames[0].index[0], frames[0].index[-1])
    axes[0].tick_params(labelbottom=False)
    figure.suptitle(title if title is not None else "Headcount by rank and posting")
    return figure


def exits_by_reason(
    timeseries: pd.DataFrame, title: str | None = None, *, mark_purge: PurgeMark = True, enlarge: bool | None = None
) -> Figure:
    """Exits by reason in each year, as stacked bars, with the smaller reasons enlarged in a second panel.

    Top panel: people leaving the commissariat in each calendar year
    (`exits`), one bar per year and reason, the purged at the bottom so
    their bars read from zero; below the axis, in lighter colours of the
    same hues, people who had already left and died or were purged that
    year (`later_fates`). Tick labels are counts on both sides.

    Bottom panel (`enlarge`): the same bars of `SMALL_EXITS` alone
    (defections, deaths, retirements, transfers out), on their own scale.
    In 1937-39 the purge's arrests and dismissals run to hundreds a year
    and a year's defections (a handful) would be a hairline in the stack;
    a second panel keeps each reason a bar of readable height on a linear
    scale (a log scale would not stack). The legend, below the panels,
    serves both.

    A year the run covers only in part is a bar of its months, over those
    months.

    Args:
        timeseries: `Records.timeseries` of a single run.
        title: the figure title; a default is used if None.
        mark_purge: the purge to shade, as in `cohort_composition`.
        enlarge: draw the second panel; by default, when the run has any
            purged or dismissed exits (without them the top panel shows
            the small reasons at their own scale already).

    Returns:
        The figure: its axes are the panel of all exits and, if drawn, the
        enlarged one. Each reason's bars are one `BarContainer` labelled
        with the reason (`ax.containers`).
    """
    exits = measure_frame(timeseries, "exits", EXIT_ORDER)
    later = measure_frame(timeseries, "later_fates", LATER_FATE_ORDER).reindex(exits.index, fill_value=0.0)
    if enlarge is None:
        enlarge = bool(exits[["purged", "dismissed"]].to_numpy().sum() > 0)
    years = _years(exits.index)
    annual, fates = exits.groupby(exits.index.year).sum(), later.groupby(later.index.year).sum()
    start, end = exits.index[0], exits.index[-1] + pd.offsets.MonthBegin(1)
    purge = _purge_to_mark(timeseries, mark_purge)
    figure = Figure(figsize=(_WIDTH, 6.4 if enlarge else 4.6), layout="constrained")
    axes = list(np.atleast_1d(figure.subplots(2 if enlarge else 1, 1, sharex=True, height_ratios=[3, 2] if enlarge else None)))
    top = axes[0]
    _stacked_bars(top, years, annual[list(EXIT_ORDER)], EXIT_COLORS, EXIT_LABELS, sign=1)
    _stacked_bars(top, years, fates[list(LATER_FATE_ORDER)], EXIT_COLORS, LATER_FATE_LABELS, sign=-1, alpha=0.45)
    high = max(annual.sum(axis=1).max(), 1.0) * 1.1
    low = max(fates.sum(axis=1).max(), 1.0) * 1.15
    top.set_ylim(-low, high)
    top.axhline(0, color=_BLACK, linewidth=0.6)
    top.yaxis.set_major_locator(FixedLocator(_mirrored_ticks(high, low)))
    top.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{abs(y):g}"))
    top.set_ylabel("people per year\n(below zero: former staff)")
    if enlarge:
        top.set_title("All exits; below zero, those who had left and later died or were purged", loc="left", fontsize="medium")
        small = axes[1]
        _stacked_bars(small, years, annual[list(SMALL_EXITS)], EXIT_COLORS, EXIT_LABELS, sign=1, legend=False)
        small.set_ylim(0, max(annual[list(SMALL_EXITS)].sum(axis=1).max(), 1.0) * 1.15)
        small.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=_STEPS))
        small.set_ylabel("people per year")
        small.set_title("Enlarged: exits other than the purged and dismissed", loc="left", fontsize="medium")
    for ax in axes:
        shade_purge(ax, purge, start, end, label=ax is top)
    _year_axis(axes[-1], years, start, end)
    if enlarge:
        top.tick_params(labelbottom=False)
    handles, labels = top.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i].startswith("purge "))  # the reasons first, the purge last
    columns = 3 if max(len(label) for label in labels) <= 30 else 2  # a long purge label needs the width of two
    figure.legend(
        [handles[i] for i in order], [labels[i] for i in order], loc="outside lower center", ncols=columns, frameon=False
    )
    figure.suptitle(title if title is not None else "Exits by reason")
    return figure


def standard_figures(timeseries: pd.DataFrame, label: str = "", *, mark_purge: PurgeMark = True) -> dict[str, Figure]:
    """The standard figures of a run, keyed by name (the file name without extension, as `write_figures` writes it).

    Args:
        timeseries: `Records.timeseries` of a single run.
        label: what the run is, e.g. "the purge (hand-set), seed 1937"; added to every title.
        mark_purge: the purge to mark, as in `cohort_composition` (`purge_period(scenario)` for a scenario's own).

    Returns:
        Figures "cohort_composition", "cohort_composition_elite", "headcount" and "exits".
    """
    suffix = f" — {label}" if label else ""
    return {
        "cohort_composition": cohort_composition(
            timeseries, title=f"Staff in post by generation{suffix}", mark_purge=mark_purge
        ).figure,
        "cohort_composition_elite": cohort_composition(
            timeseries, True, title=f"Elite posts by generation{suffix}", mark_purge=mark_purge
        ).figure,
        "headcount": headcount_by_rank_and_posting(
            timeseries, title=f"Headcount by rank and posting{suffix}", mark_purge=mark_purge
        ),
        "exits": exits_by_reason(timeseries, title=f"Exits by reason{suffix}", mark_purge=mark_purge),
    }


def save_figures(
    timeseries: pd.DataFrame,
    directory: str | Path,
    label: str,
    formats: str | Iterable[str] | None = None,
    *,
    mark_purge: PurgeMark = True,
) -> list[Path]:
    """Write the standard figures of a run (PNG at 150 dpi, SVG, PDF).

    Args:
        timeseries: `Records.timeseries` of a single run.
        directory: where to write; created if missing (once the figures are drawn).
        label: what the run is, e.g. "historical, seed 1937"; added to every title.
        formats: file formats, as in `write_figures` (default: those of `sim.plots.formats.figure_formats`, PNG).
        mark_purge: the purge to mark, as in `cohort_composition`.

    Returns:
        The paths written: cohort_composition.png, cohort_composition_elite.png,
        headcount.png, exits.png (and the same names in each other format, figure by figure).
    """
    formats = check_formats(formats)  # before drawing: a bad format leaves nothing behind
    figures = standard_figures(timeseries, label, mark_purge=mark_purge)  # draw first: invalid input leaves no directory
    return write_figures(figures, directory, formats)


# Files


def write_figures(figures: Mapping[str, Figure], directory: str | Path, formats: str | Iterable[str] | None = None) -> list[Path]:
    """Write figures keyed by name as `directory`/NAME.FORMAT, each file atomically (sim.results.storage.replace_file).

    PNG at 150 dpi; SVG and PDF are vector files without a creation date,
    so that a figure drawn twice gives the same bytes. A figure's files in
    the formats not asked for are removed, so that the folder holds the
    latest figures only. A name ending in a format's extension
    ("exits.png", as older callers pass) stands for the name without it.

    Args:
        figures: the figures by name.
        directory: created if missing.
        formats: as in `sim.plots.formats.check_formats`; default: those of its `figure_formats` (PNG).

    Returns:
        The paths written, figure by figure, in the order of `formats`.

    Raises:
        ValueError: an unknown format.
        OutputError: a file cannot be written.
    """
    from sim.results.storage import replace_file

    formats = check_formats(formats)
    directory = Path(directory)
    paths = []
    for name, figure in figures.items():
        stem = _stem(name)
        for kind in formats:
            paths.append(replace_file(directory / f"{stem}.{kind}", lambda path, f=figure, k=kind: _savefig(f, path, k)))
        for kind in FIGURE_FORMATS:
            if kind not in formats:
                (directory / f"{stem}.{kind}").unlink(missing_ok=True)
    return paths


def _stem(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    return name[: -len(suffix) - 1] if suffix in FIGURE_FORMATS else name


def _savefig(figure: Figure, path: Path, kind: str) -> None:
    if kind == "png":
        figure.savefig(path, format="png", dpi=DPI)
        return
    metadata = {"Date": None} if kind == "svg" else {"CreationDate": None, "ModDate": None}
    with matplotlib.rc_context({"svg.hashsalt": "cadres"}):  # the ids of an SVG's elements: the same every time
        figure.savefig(path, format=kind, metadata=metadata)


# Drawing


def _new_axes(height: float) -> Axes:
    return Figure(figsize=(_WIDTH, height), layout="constrained").add_subplot()


def _years(dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Each calendar year of a monthly index: the first day of its first month in the run and of the month after its last."""
    frame = pd.DataFrame({"date": dates}, index=dates.year)
    first = frame.groupby(level=0)["date"].min()
    last = frame.groupby(level=0)["date"].max() + pd.offsets.MonthBegin(1)
    return pd.DataFrame({"start": first, "end": last})


def _stacked_bars(
    ax: Axes,
    years: pd.DataFrame,
    annual: pd.DataFrame,
    colors: Mapping[str, str],
    labels: Mapping[str, str],
    sign: int,
    alpha: float = 1.0,
    legend: bool = True,
) -> None:
    """One bar per year and column, stacked in column order, upwards (sign 1) or downwards (sign -1).

    Each bar spans 80% of the months of its year that the run covers, centred on them.
    """
    starts, ends = mdates.date2num(years["start"].to_numpy()), mdates.date2num(years["end"].to_numpy())
    centres, widths = (starts + ends) / 2, (ends - starts) * 0.8
    lower = np.zeros(len(years))
    for column in annual.columns:
        values = annual[column].reindex(years.index, fill_value=0.0).to_numpy()
        ax.bar(
            centres,
            sign * values,
            widths,
            bottom=sign * lower,
            color=colors[column],
            alpha=alpha,
            linewidth=0,
            label=labels[column] if legend else f"_{labels[column]}",
        )
        lower = lower + values


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


def _year_step(span_years: float) -> int:
    return 1 if span_years <= 10 else 2 if span_years <= 20 else 5


def _date_axis(ax: Axes, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Years on the x axis: labels every 1, 2 or 5 years by span, a minor tick every year."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    ax.set_xlim(start.to_datetime64(), end.to_datetime64())
    ax.xaxis.set_major_locator(mdates.YearLocator(_year_step((end - start).days / 365.25)))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _year_axis(ax: Axes, years: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Years under annual bars: each label centred under its bar (every 1, 2 or 5 years by span), minor ticks between years."""
    step = _year_step((end - start).days / 365.25)
    centres = (mdates.date2num(years["start"].to_numpy()) + mdates.date2num(years["end"].to_numpy())) / 2
    labelled = [centre for year, centre in zip(years.index, centres, strict=True) if year % step == 0]
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))
    ax.xaxis.set_major_locator(FixedLocator(labelled))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))
    ax.tick_params(axis="x", which="major", length=0)  # the label names the bar above it; the minor ticks part the years


def shade_purge(
    ax: Axes,
    purge: PurgePeriod | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    over: bool = False,
    label: bool | str = True,
) -> None:
    """Mark the purge's spans inside [start, end]: a light band behind lines and bars, or hatching over areas (`over`).

    The first span drawn carries the legend entry: `PurgePeriod.label` (True), the text given, or none (False).
    """
    if purge is None:
        return
    style = _HATCH if over else _BAND
    text = purge.label if label is True else label or "_purge"
    for begin, finish in purge.spans:
        if finish <= pd.Timestamp(start) or begin >= pd.Timestamp(end):
            continue
        begin, finish = max(begin, pd.Timestamp(start)), min(finish, pd.Timestamp(end))
        ax.axvspan(mdates.date2num(begin), mdates.date2num(finish), label=text, **style)
        text = "_purge"
