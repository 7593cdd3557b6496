"""Writing what a calibration found: tables, the fit figure and report, the calibrated scenario.

Every file is written whole or not at all (a temporary file beside it,
then a rename: `sim.results.storage.replace_file`). Figures use matplotlib's object API (no pyplot), so nothing here opens a
window or touches global figure state.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure
from tqdm import tqdm

from calibration.measures import COUNT, DECIMAL_YEAR, MONTHS, SHARE, YEARS_OF_AGE
from calibration.outputs import GENERATED_BY
from calibration.parameters import CalibrationProblem
from calibration.posterior import fit_table, posterior_samples, predictive, summarize
from calibration.targets import Target
from sim.results.storage import replace_file, replace_text
from sim.scenario.config import AbcSettings

if TYPE_CHECKING:
    import pyabc


GROUPS = {"documented": "Documented figures", "pattern": "Patterns"}  # in the order they are shown
USES = {"distance": "distance", "check": "check-only"}
_WHOLE_UNITS = (COUNT, MONTHS, YEARS_OF_AGE)


def number_text(value: float, unit: str = SHARE) -> str:
    """Shares and ratios to three decimals, decimal years to two, counts, months and ages to one."""
    if unit in _WHOLE_UNITS:
        return f"{value:.1f}"
    return f"{value:.2f}" if unit == DECIMAL_YEAR or abs(value) >= 100 else f"{value:.3f}"


def _figures(ids: pd.Series) -> str:
    """The span of figure ids of some targets: "F1–F4", or "F6" for one."""
    numbers = sorted({int(str(target_id).split(".")[0].removeprefix("F")) for target_id in ids})
    return f"F{numbers[0]}" if len(numbers) == 1 else f"F{numbers[0]}–F{numbers[-1]}"


def groups(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The fit table's rows by group, documented figures first: (heading, rows), e.g. ("Patterns (F4–F9)", rows)."""
    return [
        (f"{title} ({_figures(rows['id'])})", rows)
        for group, title in GROUPS.items()
        if len(rows := table[table["group"] == group])
    ]


def _inside_counts(table: pd.DataFrame) -> str:
    """How many targets have their simulated median inside the band; by use when some are check-only."""
    inside = int(table["inside"].sum())
    line = f"{inside} of {len(table)} targets have their simulated median inside the band"
    if (table["use"] == "distance").all():
        return line + "."
    parts = [
        f"{int(rows['inside'].sum())} of {len(rows)} {'in the distance' if use == 'distance' else USES[use]}"
        for use in USES
        if len(rows := table[table["use"] == use])
    ]
    return f"{line}: {', '.join(parts)}."


def format_fit(table: pd.DataFrame) -> str:
    """The fit table as aligned text, by group: documented value, band, simulated median and 90% interval, use."""
    width = max(28, *(len(str(target_id)) for target_id in table["id"]))
    header = f"{'target':<{width}} {'documented':>10} {'band':>19} {'median':>8} {'90% interval':>19}  inside  use"
    lines: list[str] = []
    for heading, rows in groups(table):
        lines += [heading, header]
        for row in rows.itertuples(index=False):
            band = f"[{number_text(row.band_lo, row.unit)}, {number_text(row.band_hi, row.unit)}]"
            interval = f"[{number_text(row.lo_90, row.unit)}, {number_text(row.hi_90, row.unit)}]"
            verdict = "yes" if row.inside else "NO"
            lines.append(
                f"{row.id:<{width}} {number_text(row.documented, row.unit):>10} {band:>19} "
                f"{number_text(row.median, row.unit):>8} "
                f"{interval:>19}  {verdict:<6}  {USES[row.use]}"
            )
        lines.append("")
    lines.append(_inside_counts(table))
    return "\n".join(lines)


