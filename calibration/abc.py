"""ABC-SMC inference of the free parameters with pyabc.

Why pyabc: it is maintained (0.13, 2025), runs sequential Monte Carlo ABC
with adaptive epsilon and transition kernels, evaluates in parallel on the
cores of one machine, and keeps every generation in an SQLite database that
doubles as the checkpoint: an interrupted run is continued with
`ABCSMC.load`, losing at most the generation in progress. (ELFI is barely
maintained; sbi needs torch and neural density estimators for what is here
a cheap, low-dimensional problem.)

The distance between a run and the sources is the Euclidean norm of the
scaled errors (`Target.error`) of the targets with use = "distance": for a
documented share, the distance from it in half-bands; for a bound ("at
least 34%"), how far outside the band, in band widths (or in the target's
own `distance_unit`, where it sets one). A run with a missing
value (an empty population) is infinitely far. Check-only targets (use =
"check") are neither measured nor compared during the inference; the
posterior predictive, `cadres validate` and the report measure them.

Parameters are sampled on their log scale where the prior is log-uniform
(see `prior_distribution`). Proposals are pyabc's multivariate normal
kernels around the previous generation's particles, with a covariance of
`kernel_variance` (2 by default, Beaumont et al. 2009, Biometrika 96:983)
times the population's weighted covariance, not pyabc's default
(Silverman's rule, about 0.5 times it with fifteen parameters): see
`KernelBandwidth`. They are drawn in batches inside the priors' bounds
(`calibration/proposal.py`).

With `shared_history_until` set, simulations continue stored runs from that
month instead of repeating the years before it, in which no free parameter
acts (`stored_histories`, sim/model/branch.py).

Seeds: the posterior depends on the seed alone, not on the number of
workers, and a run continued from its database equals one never
interrupted. Everything random about a proposal (its parameters, drawn from
the prior or from a kernel around an ancestor, and the run seed
`TargetModel` draws) comes from numpy's global generator, the one pyabc
draws from, seeded from the proposal's place in the run (seed, generation,
index); each generation is the first accepted proposals by index
(`calibration/sampler.py`). Without a seed, the scenario's is used, so every
run is reproducible. A run cut short by `max_minutes` is the exception: the
simulations refused after the deadline depend on the clock.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyabc
from tqdm import tqdm

from calibration.indexed import seed_between_generations
from calibration.parameters import CalibrationProblem
from calibration.proposal import BoxedTransition
from calibration.sampler import IndexOrderSampler
from calibration.simulate import continue_targets, simulate_targets
from calibration.targets import Target, in_distance
from sim.model.branch import BranchError, check_branch, run_until
from sim.model.engine import Engine
from sim.scenario.config import AbcSettings, Scenario, month_index
from sim.scenario.loader import ConfigError


def prior_distribution(problem: CalibrationProblem) -> pyabc.Distribution:
    """Pyabc's joint prior, on the sampling scale: uniform in each parameter, or in its log if log-uniform.

    Sampling a log-uniform parameter on its log scale is what makes pyabc's
    Gaussian kernels fit it: on the natural scale a prior such as
    loguniform(0.001, 0.05) piles its density at the low edge, where the
    kernels (sized by the spread up to 0.05) are thin, and the few particles
    accepted there took nearly all the importance weight.
    """
    bounds = sampling_bounds(problem)
    return pyabc.Distribution(**{name: pyabc.RV("uniform", low, high - low) for name, (low, high) in bounds.items()})


def sampling_bounds(problem: CalibrationProblem) -> dict[str, tuple[float, float]]:
    """Per parameter, its prior's (low, high) on the sampling scale (the log scale if log-uniform)."""
    return {
        name: (math.log(prior.low), math.log(prior.high)) if prior.distribution == "loguniform" else (prior.low, prior.high)
        for name, prior in problem.priors.items()
    }


def natural_values(problem: CalibrationProblem, sampled: Mapping[str, float]) -> dict[str, float]:
    """Parameter values on the scenario's scale from values on the sampling scale (see `prior_distribution`)."""
    return {
        name: math.exp(float(sampled[name])) if prior.distribution == "loguniform" else float(sampled[name])
        for name, prior in problem.priors.items()
    }


