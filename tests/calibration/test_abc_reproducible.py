"""ABC-SMC's posterior depends on the seed alone: not on the number of workers, nor on an interruption and resume.

First the sampler (calibration/sampler.py) on a toy model that accepts a proposal if a uniform draw is below
0.3, then whole calibrations of the small commissariat of tests/calibration/test_calibration.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from multiprocessing import ProcessError
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest
from pyabc.population import Particle
from test_calibration import PRIORS, SMALL

from calibration.abc import run_abc
from calibration.indexed import ProposalError, proposal_seed
from calibration.parameters import CalibrationProblem
from calibration.sampler import IndexOrderSampler
from calibration.targets import load_targets
from sim.scenario.config import AbcSettings

# Ten particles, two generations (after pyabc's calibration sample from the prior): about fifty runs of the
# small commissariat, two seconds.
SETTINGS = AbcSettings(population_size=10, max_generations=2, max_simulations=1000, max_minutes=5)
SEED = 5


@dataclass
class Posterior:
    """What a calibration stored, read back from its database: every generation's particles and its books."""

    particles: list[pd.DataFrame]  # per generation: parameters, weight, distance, in the stored order
    generations: pd.DataFrame  # per generation: epsilon and the number of simulations
    simulations: int


def read_posterior(history: pyabc.History) -> Posterior:
    particles = []
    for t in range(history.n_populations):
        parameters, weights = history.get_distribution(m=0, t=t)
        distances = history.get_weighted_distances(t=t)
        frame = parameters.reset_index(drop=True).assign(weight=weights, distance=distances["distance"].to_numpy())
        particles.append(frame)
    generations = history.get_all_populations()[["t", "epsilon", "samples"]].reset_index(drop=True)
    return Posterior(particles, generations, int(history.total_nr_simulations))


def assert_same_posterior(one: Posterior, two: Posterior) -> None:
    assert len(one.particles) == len(two.particles) == SETTINGS.max_generations
    for t, (first, second) in enumerate(zip(one.particles, two.particles, strict=True)):
        pd.testing.assert_frame_equal(first, second, check_exact=True, obj=f"generation {t}")
    pd.testing.assert_frame_equal(one.generations, two.generations, check_exact=True)
    assert one.simulations == two.simulations


def toy_simulate_one():
    """A pyabc `simulate_one` as pyabc makes it, a closure: draws from numpy's global generator, accepts below 0.3."""
    threshold = 0.3

    def simulate_one() -> Particle:
        x = float(np.random.uniform())
        stat = {"x": x, "pid": os.getpid()}  # where it was made
        return Particle(m=0, parameter=pyabc.Parameter(x=x), weight=1.0, sum_stat=stat, distance=x, accepted=x < threshold)

    return simulate_one


def draw(seed: int, t: int, index: int) -> float:
    """What the toy model draws for proposal `index` of generation `t`."""
    np.random.seed(proposal_seed(seed, t, index).generate_state(4))
    return float(np.random.uniform())


def toy_sample(
    workers: int, batch: int, n: int = 6, max_eval: float = np.inf, client=None
) -> tuple[IndexOrderSampler, pyabc.Sample]:
    sampler = IndexOrderSampler(SEED, workers, batch=batch, client=client)
    sampler.sample_factory.record_rejected()
    try:
        return sampler, sampler.sample_until_n_accepted(n, toy_simulate_one(), 2, max_eval=max_eval)
    finally:
        sampler.stop()


def xs(particles: list[Particle]) -> list[float]:
    return [particle.parameter["x"] for particle in particles]


def test_a_sample_is_the_first_accepted_proposals_by_index_whatever_the_workers_and_batches():
    drawn = [draw(SEED, 2, index) for index in range(200)]
    accepted = [index for index, x in enumerate(drawn) if x < 0.3][:6]
    for workers, batch in [(1, 1), (2, 1), (3, 4)]:
        sampler, sample = toy_sample(workers, batch)
        assert sample.ok and sampler.nr_evaluations_ == accepted[-1] + 1, (workers, batch)
        assert xs(sample.accepted_particles) == [drawn[index] for index in accepted], (workers, batch)
        assert xs(sample.rejected_particles) == [x for x in drawn[: accepted[-1] + 1] if x >= 0.3], (workers, batch)


