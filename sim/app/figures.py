"""The app's figures of a running model, redrawn every month: small, fast, on fixed axes.

Each function takes the model and returns a matplotlib `Figure` (made
without pyplot). The x axis spans the whole run from the first frame, so
the picture grows instead of rescaling while the model plays; colours and
labels are those of `sim.plots.run_figures` (the figures of `cadres run`), which draws
the publication versions of the same series after a run.

The series of the chosen run come from its engine's monthly records
(`sim.records.run_records.wide_series`); the comparison reads both models' Mesa
DataCollectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.model.categories import GENERATIONS, POSTINGS, RANKS
from sim.plots.run_figures import (
    EXIT_COLORS,
    EXIT_LABELS,
    EXIT_ORDER,
    GENERATION_COLORS,
    GENERATION_LABELS,
    POSTING_COLORS,
    POSTING_LABELS,
    PURGE_YEARS,
    RANK_COLORS,
    RANK_LABELS,
)
from sim.records.run_records import wide_series

if TYPE_CHECKING:
    from sim.app.model import AppModel
    from sim.mesa.turnover import TurnoverModel

WIDTH, PANEL = 6.4, 1.6  # inches: the figure's width and each panel's height (a figure's aspect fits SolaraViz's grid cell)
TITLE, AXIS, LEGEND_ROW = 0.45, 0.3, 0.2  # inches: above the panels, below them (tick labels), per legend row
CHOSEN, SECOND = ("-", "#000000"), ("--", "#D55E00")  # line style and colour: the chosen scenario, the comparison
PURGE_REASONS = ("purged", "dismissed", "defected")  # the purge's exits, stacked from zero (sim.plots.run_figures.EXIT_ORDER)
OTHER_EXITS, OTHER_COLOR = "other exits (died, retired, transferred out)", "#C8C8C8"


def monthly(model: TurnoverModel) -> pd.DataFrame:
    """The run's monthly stocks and flows so far, one column each (`sim.model.recorder`), indexed by fractional year.

    Read once per month and kept on the model until it steps (the three figures of a frame share it).
    """
    key = model.engine.month
    cached = model.__dict__.get("_app_monthly")
    if cached is not None and cached[0] == key:
        return cached[1]
    wide = wide_series(model.engine.recorder)
    wide.index = wide.index.year + (wide.index.month - 1) / 12
    model.__dict__["_app_monthly"] = (key, wide)
    return wide


def _years(model: TurnoverModel) -> tuple[float, float]:
    """The run's span on the x axis: the first of its first month to the end of its last."""
    scenario = model.scenario_config
    return scenario.start_month / 12, (scenario.end_month + 1) / 12


def _panels(rows: int, title: str, legend_rows: int, panel: float = PANEL) -> tuple[Figure, list[Axes]]:
    """A column of `rows` panels of height `panel` on one x axis under `title`, with room below for `legend_rows` of legend."""
    below = AXIS + LEGEND_ROW * legend_rows
    height = TITLE + panel * rows + below
    figure = Figure(figsize=(WIDTH, height))
    axes = list(np.atleast_1d(figure.subplots(rows, 1, sharex=True)))
    figure.subplots_adjust(left=0.09, right=0.98, top=1 - TITLE / height, bottom=below / height, hspace=0.35)
    figure.suptitle(title, x=0.09, y=1 - 0.08 / height, ha="left", va="top", fontsize="medium")
    return figure, axes


def _frame(ax: Axes, model: TurnoverModel, heading: str, purge: bool) -> None:
    """Fixed x axis over the whole run, a heading, the purge years shaded (F3, F9) where the run has a purge."""
    start, end = _years(model)
    ax.set_xlim(start, end)
    ax.set_title(heading, loc="left", fontsize="small")
    ax.tick_params(labelsize="small")
    if purge:
        begin, finish = (stamp.year + (stamp.month - 1) / 12 for stamp in PURGE_YEARS)
        if begin < end and finish > start:
            ax.axvspan(max(begin, start), min(finish, end), color="#8C8C8C", alpha=0.15, linewidth=0, zorder=0)


def _legend(figure: Figure, ax: Axes, columns: int) -> None:
    """The legend of `ax`'s artists, below the figure's panels."""
    figure.legend(*ax.get_legend_handles_labels(), loc="lower left", bbox_to_anchor=(0.07, 0.0), ncols=columns,
                  fontsize="small", frameon=False, columnspacing=1.2)  # fmt: skip


def _waiting(ax: Axes) -> None:
    ax.text(0.5, 0.5, "press Step or ▶", transform=ax.transAxes, ha="center", va="center", color="#8C8C8C")


def cohort_composition(model: TurnoverModel) -> Figure:
    """Staff in post and elite posts held, by generation: stacked areas, the oldest generation at the bottom."""
    wide = monthly(model)
    figure, axes = _panels(2, f"Cohort composition — {model.scenario_config.title}", legend_rows=2)
    posts = model.engine.posts
    capacity = (posts.count, int(np.count_nonzero(posts.rank == RANKS.index("elite"))))
    purge = model.scenario_config.purge.enabled
    for ax, ranks, heading, top in zip(axes, (RANKS, ("elite",)), ("All staff", "Elite posts"), capacity, strict=True):
        _frame(ax, model, heading, purge)
        ax.set_ylim(0, max(top, 1) * 1.05)
        if wide.empty:
            _waiting(ax)
            continue
        stacks = [sum(wide[f"staff:{rank}:{generation}"] for rank in ranks).to_numpy() for generation in GENERATIONS]
        ax.stackplot(
            wide.index.to_numpy(),
            stacks,
            labels=[GENERATION_LABELS[g] for g in GENERATIONS],
            colors=[GENERATION_COLORS[g] for g in GENERATIONS],
            linewidth=0,
        )
    if not wide.empty:
        _legend(figure, axes[0], columns=2)
    return figure