@dataclass(frozen=True)
class KernelBandwidth:
    """A pyabc bandwidth selector: kernel covariance = `variance` x the population's weighted covariance.

    pyabc's default, Silverman's rule, sizes kernels for estimating a
    density: with fifteen parameters and 100-200 particles, about 0.5 times
    the covariance, narrow beside the distance between particles in fifteen
    dimensions. The proposal density is then a set of separate bumps; a
    particle accepted between them gets a tiny proposal density and nearly all
    the importance weight. Measured on the historical calibration: the
    effective sample size fell to 4 of 100 after one generation and stayed
    below 9, so the "posterior" was the offspring of a few particles and its
    credible intervals were far too narrow. Kernels of twice the covariance
    (the choice of Beaumont et al. 2009) overlap, and the weights stay even,
    at the price of a lower acceptance rate.
    """

    variance: float = 2.0

    def __call__(self, effective_sample_size: float, dimension: int) -> float:
        return math.sqrt(self.variance)  # pyabc squares the factor


@dataclass
class TargetModel:
    """The model as pyabc sees it: parameters in, target values out.

    After `deadline` (a `time.time()` value) every call returns missing values
    at once: they are rejected, the generation in progress runs out of
    evaluations (pyabc's `pop_size / min_acceptance_rate`) and is dropped,
    and the run ends with the last finished generation. pyabc itself checks
    its wall-time limit only between generations.
    """

    problem: CalibrationProblem
    targets: Sequence[Target]
    deadline: float = math.inf
    histories: Sequence[Engine] = ()  # stored runs to continue (see `stored_histories`); none: run from the start

    def __call__(self, parameters: dict) -> dict[str, float]:
        if time.time() > self.deadline:
            return {target.id: math.nan for target in self.targets}
        seed = int(np.random.randint(0, 2**31 - 1))  # seeded from the proposal's place (see the module docstring)
        scenario = self.problem.build(natural_values(self.problem, parameters))
        if self.histories:
            return continue_targets(self.histories[seed % len(self.histories)], scenario, seed, self.targets)
        return simulate_targets(scenario, seed, self.targets)


def check_shared_history(problem: CalibrationProblem, settings: AbcSettings) -> Scenario:
    """The scenario stored runs are made of, once checked that no free parameter acts before `shared_history_until`.

    Raises ConfigError naming `calibration.abc.shared_history_until` if a
    prior's lower or upper end changes anything before that month.
    """
    stored = problem.build({name: prior.low for name, prior in problem.priors.items()})
    highest = problem.build({name: prior.high for name, prior in problem.priors.items()})
    try:  # checks both ends: each one's purge must not have begun before the split
        check_branch(stored, highest, month_index(settings.shared_history_until))
    except BranchError as error:
        raise ConfigError(
            problem.path,
            "calibration.abc.shared_history_until",
            f"expected a month before which no free parameter acts; between the priors' low and high ends {error}",
        ) from None
    return stored


def stored_histories(problem: CalibrationProblem, settings: AbcSettings, seed: int, progress: bool = False) -> list[Engine]:
    """The runs simulations continue from: `settings.shared_histories` runs up to `shared_history_until`.

    The months before it are the same process whatever the free parameters
    (checked here: `sim.model.branch.check_branch` for the priors' lower and upper
    bounds), so a simulation continues one of these runs, picked by its seed,
    with its own seed from then on, instead of simulating them again. The
    likelihood ABC then approximates is that of the model given one of these
    stored pasts, each equally likely: with a few hundred of them, their
    spread is that of the model's past. Returns [] if the setting is off.
    """
    if settings.shared_history_until is None:
        return []
    stored = check_shared_history(problem, settings)
    seeds = np.random.SeedSequence(seed).spawn(settings.shared_histories)
    return [
        run_until(Engine(stored, s).populate(), settings.shared_history_until)
        for s in tqdm(seeds, disable=not progress, desc="stored histories", unit="run", leave=False)
    ]


