"""Worker processes that die with the process that started them.

A `ProcessPoolExecutor` worker waits for its next task on a pipe that it
holds both ends of, so it never sees its parent die: after a kill -9 of
`cadres run`, the workers finish the replicates already queued, write
them, and then sit idle for good, with the forkserver behind them (about
1 GB together). `process_pool` builds pools whose workers exit as soon as
the process that built the pool is gone.

The mechanism: each worker, as the pool starts it, opens a pidfd on the
main process (`os.pidfd_open`) and starts a watchdog thread that waits in
`poll` for it to become readable, which the kernel signals the moment that
process exits, and then ends the worker with `os._exit`. Why not
`prctl(PR_SET_PDEATHSIG, SIGKILL)`, the usual answer:

- A forkserver worker's parent is the forkserver, not the main process,
  and the forkserver only exits once every worker has gone (each holds its
  "alive" pipe): a death signal tied to the parent would never fire. Tying
  the forkserver to the main process as well would need code run inside
  the forkserver, where only the preload imports run.
- PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not
  the process, and the forkserver is started by whichever thread first
  submits a task: a pool used from a short-lived thread would lose it.
- A pidfd names one process for good (no confusion with a new process that
  reuses the number) and is readable for a main process that has exited
  but is not reaped yet; the thread sleeps in the kernel (no polling).

Once the workers have gone, the forkserver reads end-of-file on its
alive pipe and exits by itself, and the resource tracker follows. A
worker ended in the middle of a replicate leaves only a staging
directory (replicates are written whole and renamed,
`sim.storage.write_atomically`), which the next run of the ensemble
clears. The watchdog runs as soon as it gets the GIL: within
milliseconds, or after the compiled call the worker's main thread is in.
Where pidfds are missing (not Linux 5.3+, or blocked by a seccomp
profile) the watchdog checks the main process every `POLL_SECONDS`
instead.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing.context import BaseContext

ORPHANED = 1  # exit code of a worker whose main process has gone
POLL_SECONDS = 0.5  # without pidfds only


def default_jobs() -> int:
    """Worker processes when --jobs is not given: the cores available to us."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def process_pool(workers: int, context: BaseContext) -> ProcessPoolExecutor:
    """A process pool whose workers exit as soon as this process is gone.

    Args:
        workers: number of worker processes.
        context: the multiprocessing context (start method) of the workers.
    """
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with, initargs=(os.getpid(),))


def die_with(main_pid: int) -> None:
    """Pool initializer: end this worker when process `main_pid` exits (see module notes).

    A worker started after the main process has already gone exits here,
    before it takes a task.
    """
    try:
        pidfd = os.pidfd_open(main_pid)
    except ProcessLookupError:
        os._exit(ORPHANED)
    except (AttributeError, OSError):  # no pidfds here
        wait = partial(_poll_until_gone, main_pid)
    else:
        wait = partial(_wait_readable, pidfd)
    threading.Thread(target=_exit_after, args=(wait,), name=f"die-with-{main_pid}", daemon=True).start()


def _exit_after(wait: Callable[[], None]) -> None:
    wait()
    os._exit(ORPHANED)


def _wait_readable(pidfd: int) -> None:
    """Block until the process of `pidfd` has exited."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    poller.poll()  # no timeout: returns with the event (interruptions are retried)


def _poll_until_gone(pid: int) -> None:
    """Block until no process `pid` exists (checked every POLL_SECONDS)."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:  # exists, owned by someone else
            pass
        time.sleep(POLL_SECONDS)
