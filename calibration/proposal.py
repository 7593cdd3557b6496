"""ABC-SMC proposals that land inside the prior's box, drawn in batches.

pyabc draws a proposal (a particle of the previous generation, perturbed by
its Gaussian kernel) one at a time and throws it away if the prior's density
there is zero, at about 2.6 ms a try with fifteen parameters. The historical
posterior lies against several bounds of its priors, and with kernels of
twice the population's covariance only about 1% of proposals fell inside
all fifteen: each simulation waited some 0.2 s for its parameters, as long
as the simulation itself. `BoxedTransition` draws the same proposals a
thousand at a time with numpy and keeps those inside the bounds. Rejection
by the bounds truncates the kernel mixture to the box, as pyabc's loop
does; the truncation's normalising constant is the same for every
proposal, so the importance weights, normalised, are unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc

BATCH = 1000  # proposals drawn at once


class BoxedTransition(pyabc.MultivariateNormalTransition):
    """pyabc's multivariate normal kernels, with proposals drawn in batches and kept inside [low, high].

    With `ancestor_power` below 1, a proposal's ancestor is drawn with
    probability proportional to its importance weight raised to that power,
    and the kernels' covariance is the population's under the same tempered
    weights. Any proposal that covers the posterior gives valid importance
    weights, as long as the density they divide by is the proposal's own,
    which `pdf` is. Why: once a few particles hold most of the weight, pyabc's
    proposal (power 1) is a handful of kernels around them, sized by their
    spread alone; the particles accepted away from them take the next
    generation's weight, and the weights stay uneven generation after
    generation. Tempered, the proposal keeps covering the whole population.

    Args:
        bounds: per parameter (on the sampling scale), the prior's (low, high).
        bandwidth_selector: passed on to `pyabc.MultivariateNormalTransition`.
        ancestor_power: the power of the weights that ancestors are drawn by (1: the weights; 0: all alike).
    """

    def __init__(self, bounds: dict[str, tuple[float, float]], bandwidth_selector, ancestor_power: float = 1.0) -> None:
        super().__init__(bandwidth_selector=bandwidth_selector)
        self.bounds = bounds
        self.ancestor_power = ancestor_power
        self._ready: list[np.ndarray] = []

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        """Fit the kernels to a population; proposals drawn for the previous one are dropped."""
        if self.ancestor_power != 1.0:
            tempered = np.asarray(w, dtype=float) ** self.ancestor_power
            w = tempered / tempered.sum()
            self.w = w  # pdf and the ancestors' draws read self.w
        super().fit(X, w)
        self._ready = []
        self._low = np.array([self.bounds[name][0] for name in X.columns])
        self._high = np.array([self.bounds[name][1] for name in X.columns])

    def forget_drawn(self) -> None:
        """Drop the proposals drawn ahead but not handed out, so the next one comes from the generator's current state."""
        self._ready = []

    def rvs_single(self) -> pyabc.Parameter:
        """One proposal inside the bounds (draws come from numpy's global generator, as pyabc's own)."""
        while not self._ready:
            ancestors = np.random.choice(len(self._X_arr), size=BATCH, p=self.w)
            drawn = self._X_arr[ancestors] + np.random.multivariate_normal(np.zeros(len(self._low)), self.cov, size=BATCH)
            inside = drawn[np.all((drawn >= self._low) & (drawn <= self._high), axis=1)]
            self._ready = list(inside[::-1])  # popped from the end: kept in the order drawn
        return pyabc.Parameter(dict(zip(self.X.columns, self._ready.pop().tolist(), strict=True)))

    def rvs(self, size: int | None = None) -> pyabc.Parameter | pd.DataFrame:
        """`size` proposals inside the bounds (one Parameter if `size` is None)."""
        # pyabc's generic rvs (rvs_single, repeated), not MultivariateNormalTransition's, which ignores the bounds.
        return pyabc.transition.Transition.rvs(self, size)
