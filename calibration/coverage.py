"""Does the calibration recover the truth? A coverage check of the ABC pipeline (simulation-based calibration).

For each of K synthetic truths θ_k drawn from the scenario's priors, the
model is run once at θ_k, the virtual historian records its targets, and
ABC-SMC calibrates against those targets as it does against the sources:
each target keeps its use, fit and band width, with the band centred on
the simulated value. If the pipeline is sound, the truth falls inside the
posterior's 50% and 90% central credible intervals of about half and nine
tenths of the truths, and its weighted rank among the posterior particles
(the posterior weight below it) is uniform on [0, 1] (Talts et al. 2018,
arXiv:1804.06788). Coverage below nominal means intervals too narrow (the
inference claims more than it knows); above nominal, too wide (ABC's
tolerance widens the posterior, so some excess is expected). The width of
the intervals against the prior's says what the targets identify.

Everything about truth k comes from `SeedSequence(seed, spawn_key=(k, ...))`:
its parameter values, the run that makes its data and the seed of its
inference, whose posterior depends on that seed alone (calibration/sampler.py).
A check is therefore a function of its seed and settings, whichever truths
were computed in which invocation and on how many workers.
`calibration/coverage_commands.py` runs it (`cadres coverage`) and writes it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.abc import run_abc
from calibration.parameters import CalibrationProblem
from calibration.posterior import effective_sample_sizes, posterior_samples, weighted_quantile
from calibration.simulate import simulate_targets
from calibration.targets import Target, in_distance
from sim.scenario.config import AbcSettings, Prior

IDENTIFIED, WEAKLY = 0.6, 0.85  # mean 90% width / prior range on the sampling scale; the prior's own 90% interval: 0.9
LEVELS = (0.5, 0.9)  # central credible intervals checked
FEW_PARTICLES = 10  # a mean effective sample size of the final generation below it is pointed out
BINOMIAL_RANGE = 0.9  # the spread of a share inside an interval that chance allows, among K truths
STAMP = "coverage.json"
TABLE = "coverage.csv"
REPORT = "coverage.md"
FIGURE = "ranks.png"
TRUTHS = "truths"  # one JSON per finished truth


@dataclass(frozen=True)
class CoverageSettings:
    """What a coverage check computes: the seed and the budget of each truth's inference."""

    seed: int
    abc: AbcSettings  # the scenario's settings, scaled down

    def truth_seed(self, truth: int, purpose: int) -> np.random.SeedSequence:
        """The seed of one part of truth `truth`: 0 its parameters, 1 the run of its data, 2 its inference."""
        return np.random.SeedSequence(self.seed, spawn_key=(truth, purpose))


def draw_truth(problem: CalibrationProblem, settings: CoverageSettings, truth: int) -> dict[str, float]:
    """Parameter values drawn from the priors (uniform on the sampling scale: the log for log-uniform priors)."""
    rng = np.random.default_rng(settings.truth_seed(truth, 0))
    values = {}
    for name, prior in problem.priors.items():
        low, high = _scaled(prior, prior.low), _scaled(prior, prior.high)
        drawn = float(rng.uniform(low, high))
        values[name] = math.exp(drawn) if prior.distribution == "loguniform" else drawn
    return values


def synthetic_targets(targets: Sequence[Target], simulated: dict[str, float]) -> list[Target]:
    """The targets with the simulated values as documented, each band of the same width centred on it.

    A target whose simulated value is missing (NaN: an empty population) is left out.
    """
    made = []
    for target in targets:
        value = float(simulated[target.id])
        if math.isnan(value):
            continue
        half = (target.band[1] - target.band[0]) / 2
        fields = target.model_dump() | {"documented": value, "band": (value - half, value + half)}
        made.append(Target.model_validate(fields | {"source": "simulated at a synthetic truth", "note": ""}))
    return made


def weighted_rank(values: np.ndarray, weights: np.ndarray, truth: float) -> float:
    """The posterior weight below the truth (ties count half), in [0, 1]: uniform over truths if the posterior is right."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    below = weights[values < truth].sum() + 0.5 * weights[values == truth].sum()
    return float(below / weights.sum())


def _scaled(prior: Prior, value: float) -> float:
    """A value on the prior's sampling scale (the log for a log-uniform prior), where the prior is uniform."""
    return math.log(value) if prior.distribution == "loguniform" else value


