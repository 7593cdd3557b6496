"""Global sensitivity of the key outcomes to swept parameters (SALib).

Morris: mu* (mean absolute elementary effect on SALib's 4-level grid, in the
outcome's units) with its 95% bootstrap interval, and sigma (non-linearity
and interactions).
Sobol: first-order (S1) and total (ST) indices with 95% intervals.
Outcomes analysed: the purged share of the 1920s elite (F2), the month the
new generation becomes a majority (censored at the horizon), experience
capacity lost from 1937 (see sim.records.outcomes). Points that failed are left
out; an outcome with a failed point or no variation is not analysed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.ensemble import save_figure_files
from sim.experiments.sweep import SWEEP_OUTCOMES, Sweep, problem
from sim.records.outcomes import BY_NAME
from sim.results.storage import replace_file

_BAR, _SECOND = "#0072B2", "#E69F00"  # Okabe & Ito, as sim/plots/run_figures.py


def analyse(sweep: Sweep) -> pd.DataFrame:
    """Sensitivity indices: columns outcome, parameter, index, value, conf (one row per index)."""
    table = sweep.table
    names = [p.name for p in sweep.parameters]
    rows = []
    for outcome in SWEEP_OUTCOMES:
        if outcome not in table:
            continue
        y = table[outcome].to_numpy(float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue
        if sweep.method == "morris":
            from SALib.analyze import morris

            x = table[names].to_numpy(float)
            result = morris.analyze(problem(sweep.parameters), x, y, num_levels=4, seed=sweep.seed)
            indices = [("mu_star", "mu_star_conf"), ("sigma", None)]
        else:
            from SALib.analyze import sobol

            result = sobol.analyze(problem(sweep.parameters), y, calc_second_order=False, seed=sweep.seed)
            indices = [("ST", "ST_conf"), ("S1", "S1_conf")]
        for position, name in enumerate(names):
            for index, conf in indices:
                rows.append(
                    {
                        "outcome": outcome,
                        "parameter": name,
                        "index": index,
                        "value": float(result[index][position]),
                        "conf": float(result[conf][position]) if conf else np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=["outcome", "parameter", "index", "value", "conf"])


def ranked_bars(indices: pd.DataFrame, method: str, title: str = "") -> Figure:
    """One panel per outcome: parameters ranked by their main index, with 95% intervals."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    figure = Figure(figsize=(7.5, 2.2 * max(1, len(outcomes)) + 0.6), layout="constrained")
    axes = figure.subplots(max(1, len(outcomes)), 1, squeeze=False)[:, 0]
    main, second = ("mu_star", "sigma") if method == "morris" else ("ST", "S1")
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = indices[indices["outcome"] == outcome]
        first = rows[rows["index"] == main].sort_values("value")
        other = rows[rows["index"] == second].set_index("parameter").loc[first["parameter"]]
        positions = np.arange(len(first))
        ax.barh(positions + 0.2, first["value"], height=0.4, color=_BAR, xerr=first["conf"].fillna(0), label=main)
        ax.barh(positions - 0.2, other["value"], height=0.4, color=_SECOND, xerr=other["conf"].fillna(0), label=second)
        ax.set_yticks(positions, first["parameter"], fontsize="small")
        ax.set_title(BY_NAME[outcome].label, fontsize="small")
        if method == "morris":
            ax.set_xlabel("months" if BY_NAME[outcome].kind == "month" else "share (0-1)", fontsize="small")
        ax.axvline(0, color="#000000", linewidth=0.6)
        ax.legend(loc="lower right", fontsize="x-small", frameon=False)
    if not outcomes:
        axes[0].text(0.5, 0.5, "no outcome varied across the design", ha="center", transform=axes[0].transAxes)
    kind = "Morris mu* and sigma" if method == "morris" else "Sobol total (ST) and first-order (S1) indices"
    figure.suptitle(f"{title}\n{kind}, ranked; bars: 95% intervals".strip(), fontsize="medium")
    return figure


def save_sensitivity(sweep: Sweep, figure: bool = True, figure_formats=None) -> pd.DataFrame:
    """Analyse, write sensitivity.csv and (if `figure`) figures/sensitivity.png; return the indices.

    `figure_formats` ("png", "svg", "pdf" or several) chooses the figure's formats; None: those of the
    enclosing sim.plots.formats.figure_formats block (PNG outside one). An unknown format is a ValueError
    before anything is written.
    """
    from sim.plots.formats import check_formats

    kinds = check_formats(figure_formats)
    indices = analyse(sweep)
    replace_file(sweep.directory / "sensitivity.csv", lambda path: indices.to_csv(path, index=False))
    written = ["sensitivity.csv"]
    if figure:
        title = f"{sweep.scenario.title}: {len(sweep.points)} points x {sweep.replicates} replicates"
        written += save_figure_files({"sensitivity": ranked_bars(indices, sweep.method, title)}, sweep.directory, kinds)
    sweep.record_files(written)
    return indices


def format_indices(indices: pd.DataFrame, method: str) -> str:
    """The main index of each parameter per outcome, ranked, as plain text."""
    main = "mu_star" if method == "morris" else "ST"
    lines = []
    for outcome, rows in indices[indices["index"] == main].groupby("outcome", sort=False):
        lines.append(f"{BY_NAME[outcome].label}  ({main}, 95% interval)")
        for row in rows.sort_values("value", ascending=False).itertuples():
            lines.append(f"  {row.parameter:45s} {row.value:10.4g} +/- {row.conf:.2g}")
    return "\n".join(lines) if lines else "no outcome varied across the design"
