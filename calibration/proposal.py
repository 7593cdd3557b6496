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

    Args:
        bounds: per parameter (on the sampling scale), the prior's (low, high).
        bandwidth_selector: passed on to `pyabc.MultivariateNormalTransition`.
    """

    def __init__(self, bounds: dict[str, tuple[float, float]], bandwidth_selector) -> None:
        super().__init__(bandwidth_selector=bandwidth_selector)
        self.bounds = bounds
        self._ready: list[np.ndarray] = []

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        """Fit the kernels to a population; proposals drawn for the previous one are dropped."""
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


class BoxedLocalTransition(pyabc.transition.Transition):
    """Local kernels (Filippi et al. 2013): each particle's own covariance, drawn in batches inside [low, high].

    A single covariance for all kernels is wide where the population is dense
    and narrow where it is sparse: proposals from the dense core land in
    regions the rest of the mixture barely covers, and the few accepted there
    take most of the importance weight. Each particle's kernel here has the
    covariance of its `neighbours` nearest particles around it, the second
    moment of their offsets (not centred on their mean: the "optimal local
    covariance matrix", Filippi et al. 2013, Stat. Appl. Genet. Mol. Biol.
    12:87, restricted to nearest neighbours as pyabc's `LocalTransition`),
    times `variance`. Distances are measured after scaling each parameter by
    its population spread, so that parameters of different ranges count
    alike. Truncation to the box is by rejection, as in `BoxedTransition`.

    Args:
        bounds: per parameter (on the sampling scale), the prior's (low, high).
        variance: multiple of each local covariance.
        neighbours: the share of the population whose offsets make a particle's covariance (at least one more
            than the dimension, so that the covariance has full rank).
    """

    def __init__(self, bounds: dict[str, tuple[float, float]], variance: float = 1.0, neighbours: float = 0.25) -> None:
        self.bounds = bounds
        self.variance = variance
        self.neighbours = neighbours
        self._ready: list[np.ndarray] = []

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        """Fit one kernel per particle; proposals drawn for the previous population are dropped."""
        self._ready = []
        self._X_arr = X.to_numpy(dtype=float)
        self._w = np.asarray(w, dtype=float) / np.sum(w)
        count, dimension = self._X_arr.shape
        self._low = np.array([self.bounds[name][0] for name in X.columns])
        self._high = np.array([self.bounds[name][1] for name in X.columns])
        spread = self._X_arr.std(axis=0)
        spread[spread == 0] = 1.0
        scaled = self._X_arr / spread
        k = min(count - 1, max(dimension + 1, round(self.neighbours * count)))
        order = np.argsort(((scaled[:, None, :] - scaled[None, :, :]) ** 2).sum(axis=2), axis=1)[:, 1 : k + 1]
        offsets = self._X_arr[order] - self._X_arr[:, None, :]  # particle, neighbour, parameter
        weights = self._w[order]
        weights = weights / weights.sum(axis=1, keepdims=True)
        covariances = self.variance * np.einsum("ik,ikp,ikq->ipq", weights, offsets, offsets)
        covariances += np.eye(dimension) * 1e-9 * np.maximum(spread**2, 1e-12)  # full rank even for coincident particles
        self._cholesky = np.linalg.cholesky(covariances)
        self._inverse = np.linalg.inv(covariances)
        log_determinant = 2 * np.log(np.diagonal(self._cholesky, axis1=1, axis2=2)).sum(axis=1)
        self._log_normalisation = -0.5 * (dimension * np.log(2 * np.pi) + log_determinant)

    def forget_drawn(self) -> None:
        """Drop the proposals drawn ahead but not handed out, so the next one comes from the generator's current state."""
        self._ready = []

    def rvs_single(self) -> pyabc.Parameter:
        """One proposal inside the bounds (draws come from numpy's global generator, as pyabc's own)."""
        while not self._ready:
            ancestors = np.random.choice(len(self._X_arr), size=BATCH, p=self._w)
            noise = np.random.standard_normal((BATCH, len(self._low)))
            drawn = self._X_arr[ancestors] + np.einsum("bij,bj->bi", self._cholesky[ancestors], noise)
            inside = drawn[np.all((drawn >= self._low) & (drawn <= self._high), axis=1)]
            self._ready = list(inside[::-1])  # popped from the end: kept in the order drawn
        return pyabc.Parameter(dict(zip(self.X.columns, self._ready.pop().tolist(), strict=True)))

    def pdf(self, x: pyabc.Parameter | pd.Series | pd.DataFrame) -> float | np.ndarray:
        """The mixture's density (untruncated: the truncation's constant is the same everywhere and cancels)."""
        single = not isinstance(x, pd.DataFrame)
        points = np.atleast_2d(np.array([x[key] for key in self.X.columns]) if single else x[self.X.columns].to_numpy())
        offsets = points[:, None, :] - self._X_arr[None, :, :]  # point, particle, parameter
        distances = np.einsum("npi,pij,npj->np", offsets, self._inverse, offsets)
        log_terms = self._log_normalisation[None, :] - 0.5 * distances + np.log(self._w)[None, :]
        peak = log_terms.max(axis=1, keepdims=True)
        density = np.exp(peak[:, 0]) * np.exp(log_terms - peak).sum(axis=1)
        return float(density[0]) if single else density

    def rvs(self, size: int | None = None) -> pyabc.Parameter | pd.DataFrame:
        """`size` proposals inside the bounds (one Parameter if `size` is None)."""
        return pyabc.transition.Transition.rvs(self, size)