def interval_summary(values: np.ndarray, weights: np.ndarray, truth: float, prior: Prior) -> dict[str, float | bool]:
    """One parameter of one truth: rank, median, the central intervals, whether they hold the truth, and their widths.

    A width is relative to the prior's range on its sampling scale (the prior's own 90% interval: 0.9).
    """
    row: dict[str, float | bool] = {"value": truth, "rank": weighted_rank(values, weights, truth)}
    row["median"] = weighted_quantile(values, weights, 0.5)
    span = _scaled(prior, prior.high) - _scaled(prior, prior.low)
    for level in LEVELS:
        percent = round(100 * level)
        lower = weighted_quantile(values, weights, (1 - level) / 2)
        upper = weighted_quantile(values, weights, (1 + level) / 2)
        row[f"lower_{percent}"], row[f"upper_{percent}"] = lower, upper
        row[f"inside_{percent}"] = bool(lower <= truth <= upper)
        row[f"width_{percent}"] = (_scaled(prior, upper) - _scaled(prior, lower)) / span
    return row


def calibrate_truth(
    problem: CalibrationProblem, targets: Sequence[Target], settings: CoverageSettings, truth: int, work: Path, workers: int
) -> dict:
    """Draw truth `truth`, simulate its data, calibrate against them; the record stored for it (JSON-ready).

    The pyabc database goes to `work` (a file path) and is deleted once the posterior is read.
    """
    started = time.monotonic()
    values = draw_truth(problem, settings, truth)
    scenario = problem.build(values)
    simulated = simulate_targets(scenario, settings.truth_seed(truth, 1), targets)
    made = synthetic_targets(in_distance(targets), simulated)
    seed = int(settings.truth_seed(truth, 2).generate_state(1)[0])
    work.unlink(missing_ok=True)  # an inference a kill interrupted starts over
    history = run_abc(problem, made, settings.abc, work, workers, progress=False, seed=seed)
    samples = posterior_samples(history, problem)
    populations = history.get_all_populations().query("t >= 0")
    record = {
        "truth": truth,
        "values": values,
        "targets": [target.id for target in made],
        "generations": int(history.n_populations),
        "simulations": int(history.total_nr_simulations),
        "effective_sample_size": effective_sample_sizes(history)[-1],
        "by_generation": {  # diagnostics: epsilon, simulations and effective sample size of each generation
            "epsilon": populations["epsilon"].tolist(),
            "simulations": populations["samples"].astype(int).tolist(),
            "effective_sample_size": effective_sample_sizes(history),
        },
        "particles": {column: samples[column].tolist() for column in samples.columns},
        "seconds": round(time.monotonic() - started, 1),
        "workers": workers,
    }
    work.unlink(missing_ok=True)
    return record


def truth_rows(record: dict, problem: CalibrationProblem) -> list[dict]:
    """The rows of `coverage.csv` for one stored truth: one per parameter."""
    weights = np.asarray(record["particles"]["weight"], float)
    rows = []
    for name, prior in problem.priors.items():
        values = np.asarray(record["particles"][name], float)
        summary = interval_summary(values, weights, record["values"][name], prior)
        rows.append({"truth": record["truth"], "parameter": name, **summary})
        rows[-1] |= {key: record[key] for key in ("effective_sample_size", "generations", "simulations")}
    return rows


def read_truth(path: Path) -> dict | None:
    """A stored truth, or None if the file is missing or unreadable (it is computed again)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "particles" in record else None


def binomial_range(truths: int, level: float) -> tuple[int, int]:
    """The counts of truths inside a `level` interval that chance allows (central BINOMIAL_RANGE of Binomial(K, level))."""
    from scipy.stats import binom

    low, high = binom.interval(BINOMIAL_RANGE, truths, level)
    return int(low), int(high)


def verdict(width_90: float) -> str:
    """Whether the targets identify a parameter, from its mean 90% interval relative to the prior's range."""
    if width_90 < IDENTIFIED:
        return "identified"
    return "weakly identified" if width_90 < WEAKLY else "not identified"


def coverage_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter (in the table's order): the shares of truths inside each interval, the mean widths, the verdict."""
    grouped = table.groupby("parameter", sort=False)
    summary = pd.DataFrame(
        {
            "truths": grouped.size(),
            "inside_50": grouped["inside_50"].mean(),
            "inside_90": grouped["inside_90"].mean(),
            "width_50": grouped["width_50"].mean(),
            "width_90": grouped["width_90"].mean(),
        }
    )
    summary["verdict"] = summary["width_90"].map(verdict)
    return summary.reset_index()


def _bins(truths: int) -> int:
    return max(2, min(10, round(math.sqrt(truths))))


def rank_figure(table: pd.DataFrame, title: str):
    """Rank histograms, one small panel per parameter, with the uniform count and chance's range around it."""
    from matplotlib.figure import Figure
    from scipy.stats import binom

    names = list(dict.fromkeys(table["parameter"]))
    truths = int(table["truth"].nunique())
    bins = _bins(truths)
    columns = min(6, len(names))
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(2.2 * columns, 1.9 * rows + 0.5), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True)
    low, high = binom.interval(BINOMIAL_RANGE, truths, 1 / bins)
    for ax, name in zip(axes.flat, names, strict=False):
        ranks = table.loc[table["parameter"] == name, "rank"]
        ax.axhspan(low, high, color="0.9", zorder=0)
        ax.hist(ranks, bins=bins, range=(0, 1), color="tab:blue", edgecolor="white")
        ax.axhline(truths / bins, color="black", linewidth=1)
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    figure.suptitle(f"{title}: ranks of {truths} truths (line: uniform; grey: {BINOMIAL_RANGE:.0%} range)", fontsize=9)
    return figure


