"""BoxedTransition: pyabc's kernels, proposals drawn in batches inside the priors' bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc

from calibration.abc import KernelBandwidth
from calibration.proposal import BoxedTransition

BOUNDS = {"a": (0.0, 1.0), "b": (-2.0, 2.0)}


def fitted(transition: pyabc.MultivariateNormalTransition) -> pyabc.MultivariateNormalTransition:
    """Fit to particles piled against the bounds' corner, so that many proposals fall outside."""
    rng = np.random.default_rng(0)
    particles = pd.DataFrame({"a": rng.uniform(0.0, 0.2, 100), "b": rng.uniform(1.5, 2.0, 100)})
    weights = rng.uniform(0.5, 1.5, 100)
    transition.fit(particles, weights / weights.sum())
    return transition


def test_proposals_fall_inside_the_bounds_and_follow_pyabcs_rejection_loop():
    """Same distribution as pyabc's own loop (draw, reject outside the prior): means within 4 standard errors."""
    boxed = fitted(BoxedTransition(BOUNDS, KernelBandwidth(2.0)))
    plain = fitted(pyabc.MultivariateNormalTransition(bandwidth_selector=KernelBandwidth(2.0)))
    np.random.seed(1)
    ours = boxed.rvs(3000)
    assert ((ours.a >= 0) & (ours.a <= 1) & (ours.b >= -2) & (ours.b <= 2)).all()
    theirs = []
    while len(theirs) < 3000:
        proposal = plain.rvs_single()
        if 0 <= proposal["a"] <= 1 and -2 <= proposal["b"] <= 2:
            theirs.append(dict(proposal))
    theirs = pd.DataFrame(theirs)
    for column in ("a", "b"):
        error = np.sqrt(ours[column].var() / len(ours) + theirs[column].var() / len(theirs))
        assert abs(ours[column].mean() - theirs[column].mean()) < 4 * error, column
        assert 0.8 < ours[column].std() / theirs[column].std() < 1.25, column


def test_the_density_is_pyabcs():
    boxed = fitted(BoxedTransition(BOUNDS, KernelBandwidth(2.0)))
    plain = fitted(pyabc.MultivariateNormalTransition(bandwidth_selector=KernelBandwidth(2.0)))
    np.random.seed(2)
    points = boxed.rvs(20)
    assert np.allclose(boxed.pdf(points), plain.pdf(points))


def test_a_new_population_drops_the_proposals_drawn_for_the_last():
    boxed = fitted(BoxedTransition(BOUNDS, KernelBandwidth(2.0)))
    np.random.seed(3)
    boxed.rvs_single()
    far = pd.DataFrame({"a": np.full(10, 0.9), "b": np.full(10, -1.9)})
    boxed.fit(far + np.random.default_rng(4).normal(0, 0.01, (10, 2)), np.full(10, 0.1))
    assert boxed.rvs(50).a.min() > 0.5


def test_tempered_ancestors_give_the_density_of_the_proposals_they_draw():
    """Power 0: every particle an ancestor alike, whatever its weight, and the density is that mixture's."""
    tempered = fitted(BoxedTransition(BOUNDS, KernelBandwidth(2.0), ancestor_power=0.0))
    plain = fitted(BoxedTransition(BOUNDS, KernelBandwidth(2.0)))
    assert np.allclose(tempered.w, 1 / len(tempered.w)) and not np.allclose(plain.w, 1 / len(plain.w))
    np.random.seed(9)
    points = tempered.rvs(20)
    expected = [
        np.mean([pyabc_normal_pdf(point, centre, tempered.cov) for centre in tempered.X.to_numpy()])
        for point in points.to_numpy()
    ]
    assert np.allclose(tempered.pdf(points), expected)
    # with all weight on one particle, power 1 proposes around it alone, power 0 around all
    particles = pd.DataFrame({"a": np.linspace(0.05, 0.95, 10), "b": np.zeros(10)})
    weights = np.full(10, 1e-6)
    weights[0] = 1.0
    for power, spread in ((1.0, (0.0, 0.2)), (0.0, (0.8, 1.0))):
        transition = BoxedTransition(BOUNDS, KernelBandwidth(0.01), ancestor_power=power)
        transition.fit(particles, weights / weights.sum())
        drawn = transition.rvs(400)
        assert spread[0] <= np.ptp(drawn.a) <= spread[1], (power, np.ptp(drawn.a))


def pyabc_normal_pdf(point: np.ndarray, centre: np.ndarray, covariance: np.ndarray) -> float:
    from scipy.stats import multivariate_normal

    return float(multivariate_normal(centre, covariance).pdf(point))
