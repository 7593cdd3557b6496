"""A pyabc sampler whose populations depend on the seed alone, not on the workers or on interruptions.

pyabc's own samplers accept proposals in the order they finish, and their
worker processes reseed themselves, so the posterior changes with the
number of workers and from one run to the next. Here every proposal has a
place in the run, (generation t, index i), and everything random about it
comes from that place:

- Before proposal i of generation t is made, numpy's global generator (from
  which pyabc draws parameters from the prior, ancestors and kernel
  perturbations, and `calibration.abc.TargetModel` its run seed) is seeded
  from `SeedSequence(seed, spawn_key=(0, t + 1, i))` (pyabc numbers the
  calibration sample it draws from the prior before generation 0 as t = -1).
- A generation is the first n accepted proposals by index, its count of
  simulations the index of the n-th accepted plus one, and pyabc's cap on
  simulations (`max_eval`) is applied in index order: proposals from
  `max_eval` on are never made.
- After a generation, the global generator is seeded from
  `SeedSequence(seed, spawn_key=(1, t + 1))`, so whatever pyabc draws
  between generations comes from (seed, t + 1) too; `seed_between_generations`
  does the same before a run continued from its database, which makes the
  continuation equal to an uninterrupted run.

With one worker, proposals are made in this process in index order. With
more, worker processes are started at the first generation and kept until
pyabc stops the sampler at the end of the run, or at once if this process
dies (`sim.experiments.workers.die_with`). They are started with the "forkserver"
method, as the project's process pools are (sim/experiments/executors.py):
forking a process that runs threads (tqdm's monitor) can deadlock, and
Python 3.12 warns. pyabc's `simulate_one` is a closure that plain pickle
refuses, so it goes to every worker once a generation with cloudpickle;
objects that do not change between generations and are large (the stored
histories simulations continue, some 0.6 MB a run) are given as
`constants`, sent once a run and left out of each generation's pickle.
Workers take batches of consecutive indices, two batches ahead; results
come back in any order and are put in index order here. Once n proposals
are known accepted, indices past the n-th are skipped, so a generation
costs at most the simulations in progress past it.

Given a Dask client, the same batches are Dask tasks on its cluster
(calibration/dask_pool.py), with the same result. The proposals' seeds,
their collection in index order and the generation's payload are in
calibration/indexed.py, which both pools use.
"""

from __future__ import annotations

import ctypes
import io
import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import ProcessError

import numpy as np
import pyabc
from pyabc.population import Particle, Sample
from tqdm import tqdm

from calibration.indexed import (
    AHEAD,
    ProposalError,
    Proposals,
    WithConstants,
    generation_payload,
    make_proposal,
    make_proposals,
    proposal_limit,
    seed_between_generations,
)
from sim.experiments.workers import die_with

START_METHOD = "forkserver"
PRELOAD = ["calibration.abc", "pyabc"]  # what a worker needs, imported once in the fork server