def _reading(summary: pd.DataFrame, truths: int, effective: float, population: int) -> str:
    """One paragraph: each interval's coverage against its nominal level and what chance allows among K truths."""
    parts = []
    for level in LEVELS:
        percent = round(100 * level)
        low, high = binomial_range(truths, level)
        counts = (summary[f"inside_{percent}"] * truths).round().astype(int)
        under = summary.loc[counts < low, "parameter"].tolist()
        over = summary.loc[counts > high, "parameter"].tolist()
        inside = len(summary) - len(under) - len(over)
        text = (
            f"The {percent}% intervals should hold the truth {percent}% of the time: with {truths} truths, chance "
            f"allows {low}–{high} of {truths} ({BINOMIAL_RANGE:.0%} binomial range); {inside} of {len(summary)} "
            "parameters are in that range"
        )
        if under:
            text += f", {len(under)} below it (intervals too narrow: {', '.join(under)})"
        if over:
            text += f", {len(over)} above it (too wide, as ABC's tolerance makes them: {', '.join(over)})"
        parts.append(text + ".")
    if effective < FEW_PARTICLES:
        parts.append(
            f"The final generations rest on few particles (an effective sample size of {effective:.1f} of {population} "
            "on average): intervals drawn from them are too narrow, whatever the data identify."
        )
    identified = summary.loc[summary["verdict"] == "identified", "parameter"].tolist()
    parts.append(
        f"The targets identify {len(identified)} of {len(summary)} parameters"
        + (f" ({', '.join(identified)})." if identified else ".")
    )
    return " ".join(parts)


def coverage_section(directory: Path | str, figure: str = FIGURE) -> str:
    """The coverage check stored in `directory` as a Markdown section (for coverage.md and the calibration report).

    Args:
        directory: where `cadres coverage` wrote it.
        figure: the rank histograms' link, relative to the page the section goes into (e.g. "coverage/ranks.png").
    """
    directory = Path(directory)
    stamp = json.loads((directory / STAMP).read_text())
    table = pd.read_csv(directory / TABLE)
    summary = coverage_summary(table)
    truths = int(table["truth"].nunique())
    per_truth = table.drop_duplicates("truth")
    settings = stamp["settings"]
    command = f"cadres coverage {stamp['scenario']} --truths {truths} {stamp['options']}"
    lines = [
        "## Coverage of the calibration (simulation-based calibration)",
        "",
        f"{truths} synthetic truth{'s' if truths != 1 else ''} drawn from the priors; for each, the model's targets at "
        "the truth (bands of the real targets' widths, centred on the simulated values) calibrated by ABC-SMC with "
        f"population {settings['population_size']}, at most {settings['max_generations']} generations and a budget of "
        f"{settings['max_simulations']:,} simulations (shared histories: {settings['shared_histories'] or 'none'}); "
        f"seed {stamp['seed']}. Per truth, on average: {per_truth['generations'].mean():.1f} generations, "
        f"{per_truth['simulations'].mean():,.0f} simulations, an effective sample size of "
        f"{per_truth['effective_sample_size'].mean():.1f} in the final generation.",
        "",
        f"Reproduce: `{command}`",
        "",
        f"Rule: *identified* if the mean 90% interval is below {IDENTIFIED} of the prior's range, *weakly identified* "
        f"below {WEAKLY}, else *not identified* (the prior's own 90% interval is 0.9 of its range; widths on the "
        "sampling scale, the log for log-uniform priors).",
        "",
        "| parameter | inside 50% | inside 90% | mean 50% width | mean 90% width | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples(index=False):
        inside_50, inside_90 = round(row.inside_50 * truths), round(row.inside_90 * truths)
        lines.append(
            f"| {row.parameter} | {inside_50}/{truths} ({row.inside_50:.0%}) | {inside_90}/{truths} ({row.inside_90:.0%}) "
            f"| {row.width_50:.2f} | {row.width_90:.2f} | {row.verdict} |"
        )
    reading = _reading(summary, truths, per_truth["effective_sample_size"].mean(), settings["population_size"])
    lines += ["", reading, "", f"![ranks]({figure})"]
    return "\n".join(lines) + "\n"
