"""Proposals with a place in the run: their seeds, the generation's proposals in index order, and what workers are sent.

Proposal i of generation t is made after numpy's global generator is
seeded from (seed, t, i) (`proposal_seed`); `Proposals` collects results
that come back in any order and keeps a generation's first n accepted by
index; `generation_payload` and `WithConstants` pickle pyabc's
`simulate_one` for the workers, with the constants sent once a run left
out. The local worker pool (calibration/sampler.py) and the Dask pool
(calibration/dask_pool.py) both make proposals through this module; see
calibration/sampler.py for the whole scheme.
"""

from __future__ import annotations

import bisect
import io
import math
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cloudpickle
import numpy as np
from pyabc.population import Particle, Sample

PROPOSALS, BETWEEN_GENERATIONS = 0, 1  # first word of the spawn keys


AHEAD = 2  # batches given to a worker before it asks for more


class ProposalError(RuntimeError):
    """A proposal failed in a worker process; the message carries its place and the worker's traceback."""


def proposal_seed(seed: int, generation: int, index: int) -> np.random.SeedSequence:
    """The seed of proposal `index` of `generation` (-1: pyabc's calibration sample from the prior)."""
    return np.random.SeedSequence(seed, spawn_key=(PROPOSALS, generation + 1, index))


def seed_between_generations(seed: int, generation: int) -> None:
    """Seed numpy's global generator for what pyabc draws before generation `generation`'s proposals."""
    np.random.seed(np.random.SeedSequence(seed, spawn_key=(BETWEEN_GENERATIONS, generation + 1)).generate_state(4))


def make_proposal(
    simulate_one: Callable[[], Particle], seed: int, generation: int, index: int, fresh: Callable[[], None] | None = None
) -> Particle:
    """Proposal `index` of `generation`: numpy's global generator seeded from its place, then pyabc's `simulate_one`.

    `fresh`, if given, is called after seeding: it drops any state a
    proposal must not inherit from the one before (proposals drawn ahead).
    """
    np.random.seed(proposal_seed(seed, generation, index).generate_state(4))
    if fresh is not None:
        fresh()
    return simulate_one()


def make_proposals(
    simulate_one: Callable[[], Particle],
    seed: int,
    generation: int,
    indices: range,
    fresh: Callable[[], None] | None = None,
    still_needed: Callable[[int], bool] = lambda index: True,
) -> list[tuple[int, Particle]]:
    """A batch of proposals, (index, particle) in index order, stopping at the first index no longer needed."""
    made = []
    for index in indices:
        if not still_needed(index):
            break
        made.append((index, make_proposal(simulate_one, seed, generation, index, fresh)))
    return made


@dataclass
class Proposals:
    """One generation's proposals by index, and which of them make its sample.

    Args:
        n: the proposals to accept.
        limit: proposals with an index from it on are never made (pyabc's `max_eval`).
    """

    n: int
    limit: float
    particles: dict[int, Particle] = field(default_factory=dict)
    accepted: list[int] = field(default_factory=list)  # sorted indices
    made_up_to: int = 0  # every index below it has been made

    def add(self, index: int, particle: Particle) -> None:
        """Record the outcome of proposal `index`."""
        self.particles[index] = particle
        if particle.accepted:
            bisect.insort(self.accepted, index)
        while self.made_up_to in self.particles:
            self.made_up_to += 1

    @property
    def end(self) -> float:
        """The proposals that count are those below it: up to the n-th accepted known so far, else up to the limit."""
        return self.accepted[self.n - 1] + 1 if len(self.accepted) >= self.n else self.limit

    @property
    def complete(self) -> bool:
        """Every proposal that counts has been made: the sample is decided."""
        return self.made_up_to >= self.end

    @property
    def accepted_so_far(self) -> int:
        """Accepted proposals that count, for the progress bar."""
        return min(len(self.accepted), self.n)

    def sample(self, sample: Sample) -> Sample:
        """Fill pyabc's empty `sample` with the proposals that count, in index order; not ok if fewer than n accepted."""
        for index in range(int(self.end)):
            sample.append(self.particles[index])
        sample.ok = sample.n_accepted >= self.n
        return sample


def proposal_limit(n: int, max_eval: float, all_accepted: bool) -> float:
    """The first index not to propose: pyabc's `max_eval` rounded up, or n if every proposal is known to be accepted."""
    limit = math.ceil(max_eval) if math.isfinite(max_eval) else math.inf
    return min(limit, n) if all_accepted else limit


class ConstantsLeftOut(cloudpickle.Pickler):
    """Pickles a generation's objects with each constant replaced by its position (see `WithConstants`)."""

    def __init__(self, file: io.BytesIO, constants: Sequence[object]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._positions = {id(constant): position for position, constant in enumerate(constants)}

    def persistent_id(self, obj: object) -> int | None:
        return self._positions.get(id(obj))


def generation_payload(simulate_one: Callable[[], Particle], fresh: Callable | None, constants: Sequence[object]) -> bytes:
    """A generation's (simulate_one, fresh) pickled for the workers, with the constants left out."""
    buffer = io.BytesIO()
    ConstantsLeftOut(buffer, constants).dump((simulate_one, fresh))
    return buffer.getvalue()


class WithConstants(pickle.Unpickler):
    """Unpickles a generation's objects, putting the worker's copy of each constant back."""

    def __init__(self, file: io.BytesIO, constants: Sequence[object]) -> None:
        super().__init__(file)
        self._constants = constants

    def persistent_load(self, pid: int) -> object:
        return self._constants[pid]
