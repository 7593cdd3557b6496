"""The posterior: samples, weighted summaries, posterior-predictive draws.

Everything here reads the pyabc history (the SQLite database) of a finished
or interrupted calibration; nothing runs the inference itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyabc

from calibration.abc import natural_values
from calibration.parameters import CalibrationProblem
from calibration.simulate import simulate_many
from calibration.targets import Target

LOWER, UPPER = 0.05, 0.95  # the 90% credible / predictive interval


def weighted_quantile(values: np.ndarray, weights: np.ndarray, quantile: float) -> float:
    """Quantile of weighted samples (the inverse of the weighted empirical CDF, midpoint rule)."""
    order = np.argsort(values)
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return float(np.interp(quantile, cumulative, values))


def posterior_samples(history: pyabc.History, problem: CalibrationProblem) -> pd.DataFrame:
    """The last generation's particles on the scenario's scale: one column per parameter, plus `weight`."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    samples = pd.DataFrame([natural_values(problem, row) for _, row in frame.iterrows()], columns=problem.names)
    samples["weight"] = np.asarray(weights, float) / np.sum(weights)
    return samples


def effective_sample_sizes(history: pyabc.History) -> list[float]:
    """Kish's effective sample size, 1 / sum(w^2) of the normalised weights, of every generation in turn.

    A generation far below its population size was carried by a few
    particles: its credible intervals are too narrow.
    """
    sizes = []
    for generation in range(history.max_t + 1):
        _, weights = history.get_distribution(m=0, t=generation)
        weights = np.asarray(weights, float) / np.sum(weights)
        sizes.append(round(float(1.0 / np.sum(weights**2)), 1))
    return sizes


def summarize(samples: pd.DataFrame, problem: CalibrationProblem) -> pd.DataFrame:
    """Per parameter: prior range, posterior median and 90% credible interval."""
    weights = samples["weight"].to_numpy()
    rows = []
    for name, prior in problem.priors.items():
        values = samples[name].to_numpy()
        rows.append(
            {
                "parameter": name,
                "keys": ", ".join(prior.keys),
                "prior": f"{prior.distribution}({prior.low:g}, {prior.high:g})",
                "median": weighted_quantile(values, weights, 0.5),
                "lower_90": weighted_quantile(values, weights, LOWER),
                "upper_90": weighted_quantile(values, weights, UPPER),
            }
        )
    return pd.DataFrame(rows)


def predictive(
    problem: CalibrationProblem,
    samples: pd.DataFrame,
    targets: Sequence[Target],
    draws: int,
    seed: int,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Posterior-predictive target values: `draws` particles (by weight), one run each.

    Particles and run seeds both come from one SeedSequence(seed), so the
    result does not depend on the number of workers.
    """
    particle_seed, *run_seeds = np.random.SeedSequence(seed).spawn(draws + 1)
    chosen = np.random.default_rng(particle_seed).choice(len(samples), size=draws, p=samples["weight"].to_numpy())
    jobs = [
        (problem.build({name: float(samples.at[index, name]) for name in problem.names}), run_seed)
        for index, run_seed in zip(chosen, run_seeds, strict=True)
    ]
    return simulate_many(jobs, targets, workers, progress)


def fit_table(simulated: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    """Per target: group, use, unit, documented value, band, simulated median and 90% interval, median inside the band."""
    rows = []
    for target in targets:
        values = simulated[target.id].dropna().to_numpy()
        median = float(np.median(values)) if len(values) else float("nan")
        rows.append(
            {
                "id": target.id,
                "group": target.group,
                "use": target.use,
                "unit": target.unit,
                "documented": target.documented,
                "band_lo": target.band[0],
                "band_hi": target.band[1],
                "median": median,
                "lo_90": float(np.quantile(values, LOWER)) if len(values) else float("nan"),
                "hi_90": float(np.quantile(values, UPPER)) if len(values) else float("nan"),
                "inside": bool(target.inside(median)) if len(values) else False,
            }
        )
    return pd.DataFrame(rows)