@dataclass
class BandDistance:
    """Euclidean norm of the scaled errors of the targets in the distance; NaN counts as infinitely far.

    Check-only targets (use = "check") are left out, whether or not they are among `targets`.
    """

    targets: Sequence[Target]

    def __call__(self, simulated: dict, observed: dict) -> float:
        total = 0.0
        for target in in_distance(self.targets):
            value = float(simulated[target.id])
            if math.isnan(value):
                return math.inf
            total += target.error(value) ** 2
        return math.sqrt(total)


def report_generations(progress: bool) -> None:
    """Let pyabc log each generation (epsilon, acceptance) on stderr, or only warnings."""
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)  # pyabc's handler


@dataclass
class ForgetDrawnProposals:
    """Drops the proposals `BoxedTransition` drew ahead, so that each proposal comes from its own seed alone.

    `BoxedTransition` keeps the proposals of a batch it did not hand out yet;
    the next proposal, whatever its seed, would be one of them. Called by the
    sampler before each proposal (in the process making it): each proposal
    then draws a batch of its own and takes the first one inside the bounds,
    about a third of a millisecond with fifteen parameters.
    """

    proposal: BoxedTransition

    def __call__(self) -> None:
        self.proposal.forget_drawn()


def make_sampler(
    workers: int, progress: bool, seed: int, proposal: BoxedTransition, histories: Sequence[Engine] = (), client=None
) -> IndexOrderSampler:
    """The sampler: proposals seeded from their place in the run, on `workers` processes or a Dask `client`'s cluster.

    With one worker and no client, proposals are made in this process. The stored histories are sent to the
    workers once a run, not with every generation.
    """
    sampler = IndexOrderSampler(seed, workers, fresh=ForgetDrawnProposals(proposal), constants=[histories], client=client)
    sampler.show_progress = progress
    return sampler


def run_abc(
    problem: CalibrationProblem,
    targets: Sequence[Target],
    settings: AbcSettings,
    database: Path,
    workers: int,
    progress: bool = True,
    seed: int | None = None,
    client=None,
) -> pyabc.History:
    """Run, or continue, ABC-SMC; return the history (the database).

    Args:
        problem: the scenario and its free parameters.
        targets: the targets; only those with use = "distance" are measured and fitted.
        settings: population size and stopping rules.
        database: the SQLite file; if it holds a run, the run is continued.
        workers: processes to simulate on.
        progress: log each generation and show a progress bar.
        seed: the root of every random number of the inference (None: the scenario's seed); the same seed gives
            the same posterior with any number of workers, continued or not.
        client: a `distributed.Client` to simulate on its cluster instead of `workers` processes (same posterior).
    """
    seed = problem.scenario.seed if seed is None else seed
    targets = in_distance(targets)
    report_generations(progress)
    deadline = time.time() + 60 * settings.max_minutes
    histories = stored_histories(problem, settings, seed, progress)
    prior = prior_distribution(problem)
    proposal = BoxedTransition(sampling_bounds(problem), KernelBandwidth(settings.kernel_variance), settings.ancestor_power)
    abc = pyabc.ABCSMC(
        TargetModel(problem, targets, deadline, histories),
        prior,
        BandDistance(targets),
        population_size=settings.population_size,
        transitions=proposal,
        sampler=make_sampler(workers, progress, seed, proposal, histories, client),
    )
    url = f"sqlite:///{database}"
    done_generations = 0
    if database.exists() and pyabc.History(url).n_populations > 0:
        history = abc.load(url, 1)
        done_generations = history.n_populations
        logging.getLogger("ABC").info(f"Resuming from {database}: {done_generations} generations done.")
    else:
        database.unlink(missing_ok=True)
        abc.new(url, {target.id: target.documented for target in targets})
    remaining = settings.max_generations - done_generations
    if remaining > 0:
        seed_between_generations(seed, done_generations)  # as the sampler leaves it after generation done - 1
        abc.run(
            max_nr_populations=remaining,
            max_total_nr_simulations=settings.max_simulations,
            max_walltime=timedelta(minutes=settings.max_minutes),
            min_acceptance_rate=settings.min_acceptance_rate,
        )
    return abc.history