@pytest.mark.parametrize("batch", [1, 3])
def test_a_dask_cluster_makes_the_same_sample(dask_client, batch):
    _, here = toy_sample(1, batch=1)
    _, on_dask = toy_sample(1, batch=batch, client=dask_client)
    assert on_dask.ok
    assert xs(on_dask.accepted_particles) == xs(here.accepted_particles)
    assert xs(on_dask.rejected_particles) == xs(here.rejected_particles)
    assert os.getpid() not in {particle.sum_stat["pid"] for particle in on_dask.all_particles}


def test_a_failed_proposal_on_dask_is_raised_with_its_place(dask_client):
    def simulate_one() -> Particle:
        raise ValueError("the model broke")

    sampler = IndexOrderSampler(SEED, client=dask_client)
    with pytest.raises(ProposalError, match="of generation 0 failed on a Dask worker: ValueError: the model broke"):
        sampler.sample_until_n_accepted(3, simulate_one, 0)
    sampler.stop()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_cap_on_simulations_applies_in_index_order(workers):
    """pyabc's max_eval (population / min_acceptance_rate, may be fractional): proposals from it on are never made."""
    drawn = [draw(SEED, 2, index) for index in range(8)]
    n = sum(x < 0.3 for x in drawn) + 1  # one more than the first eight proposals hold
    sampler, sample = toy_sample(workers, batch=3, n=n, max_eval=7.5)
    assert not sample.ok and sampler.nr_evaluations_ == 8
    assert sorted(xs(sample.all_particles)) == sorted(drawn)


def test_a_failed_proposal_in_a_worker_is_raised_with_its_traceback():
    def simulate_one() -> Particle:
        raise ValueError("the model broke")

    sampler = IndexOrderSampler(SEED, workers=2)
    with pytest.raises(ProposalError, match="generation 0 failed in a worker process(.|\n)*the model broke"):
        sampler.sample_until_n_accepted(3, simulate_one, 0)
    sampler.stop()


def test_a_dead_worker_stops_the_generation():
    def simulate_one() -> Particle:
        os._exit(3)

    sampler = IndexOrderSampler(SEED, workers=2)
    with pytest.raises(ProcessError, match="exit code 3"):
        sampler.sample_until_n_accepted(3, simulate_one, 0)
    sampler.stop()


@pytest.fixture(scope="module")
def problem(tmp_path_factory) -> CalibrationProblem:
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(SMALL + PRIORS)
    return CalibrationProblem.from_file(path, horizon="1939-12")


@pytest.fixture(scope="module")
def calibrate(problem, tmp_path_factory):
    """Run (or continue) a calibration of the small commissariat on a database; return what it stored."""
    targets = load_targets()

    def run(database: Path, workers: int, seed: int = SEED, settings: AbcSettings = SETTINGS, client=None) -> Posterior:
        history = run_abc(problem, targets, settings, database, workers, progress=False, seed=seed, client=client)
        return read_posterior(history)

    return run


@pytest.fixture(scope="module")
def uninterrupted(calibrate, tmp_path_factory) -> Posterior:
    return calibrate(tmp_path_factory.mktemp("uninterrupted") / "abc.db", workers=1)


def test_one_worker_and_two_give_the_same_posterior(calibrate, uninterrupted, tmp_path):
    assert_same_posterior(calibrate(tmp_path / "two.db", workers=2), uninterrupted)


def test_a_dask_cluster_gives_the_same_posterior(calibrate, uninterrupted, tmp_path, dask_client):
    from distributed import get_task_stream

    with get_task_stream(dask_client) as tasks:
        on_dask = calibrate(tmp_path / "dask.db", workers=1, client=dask_client)
    assert any(task["key"].startswith("make_batch") for task in tasks.data)  # the simulations ran on the cluster
    assert_same_posterior(on_dask, uninterrupted)


def test_a_resumed_calibration_equals_an_uninterrupted_one(calibrate, uninterrupted, tmp_path):
    """Stopped after generation 0 (as if killed during generation 1), then continued from the database."""
    database = tmp_path / "resumed.db"
    calibrate(database, workers=1, settings=SETTINGS.model_copy(update={"max_generations": 1}))
    assert_same_posterior(calibrate(database, workers=1), uninterrupted)


def test_another_seed_gives_another_posterior(calibrate, uninterrupted, tmp_path):
    other = calibrate(
        tmp_path / "other.db", workers=1, seed=SEED + 1, settings=SETTINGS.model_copy(update={"max_generations": 1})
    )
    assert not np.array_equal(other.particles[0].to_numpy(), uninterrupted.particles[0].to_numpy())