class IndexOrderSampler(pyabc.sampler.Sampler):
    """A pyabc sampler whose every generation depends only on (seed, generation): see the module docstring.

    Args:
        seed: the run's root seed (a non-negative integer).
        workers: processes to simulate on; 1: in this process.
        batch: consecutive proposals a worker makes per request (no effect on the result).
        fresh: called before each proposal, after seeding, to drop state carried over from the previous
            proposal; it goes to the workers with `simulate_one`, so it acts on their copy of pyabc's objects.
        constants: objects reached from `simulate_one` that no generation changes, sent to each worker once
            (with plain pickle: instances of importable classes).
        client: a `distributed.Client` to make the proposals on its cluster instead (`workers` is then ignored);
            it stays open after the run: it is the caller's.
    """

    def __init__(
        self,
        seed: int,
        workers: int = 1,
        *,
        batch: int = 2,
        fresh: Callable[[], None] | None = None,
        constants: Sequence[object] = (),
        client=None,
    ) -> None:
        super().__init__()
        np.random.SeedSequence(seed)  # refuses a negative or non-integer seed now, not at the first proposal
        self.seed = seed
        self.workers = workers
        self.batch = max(1, batch)
        self.fresh = fresh
        self.constants = tuple(constants)
        self.client = client
        self._pool = None  # a WorkerPool or a DaskPool, from the first generation to the end of the run

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Particle],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: object = None,
    ) -> Sample:
        """The first n accepted proposals of generation t, by index, and the rejected ones before them."""
        proposals = Proposals(n, proposal_limit(n, max_eval, all_accepted))
        with tqdm(total=n, disable=not self.show_progress, leave=False, desc=f"generation {t}", unit="accepted") as bar:

            def show(proposals: Proposals) -> None:
                bar.update(proposals.accepted_so_far - bar.n)

            if self.workers <= 1 and self.client is None:
                self._make_here(proposals, simulate_one, t, show)
            else:
                self._started_pool().make(proposals, simulate_one, self.fresh, t, self.batch, show)
        self.nr_evaluations_ = int(proposals.end)
        seed_between_generations(self.seed, t + 1)
        return proposals.sample(self._create_empty_sample())

    def _started_pool(self):
        if self._pool is None:
            if self.client is not None:
                from calibration.dask_pool import DaskPool

                self._pool = DaskPool(self.client, self.seed, self.constants)
            else:
                self._pool = WorkerPool(self.workers, self.seed, self.constants)
        return self._pool

    def _make_here(self, proposals: Proposals, simulate_one: Callable[[], Particle], t: int, show: Callable) -> None:
        index = 0
        while not proposals.complete:
            proposals.add(index, make_proposal(simulate_one, self.seed, t, index, self.fresh))
            show(proposals)
            index += 1

    def stop(self) -> None:
        """Stop the worker processes, or release what the run left on the Dask cluster (pyabc calls this at the end)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None


# Messages between the sampler and its workers.
@dataclass(frozen=True)
class _Constants:
    payload: bytes


@dataclass(frozen=True)
class _Generation:
    t: int
    payload: bytes  # cloudpickle of (simulate_one, fresh), constants left out


@dataclass(frozen=True)
class _Batch:
    indices: range


@dataclass(frozen=True)
class _Made:
    particles: list[tuple[int, Particle]]


@dataclass(frozen=True)
class _Failed:
    traceback: str


def _serve(connection: multiprocessing.connection.Connection, seed: int, end: ctypes.c_double, main_pid: int) -> None:
    """A worker: installs the constants and each generation's `simulate_one`, makes the batches it is sent.

    It exits as soon as the main process is gone, even in the middle of a simulation (`sim.experiments.workers.die_with`).
    """
    die_with(main_pid)
    constants: Sequence[object] = ()
    simulate_one = fresh = None
    t = 0
    while (message := connection.recv()) is not None:
        match message:
            case _Constants(payload):
                constants = pickle.loads(payload)
            case _Generation(generation, payload):
                t = generation
                simulate_one, fresh = WithConstants(io.BytesIO(payload), constants).load()
            case _Batch(indices):
                try:
                    made = make_proposals(simulate_one, seed, t, indices, fresh, lambda index: index < end.value)
                except Exception:  # sent back whole, raised by the sampler
                    connection.send(_Failed(traceback.format_exc()))
                else:
                    connection.send(_Made(made))


class WorkerPool:
    """Worker processes that make batches of proposals, kept for a whole run.

    Args:
        workers: how many processes.
        seed: the run's root seed.
        constants: objects sent once, then left out of every generation's pickle.
    """

    def __init__(self, workers: int, seed: int, constants: Sequence[object]) -> None:
        context = multiprocessing.get_context(START_METHOD)
        context.set_forkserver_preload(PRELOAD)
        # Proposals from this index on are skipped; written here, read by the workers: no lock needed for one double.
        self._end = context.RawValue("d", math.inf)
        self._constants = constants
        self._connections: list[multiprocessing.connection.Connection] = []
        self._processes: list[multiprocessing.process.BaseProcess] = []
        shared = _Constants(pickle.dumps(tuple(constants), protocol=pickle.HIGHEST_PROTOCOL))  # 2.5 times cloudpickle's speed
        for _ in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, seed, self._end, os.getpid()), daemon=True)
            process.start()
            theirs.close()
            ours.send(shared)
            self._connections.append(ours)
            self._processes.append(process)

    def make(
        self,
        proposals: Proposals,
        simulate_one: Callable[[], Particle],
        fresh: Callable[[], None] | None,
        t: int,
        batch: int,
        show: Callable[[Proposals], None],
    ) -> None:
        """Make proposals of generation t on the workers until `proposals` is complete."""
        generation = _Generation(t, generation_payload(simulate_one, fresh, self._constants))
        self._end.value = proposals.end
        for connection in self._connections:
            self._send(connection, generation, t)
        given: dict[multiprocessing.connection.Connection, deque[range]] = {c: deque() for c in self._connections}
        following = 0  # the next index to give out

        def give(connection: multiprocessing.connection.Connection) -> None:
            nonlocal following
            while len(given[connection]) < AHEAD and following < proposals.end:
                indices = range(following, int(min(following + batch, proposals.end)))
                self._send(connection, _Batch(indices), t)
                given[connection].append(indices)
                following = indices.stop

        try:
            for connection in self._connections:
                give(connection)
            while any(given.values()):  # until every worker has answered: none is left busy with this generation
                for connection, answer in self._answers(t):
                    given[connection].popleft()
                    match answer:
                        case _Failed(text):
                            raise ProposalError(f"a proposal of generation {t} failed in a worker process:\n{text}")
                        case _Made(made):
                            for index, particle in made:
                                proposals.add(index, particle)
                    self._end.value = proposals.end
                    show(proposals)
                    if not proposals.complete:
                        give(connection)
        except BaseException:
            self.close()
            raise

    def _answers(self, t: int) -> list[tuple[multiprocessing.connection.Connection, _Made | _Failed]]:
        """The answers workers have sent, waiting for one; raises ProcessError if a worker has died."""
        answers = []
        for connection in multiprocessing.connection.wait(self._connections):
            try:
                answers.append((connection, connection.recv()))
            except (EOFError, OSError):
                raise self._died(connection, t) from None
        return answers

    def _send(self, connection: multiprocessing.connection.Connection, message: object, t: int) -> None:
        """Send a worker a message; raises ProcessError if it has died (its pipe is broken)."""
        try:
            connection.send(message)
        except OSError:
            raise self._died(connection, t) from None

    def _died(self, connection: multiprocessing.connection.Connection, t: int) -> ProcessError:
        process = self._processes[self._connections.index(connection)]
        process.join(timeout=5)
        return ProcessError(f"a calibration worker died (exit code {process.exitcode}) in generation {t}")

    def close(self) -> None:
        """Stop the workers: ask them to leave, then end those that do not."""
        for connection in self._connections:
            try:
                connection.send(None)
            except OSError:  # already gone
                pass
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
        for connection in self._connections:
            connection.close()
        self._connections, self._processes = [], []