def fit_json(table: pd.DataFrame) -> dict:
    """The fit table as plain JSON: {"targets": [{id, group, use, documented, band, median, interval, inside}]}."""
    return {
        "targets": [
            {
                "id": str(row.id),
                "group": str(row.group),
                "use": str(row.use),
                "documented": float(row.documented),
                "band": [float(row.band_lo), float(row.band_hi)],
                "median": float(row.median),
                "interval": [float(row.lo_90), float(row.hi_90)],
                "inside": bool(row.inside),
            }
            for row in table.itertuples(index=False)
        ]
    }


def fit_figure(table: pd.DataFrame, simulated: pd.DataFrame, title: str) -> Figure:
    """Each target's band (grey), documented value (black) and simulated distribution (box), one panel per unit."""
    panels = [(rows, unit) for unit, rows in table.groupby("unit", sort=False)]
    figure = Figure(figsize=(8, 0.42 * len(table) + 0.5 + 0.9 * len(panels)), layout="constrained")
    axes = figure.subplots(len(panels), 1, height_ratios=[max(len(rows), 1) for rows, _ in panels], squeeze=False)[:, 0]
    for ax, (rows, unit) in zip(axes, panels, strict=True):
        for position, row in enumerate(rows.itertuples(index=False)):
            ax.barh(position, max(row.band_hi - row.band_lo, 1e-3), left=row.band_lo, height=0.6, color="0.85")
            ax.plot([row.documented], [position], marker="|", markersize=14, color="black")
        ax.boxplot(
            [simulated[target_id].dropna().to_numpy() for target_id in rows["id"]],
            positions=range(len(rows)),
            orientation="horizontal",
            widths=0.35,
            whis=(5, 95),
            showfliers=False,
        )
        labels = [f"{row.id} (check)" if row.use == "check" else row.id for row in rows.itertuples(index=False)]
        ax.set_yticks(range(len(rows)), labels)
        ax.invert_yaxis()
        ax.set_xlabel(unit)
    axes[0].set_title(
        f"{title}\ngrey: band; black bar: documented; box: simulated (whiskers 5-95%)\n"
        "(check): a check-only target, not in the distance",
        fontsize=9,
    )
    return figure


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(round(float(value), 6)) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _leaf_of(tree: dict, key: str) -> tuple[str, object]:
    """The dotted key of a prior's first table level below which lists start, and its value."""
    parts = key.split(".")
    node: object = tree
    for depth, part in enumerate(parts):
        if isinstance(node, list):
            return ".".join(parts[:depth]), node
        node = node[part]  # type: ignore[index]
    return key, node


def calibrated_scenario_text(
    tree: dict, priors_keys: Sequence[str], name: str, extends: str, summary: pd.DataFrame, source: str
) -> str:
    """A scenario file setting each calibrated key to its posterior median, on top of `extends`."""
    lines = [
        f"{GENERATED_BY}{source}`: do not edit by hand.",  # how `cadres calibrate` knows the file is its own
        "# The free parameters at their posterior medians (ABC-SMC on the targets",
        "# in the distance of calibration/targets.toml); 90% credible intervals in",
        f"# calibration/posteriors/{name}/summary.csv. Every other parameter is",
        f"# as in {extends}.",
        f"extends = {json.dumps(extends)}",
        f"name = {json.dumps(Path(source).stem + '_calibrated')}",
        "",
    ]
    written: set[str] = set()
    for key in priors_keys:
        dotted, value = _leaf_of(tree, key)
        if dotted in written:
            continue
        written.add(dotted)
        lines.append(f"{dotted} = {_toml_value(value)}")
    lines.append("")
    lines.append("# posterior summary: median [5%, 95%]")
    for row in summary.itertuples(index=False):
        lines.append(f"#   {row.parameter} = {row.median:.4g} [{row.lower_90:.4g}, {row.upper_90:.4g}]  ({row.prior})")
    return "\n".join(lines) + "\n"


def replace_section(path: Path, name: str, body: str) -> None:
    """Put `body` in report `path` as its section `name`: in place of the one written before, or at the end.

    The section lies between two comment lines naming it, so that other commands' sections around it are kept.
    """
    begin, end = f"<!-- begin: {name} -->\n", f"<!-- end: {name} -->\n"
    text = path.read_text()
    if begin in text and end in text.split(begin, 1)[1]:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1]
    else:
        before, after = text.rstrip("\n") + "\n\n", ""
    replace_text(path, before + begin + body.rstrip("\n") + "\n" + end + after)


