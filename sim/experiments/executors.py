"""Where replicates run: in this process, a local process pool, or a Dask cluster.

Every executor takes batches of replicate tasks (sim.experiments.replicate.Task) and
yields their results as each batch finishes, in whatever order. Results do
not depend on the executor or the number of workers: each replicate's
random numbers come only from its own spawned SeedSequence.

- `Serial`: in this process (one job; no start-up cost).
- `LocalPool`: a `ProcessPoolExecutor` with the "forkserver" start method.
  Not "fork": forking a process that already runs threads (tqdm's monitor,
  a Dask client, matplotlib) can deadlock, and Python 3.12 warns about it.
  Not "spawn" (what mesa.batch_run switches to): every worker re-imports
  everything. The forkserver is started once with the model's modules
  preloaded, so each worker is a cheap fork of a clean, single-threaded
  process that already has numpy, pandas and `sim` imported. Its workers
  exit as soon as this process is gone, even by kill -9 (sim.experiments.workers).
  One replicate per task: a task costs well under a millisecond of pool
  overhead against ~0.5 s of simulation, and each replicate is written as
  soon as it finishes. Workers write their replicate directories themselves
  (same file system), so the parent only keeps the books.
- `DaskExecutor`: `--scheduler ADDRESS` (or "local" for a LocalCluster on
  this machine). One tiny run per Dask task is slower than a plain pool, so
  tasks are batches of replicates (about three batches per worker). Workers
  may not share our file system: results come back and are written here.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Self

from sim.experiments.replicate import ReplicateResult, Task, simulate_batch
from sim.experiments.workers import default_jobs, process_pool

PRELOAD = [
    "sim.experiments.replicate",
    "sim.model.engine",
    "sim.records.run_records",
    "sim.records.outcomes",
    "pandas",
    "pyarrow.parquet",
]
START_METHOD = "forkserver"


def batches(tasks: Sequence[Task], size: int) -> list[list[Task]]:
    """Consecutive batches of at most `size` tasks."""
    size = max(1, size)
    return [list(tasks[start : start + size]) for start in range(0, len(tasks), size)]


class Executor:
    """What every executor shares: used in a `with` block, it is closed on leaving it."""

    def close(self) -> None:
        """Release the workers (nothing by default)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Serial(Executor):
    """Run replicates one after another in this process."""

    workers = 1
    name = "serial"

    def run(self, tasks: Sequence[Task]) -> Iterator[ReplicateResult]:
        """Yield the result of each task as it finishes (written by `simulate`)."""
        for task in tasks:
            yield from simulate_batch([task], write=True)


class LocalPool(Executor):
    """A process pool on this machine (forkserver start method, see module notes).

    Args:
        jobs: number of worker processes (default: the cores available).
    """

    name = "local pool"

    def __init__(self, jobs: int | None = None) -> None:
        self.workers = jobs or default_jobs()
        context = multiprocessing.get_context(START_METHOD)
        context.set_forkserver_preload(PRELOAD)
        self._pool = process_pool(self.workers, context)

    def run(self, tasks: Sequence[Task]) -> Iterator[ReplicateResult]:
        """Yield results as replicates finish.

        At most two tasks per worker are submitted ahead (a sweep of thousands
        of points does not queue thousands of pickled scenarios), so when the
        caller stops (an interruption) no more than those few still finish.
        """
        waiting = list(reversed(tasks))
        pending: set[Future] = set()
        try:
            while waiting or pending:
                while waiting and len(pending) < 2 * self.workers:
                    pending.add(self._pool.submit(simulate_batch, [waiting.pop()], True))
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield from future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Stop the workers, dropping tasks not yet started."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Replicates on a Dask distributed cluster, in batches.

    Args:
        address: a scheduler address ("tcp://host:8786"), or "local" to start a
            LocalCluster of `jobs` single-threaded worker processes here.
        jobs: workers of the "local" cluster (default: the cores available).
        client: an existing `distributed.Client` to use instead (tests, notebooks).
    """

    name = "dask"

    def __init__(self, address: str | None = None, jobs: int | None = None, client=None) -> None:
        from distributed import Client, LocalCluster

        self._owned = []
        if client is None:
            if address == "local":
                # ":0": the scheduler's HTTP server on a free port, not Dask's default 8787, so that two local
                # clusters (two commands, or a notebook's) can run at once.
                cluster = LocalCluster(
                    n_workers=jobs or default_jobs(), threads_per_worker=1, processes=True, dashboard_address=":0"
                )
                self._owned.append(cluster)
                client = Client(cluster)
            else:
                client = Client(address, timeout="20s")
            self._owned.insert(0, client)
            client.wait_for_workers(1, timeout=60)
        self.client = client
        self.workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))

    def batch_size(self, count: int) -> int:
        """Replicates per Dask task: about three tasks per worker."""
        return max(1, math.ceil(count / (3 * self.workers)))

    def run(self, tasks: Sequence[Task]) -> Iterator[ReplicateResult]:
        """Yield results as batches finish; results come back and are written here."""
        from distributed import as_completed

        from sim.experiments.replicate import write_replicate

        by_key = {(task.label, task.index): task for task in tasks}
        futures = [
            self.client.submit(simulate_batch, batch, False, pure=False) for batch in batches(tasks, self.batch_size(len(tasks)))
        ]
        try:
            for future in as_completed(futures):
                for result in future.result():
                    task = by_key[(result.label, result.index)]
                    if result.error is None and task.directory is not None:  # else kept in memory
                        write_replicate(task, result)
                        result.records = None
                    yield result
        finally:
            self.client.cancel([future for future in futures if not future.done()])

    def close(self) -> None:
        """Close the client (and the LocalCluster if we started it)."""
        for owned in self._owned:
            owned.close()


class Lazy(Executor):
    """An executor started only when there is work (a resumed ensemble may have none).

    Args:
        factory: makes the real executor (a LocalPool, a DaskExecutor).
    """

    name = "lazy"

    def __init__(self, factory) -> None:
        self._factory = factory
        self._executor = None

    @property
    def workers(self) -> int:
        """Workers of the real executor (starting it)."""
        return self._started().workers

    def _started(self):
        if self._executor is None:
            self._executor = self._factory()
        return self._executor

    def run(self, tasks: Sequence[Task]) -> Iterator[ReplicateResult]:
        """Start the real executor and run the tasks on it."""
        return self._started().run(tasks)

    def close(self) -> None:
        """Close the real executor if it was started."""
        if self._executor is not None:
            self._executor.close()


def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Serial | LocalPool | DaskExecutor:
    """The executor for the command-line options --jobs and --scheduler."""
    if scheduler:
        return DaskExecutor(scheduler, jobs=jobs)
    jobs = jobs or default_jobs()
    return Serial() if jobs == 1 else LocalPool(jobs)