def headcount(model: TurnoverModel) -> Figure:
    """Staff in post by rank (top) and by posting (bottom), as lines."""
    wide = monthly(model)
    figure, axes = _panels(2, "Headcount by rank and posting", legend_rows=1)
    purge = model.scenario_config.purge.enabled
    rows = (
        ("By rank", RANKS, RANK_COLORS, RANK_LABELS, {r: [f"staff:{r}:{g}" for g in GENERATIONS] for r in RANKS}),
        ("By posting", POSTINGS, POSTING_COLORS, POSTING_LABELS, {p: [f"posting:{p}"] for p in POSTINGS}),
    )
    for ax, (heading, groups, colors, labels, columns) in zip(axes, rows, strict=True):
        _frame(ax, model, heading, purge)
        if wide.empty:
            _waiting(ax)
            continue
        lines = {group: wide[columns[group]].sum(axis=1).to_numpy() for group in groups}
        for group, values in lines.items():
            ax.plot(wide.index.to_numpy(), values, color=colors[group], label=labels[group])
        ax.set_ylim(0, max(max(values.max() for values in lines.values()), 1) * 1.15)
        ax.legend(
            loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(groups), fontsize="x-small", frameon=False, borderaxespad=0.1
        )
    return figure


def purge_exits(model: TurnoverModel) -> Figure:
    """Monthly exits, the purge's reasons stacked from zero and the others above them (top); the purged so far (bottom)."""
    wide = monthly(model)
    figure, axes = _panels(2, "The purge's exits", legend_rows=2)
    purge = model.scenario_config.purge.enabled
    _frame(axes[0], model, "Exits a month, by reason", purge)
    _frame(axes[1], model, "Purged in service, so far", purge)
    if wide.empty:
        for ax in axes:
            _waiting(ax)
        return figure
    edges = np.append(wide.index.to_numpy(), wide.index[-1] + 1 / 12)
    others = [reason for reason in EXIT_ORDER if reason not in PURGE_REASONS]
    layers = [(wide[f"exit:{reason}"].to_numpy(), EXIT_COLORS[reason], EXIT_LABELS[reason]) for reason in PURGE_REASONS]
    layers.append((wide[[f"exit:{reason}" for reason in others]].sum(axis=1).to_numpy(), OTHER_COLOR, OTHER_EXITS))
    lower = np.zeros(len(wide))
    for values, color, label in layers:
        upper = lower + values
        # step="post" holds each month's count to the next month; the last is repeated to reach the final edge
        axes[0].fill_between(
            edges, np.append(lower, lower[-1]), np.append(upper, upper[-1]), step="post", color=color, linewidth=0, label=label
        )
        lower = upper
    axes[0].set_ylim(0, max(lower.max(), 1) * 1.1)
    _legend(figure, axes[0], columns=3)
    purged = wide["exit:purged"].cumsum().to_numpy()
    axes[1].plot(edges[1:], purged, color=EXIT_COLORS["purged"])
    axes[1].set_ylim(0, max(purged.max(), 1) * 1.1)
    return figure


def _reporters(model: TurnoverModel) -> pd.DataFrame:
    frame = model.datacollector.get_model_vars_dataframe()
    dates = frame["date"].str.split("-", expand=True).astype(int)
    return frame.set_index(dates[0] + (dates[1] - 1) / 12)


def comparison(model: AppModel) -> Figure:
    """The chosen scenario (solid) and the comparison (dashed) on the same seed: the new generation's shares, the purged."""
    other = model.comparison
    figure, axes = _panels(
        3, f"Side by side on common random numbers (seed {model.seed_used})", legend_rows=1, panel=PANEL * 2 / 3
    )
    runs = [(model, CHOSEN, model.scenario_name)] + ([(other, SECOND, model.comparison_name)] if other else [])
    purge = model.scenario_config.purge.enabled or bool(other and other.scenario_config.purge.enabled)
    panels = (
        ("new_generation_share", "New generation, share of all staff", 1.0),
        ("elite_new_generation_share", "New generation, share of elite posts", 1.0),
        ("purged", "Purged in service, so far", None),
    )
    frames = [(_reporters(run), style, name) for run, style, name in runs]
    for ax, (column, heading, top) in zip(axes, panels, strict=True):
        _frame(ax, model, heading, purge)
        for frame, (style, color), name in frames:
            ax.plot(frame.index.to_numpy(), frame[column].to_numpy(dtype=float), linestyle=style, color=color, label=name)
        ax.set_ylim(0, top or max(max(frame[column].max() for frame, _, _ in frames), 1) * 1.1)
    if other is None:
        axes[0].text(0.5, 0.5, "choose a scenario to compare with", transform=axes[0].transAxes, ha="center", color="#8C8C8C")
    _legend(figure, axes[0], columns=2)
    return figure
