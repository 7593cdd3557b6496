"""Proposals of the index-order sampler (calibration/sampler.py) made on a Dask distributed cluster.

The same batches as the sampler's own worker processes, submitted as Dask
tasks: each is `make_proposals(simulate_one, seed, t, indices, fresh)`, a
function of its arguments alone, so which worker makes a batch, when, or
whether Dask makes it twice (after losing a worker) cannot change the
result; results are put in index order by `Proposals`, as with the
sampler's own workers. What differs:

- The constants (the stored histories) are scattered to every worker once a
  run, and each generation's pickle of `simulate_one` once a generation;
  a worker unpickles each once and keeps it (`_installed`) until the run
  ends or the next generation replaces it.
- Proposals are drawn from numpy's global generator, which every thread of
  a worker process shares, so a worker makes one batch at a time whatever
  its number of threads (`_ONE_AT_A_TIME`); give workers one thread each
  (`--scheduler local` does).
- There is no shared end index for a batch to stop at: once a generation's
  sample is decided, batches not yet finished are cancelled, so a
  generation costs at most the batches in flight past it.
"""

from __future__ import annotations

import io
import pickle
import threading
import uuid
from collections.abc import Callable, Sequence

from pyabc.population import Particle

from calibration.indexed import AHEAD, ProposalError, Proposals, WithConstants, generation_payload, make_proposals

_installed: dict[tuple[str, str], object] = {}  # in a worker: (run, "constants" or "generation") -> unpickled objects
_ONE_AT_A_TIME = threading.Lock()  # in a worker: numpy's global generator is one per process


def _install(run: str, constants: bytes, t: int, generation: bytes) -> tuple[Callable[[], Particle], Callable | None]:
    """The worker's copy of the run's constants and of generation t's (simulate_one, fresh), unpickled once each."""
    if (run, "constants") not in _installed:
        _installed[(run, "constants")] = pickle.loads(constants)
    current = _installed.get((run, "generation"))
    if current is None or current[0] != t:
        objects = WithConstants(io.BytesIO(generation), _installed[(run, "constants")]).load()
        _installed[(run, "generation")] = current = (t, objects)
    return current[1]


def make_batch(run: str, constants: bytes, t: int, generation: bytes, seed: int, indices: range) -> list[tuple[int, Particle]]:
    """A Dask task: proposals `indices` of generation t, (index, particle) in index order."""
    with _ONE_AT_A_TIME:
        simulate_one, fresh = _install(run, constants, t, generation)
        return make_proposals(simulate_one, seed, t, indices, fresh)


def _forget(run: str) -> None:
    """Drop a finished run's objects from this worker."""
    for kind in ("constants", "generation"):
        _installed.pop((run, kind), None)


def dask_workers(client) -> int:
    """The workers a Dask client's cluster has now (at least 1)."""
    return max(1, len(client.scheduler_info(n_workers=-1)["workers"]))


class DaskPool:
    """Makes batches of proposals as tasks on a Dask cluster, for one calibration run.

    Args:
        client: a `distributed.Client`; its cluster's workers should have one thread each.
        seed: the run's root seed.
        constants: objects sent to every worker once, then left out of every generation's pickle.
    """

    def __init__(self, client, seed: int, constants: Sequence[object]) -> None:
        self._client = client
        self._seed = seed
        self._run = uuid.uuid4().hex  # names this run's objects in the workers
        self._constants = tuple(constants)
        payload = pickle.dumps(self._constants, protocol=pickle.HIGHEST_PROTOCOL)
        self._scattered = client.scatter(payload, broadcast=True, hash=False)

    def make(
        self,
        proposals: Proposals,
        simulate_one: Callable[[], Particle],
        fresh: Callable[[], None] | None,
        t: int,
        batch: int,
        show: Callable[[Proposals], None],
    ) -> None:
        """Make proposals of generation t on the cluster until `proposals` is complete."""
        from distributed import as_completed

        payload = generation_payload(simulate_one, fresh, self._constants)
        generation = self._client.scatter(payload, broadcast=True, hash=False)
        in_flight: dict = {}  # future -> its indices
        following = 0  # the next index to give out
        finished = as_completed()
        most_in_flight = AHEAD * dask_workers(self._client)

        def give() -> None:
            nonlocal following
            while len(in_flight) < most_in_flight and following < proposals.end:
                indices = range(following, int(min(following + batch, proposals.end)))
                future = self._client.submit(
                    make_batch, self._run, self._scattered, t, generation, self._seed, indices, pure=False
                )
                in_flight[future] = indices
                finished.add(future)
                following = indices.stop

        try:
            give()
            for future in finished:
                if future not in in_flight:  # cancelled below
                    continue
                indices = in_flight.pop(future)
                try:
                    made = future.result()
                except Exception as error:
                    raise ProposalError(
                        f"proposals {indices.start}-{indices.stop - 1} of generation {t} failed on a Dask worker: "
                        f"{type(error).__name__}: {error}"
                    ) from error
                for index, particle in made:
                    proposals.add(index, particle)
                show(proposals)
                if proposals.complete:
                    break
                past_the_end = [other for other, given in in_flight.items() if given.start >= proposals.end]
                for other in past_the_end:
                    del in_flight[other]
                self._client.cancel(past_the_end)
                give()
        finally:
            self._client.cancel(list(in_flight))  # the generation's pickle is released with its last reference

    def close(self) -> None:
        """Drop this run's objects from the cluster and its workers (the client stays open: it is the caller's)."""
        self._client.cancel([self._scattered])
        try:
            self._client.run(_forget, self._run)
        except OSError:  # a cluster already gone keeps nothing
            pass
