"""The ABC proposal: pyabc's Gaussian kernels mixed with the prior (calibration/proposal.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc
import pytest

from calibration.proposal import DefensiveTransition

PRIOR = pyabc.Distribution(a=pyabc.RV("uniform", 0.0, 1.0), b=pyabc.RV("uniform", 0.0, 1.0))


def fitted(share: float) -> DefensiveTransition:
    """Kernels fitted to particles packed around (0.5, 0.5): alone they would almost never propose far from it."""
    rng = np.random.default_rng(1)
    particles = pd.DataFrame({"a": 0.5 + 0.005 * rng.standard_normal(200), "b": 0.5 + 0.005 * rng.standard_normal(200)})
    transition = DefensiveTransition(PRIOR, prior_share=share)
    transition.fit(particles, np.full(200, 1 / 200))
    return transition


@pytest.mark.parametrize("share", [0.1, 0.3])
def test_the_prior_share_of_proposals_comes_from_the_prior(share):
    np.random.seed(2)  # pyabc proposes from numpy's global generator
    proposals = fitted(share).rvs(4000)
    far = ((proposals - 0.5).abs() > 0.1).any(axis=1)  # beyond the kernels' reach
    expected = share * (1 - 0.2 * 0.2)  # prior draws that land outside the central square
    assert far.mean() == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / 4000))


def test_weights_are_bounded_by_one_over_the_prior_share():
    transition = fitted(0.2)
    points = pd.DataFrame({"a": [0.5, 0.501, 0.9, 0.01], "b": [0.5, 0.499, 0.1, 0.99]})
    weights = np.array([PRIOR.pdf(dict(row)) for _, row in points.iterrows()]) / transition.pdf(points)
    assert (weights <= 1 / 0.2 + 1e-9).all()
    assert weights[2:] == pytest.approx(1 / 0.2, rel=1e-6)  # far from every particle: the prior alone
    assert weights[0] < 1e-3  # at the particles: the kernels dominate
    single = transition.pdf(pyabc.Parameter({"a": 0.9, "b": 0.1}))
    assert single == pytest.approx(transition.pdf(points)[2])


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1])
def test_prior_share_must_lie_strictly_between_zero_and_one(share):
    with pytest.raises(ValueError, match="prior_share"):
        DefensiveTransition(PRIOR, prior_share=share)
