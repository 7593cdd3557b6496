"""The proposal kernels: pyabc's, and local ones, proposals drawn in batches inside the priors' bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc

from calibration.abc import KernelBandwidth
from calibration.proposal import BoxedLocalTransition, BoxedTransition

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


def _local_covariances(particles: pd.DataFrame, weights: np.ndarray, k: int) -> np.ndarray:
    """Each particle's kernel written out: the weighted second moment of the offsets of its k nearest particles."""
    values = particles.to_numpy()
    scaled = values / values.std(axis=0)
    covariances = []
    for i in range(len(values)):
        nearest = np.argsort(np.linalg.norm(scaled - scaled[i], axis=1))[1 : k + 1]
        offsets = values[nearest] - values[i]
        share = weights[nearest] / weights[nearest].sum()
        covariances.append((share[:, None, None] * offsets[:, :, None] * offsets[:, None, :]).sum(axis=0))
    return np.array(covariances)


def test_local_kernels_density_is_the_mixture_of_each_particles_gaussian():
    from scipy.stats import multivariate_normal

    local = fitted(BoxedLocalTransition(BOUNDS, variance=1.5, neighbours=0.25))
    particles, weights = local.X, local.w
    covariances = 1.5 * _local_covariances(particles, weights, 25)
    np.random.seed(5)
    points = local.rvs(10)
    expected = [
        sum(w * multivariate_normal(x, c).pdf(point) for w, x, c in zip(weights, particles.to_numpy(), covariances, strict=True))
        for point in points.to_numpy()
    ]
    assert np.allclose(local.pdf(points), expected, rtol=1e-6)
    assert np.isclose(local.pdf(points.iloc[0]), expected[0], rtol=1e-6)


def test_local_kernels_proposals_follow_their_density_inside_the_bounds():
    local = fitted(BoxedLocalTransition(BOUNDS))
    np.random.seed(6)
    inside = local.rvs(3000)
    assert ((inside.a >= 0) & (inside.a <= 1) & (inside.b >= -2) & (inside.b <= 2)).all()
    wide = fitted(BoxedLocalTransition({"a": (-50.0, 50.0), "b": (-50.0, 50.0)}))
    drawn = wide.rvs(20000).to_numpy()
    weights, centres = wide.w, wide.X.to_numpy()
    covariances = _local_covariances(wide.X, weights, 25)
    mean = weights @ centres
    second = np.einsum("i,ipq->pq", weights, covariances + centres[:, :, None] * centres[:, None, :])
    spread = np.sqrt(np.diag(second - np.outer(mean, mean)))
    assert np.all(np.abs(drawn.mean(axis=0) - mean) < 4 * spread / np.sqrt(len(drawn)))
    assert np.allclose(drawn.std(axis=0), spread, rtol=0.05)


def test_local_kernels_new_population_drops_the_proposals_drawn_for_the_last():
    local = fitted(BoxedLocalTransition(BOUNDS))
    np.random.seed(7)
    local.rvs_single()
    far = pd.DataFrame({"a": np.full(40, 0.9), "b": np.full(40, -1.9)})
    local.fit(far + np.random.default_rng(8).normal(0, 0.01, (40, 2)), np.full(40, 1 / 40))
    assert local.rvs(50).a.min() > 0.5