def write_report(directory: Path, summary: pd.DataFrame, table: pd.DataFrame, facts: dict, targets: Sequence[Target]) -> None:
    """report.md (written whole or not at all): what was run, the parameter summary and the fit table."""
    notes = {target.id: target.note for target in targets}
    lines = [f"# Calibration of {facts['scenario']}", ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    lines += [
        "",
        "## Parameters (posterior median and 90% credible interval)",
        "",
        "| parameter | prior | median | 90% CI | keys |",
        "|---|---|---|---|---|",
    ]
    for row in summary.itertuples(index=False):
        lines.append(
            f"| {row.parameter} | {row.prior} | {row.median:.4g} | [{row.lower_90:.4g}, {row.upper_90:.4g}] | {row.keys} |"
        )
    lines += [
        "",
        "## Fit: posterior-predictive distribution against the documented figures and patterns",
        "",
        "Targets in the distance were fitted by ABC; check-only targets were not, and are measured in the same runs.",
        "",
        "![fit](fit.png)",
    ]
    for heading, rows in groups(table):
        lines += ["", f"### {heading}", ""]
        lines += [
            "| target | use | documented | band | median | 90% interval | inside | how measured |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in rows.itertuples(index=False):
            lines.append(
                f"| {row.id} | {USES[row.use]} | {row.documented:.4g} | [{row.band_lo:.4g}, {row.band_hi:.4g}] | "
                f"{row.median:.4g} | [{row.lo_90:.4g}, {row.hi_90:.4g}] | {'yes' if row.inside else 'no'} | {notes[row.id]} |"
            )
    lines += ["", _inside_counts(table)]
    replace_text(directory / "report.md", "\n".join(lines) + "\n")


def write_results(
    directory: Path,
    history: pyabc.History,
    problem: CalibrationProblem,
    targets: list[Target],
    settings: AbcSettings,
    facts: dict,
    started: float,
) -> pd.DataFrame:
    """Write the posterior, its predictive runs, the fit and the report, each file whole; print them; return the summary.

    `facts` (what was run, for run.json and report.md) gets the wall time since `started` (time.monotonic), unless
    it holds one (that of the invocation that computed the inference being reported).
    """
    samples = posterior_samples(history, problem)
    summary = summarize(samples, problem)
    with tqdm(total=settings.predictive_draws, desc="posterior predictive", unit="run", file=sys.stderr, leave=False) as bar:
        simulated = predictive(
            problem,
            samples,
            targets,
            settings.predictive_draws,
            facts["seed"],
            facts["workers"],
            lambda done: bar.update(done - bar.n),
        )
    table = fit_table(simulated, targets)
    for name, frame in {"posterior": samples, "summary": summary, "predictive": simulated, "fit": table}.items():
        replace_file(directory / f"{name}.csv", lambda path, frame=frame: frame.to_csv(path, index=False))
    replace_text(directory / "fit.json", json.dumps(fit_json(table), indent=2) + "\n")
    figure = fit_figure(table, simulated, f"{problem.scenario.name}: posterior predictive ({settings.predictive_draws} runs)")
    replace_file(directory / "fit.png", lambda path: figure.savefig(path, dpi=120, format="png"))
    if facts.get("wall time of this invocation (s)") is None:  # a report of an earlier inference keeps its time
        facts["wall time of this invocation (s)"] = round(time.monotonic() - started, 1)
    write_report(directory, summary, table, facts, targets)
    replace_text(directory / "run.json", json.dumps(facts, indent=2) + "\n")
    print(summary.to_string(index=False, float_format=lambda value: f"{value:.4g}"))
    print(format_fit(table))
    print("\n".join(f"{key}: {value}" for key, value in facts.items()))
    return summary
