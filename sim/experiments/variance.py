"""How much of an outcome's spread comes from the parameters and how much from chance (law of total variance).

With replicates grouped by parameter draw (sim/experiments/draws.py: D draws, R
replicates each, every replicate its own seed),

    Var(Y) = E[Var(Y | draw)] + Var(E[Y | draw])
             chance             parameters

estimated by the mean within-draw variance and the variance of the draw
means less its sampling part, (mean within-draw variance) / R, floored at
zero (the naive variance of D means of R replicates each overstates the
parameters' part by that much). Replicates whose value is not finite are
left out (a comparison censors a month never reached within the horizon
at the month after it first, `Comparison.variance`); a split needs at
least two draws with two finite values each, else it is None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class VarianceSplit:
    """The variance of an outcome split into the parameters' part and chance's part."""

    total: float
    parameters: float
    chance: float
    draws: int  # draws with at least two finite values
    replicates: int  # finite values used

    @property
    def parameters_share(self) -> float:
        """The parameters' share of the variance (0 when there is none)."""
        return self.parameters / self.total if self.total > 0 else 0.0

    def as_dict(self) -> dict:
        """For JSON: the parts, the shares and the counts."""
        return {
            "total": self.total,
            "parameters": self.parameters,
            "chance": self.chance,
            "parameters_share": self.parameters_share,
            "chance_share": 1.0 - self.parameters_share if self.total > 0 else 0.0,
            "draws": self.draws,
            "replicates": self.replicates,
        }


def variance_split(values: pd.Series, draws: pd.Series) -> VarianceSplit | None:
    """Split the variance of `values` (one per replicate) by the replicates' `draws`; None if it cannot be estimated."""
    frame = pd.DataFrame({"value": np.asarray(values, dtype=float), "draw": np.asarray(draws)})
    frame = frame[np.isfinite(frame["value"])]
    groups = frame.groupby("draw")["value"]
    sizes = groups.size()
    kept = sizes[sizes >= 2].index
    if len(kept) < 2:
        return None
    frame = frame[frame["draw"].isin(kept)]
    groups = frame.groupby("draw")["value"]
    chance = float(groups.var(ddof=1).mean())
    per_draw = float(groups.size().mean())
    parameters = max(0.0, float(groups.mean().var(ddof=1)) - chance / per_draw)
    return VarianceSplit(parameters + chance, parameters, chance, len(kept), len(frame))
