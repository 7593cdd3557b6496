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
`sim.results.storage.write_atomically`), which the next run of the ensemble
clears. The watchdog runs as soon as it gets the GIL: within
milliseconds, or after the compiled call the worker's main thread is in.
Where pidfds are missing (not Linux 5.3+, or blocked by a seccomp
profile) the watchdog checks the main process every `POLL_SECONDS`
instead.

A worker started by the forkserver (or by "spawn") first re-imports the
main script as `__mp_main__`, as multiprocessing does everywhere but with
"fork": a script that builds an ensemble at its top level, outside
`if __name__ == "__main__":`, would build it again in every worker, whose
attempt to start a pool of its own while it is still being started kills
it, and the script would end in a broken pool and a screenful of the
workers' tracebacks. `check_main_guarded` (called before a pool is
started and before an ensemble writes anything) recognises that case in
the main process and refuses it with one `UnguardedMainError` saying what
to do. It reads the script's source to see whether the line now running
at its top level lies inside an `if` on `__name__`; when it cannot tell
(no source), or when the main module is not re-imported (a notebook,
`python -c`, `python -m pkg`), it lets the pool start; a main script read
from standard input (`python - < script.py`) cannot be re-imported at all,
and is refused as well.
"""

from __future__ import annotations

import ast
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import process
from multiprocessing.context import BaseContext
from pathlib import Path
from types import ModuleType

from sim.errors import UnguardedMainError

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
    check_main_guarded()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with, initargs=(os.getpid(),))


def check_main_guarded() -> None:
    """Refuse to start worker processes from the unguarded top level of the main script (see module notes).

    Raises:
        UnguardedMainError: every worker would run the script's top-level code again, this call included.
    """
    main = sys.modules.get("__main__")
    path = _reimported_main(main)
    if path is None:
        return
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_code.co_name == "<module>" and frame.f_globals is vars(main)):
        frame = frame.f_back
    if not Path(path).is_file():  # `python - < script.py`: the workers cannot re-import "<stdin>"
        raise UnguardedMainError(
            f"the main script {path} is not a file, and worker processes re-import it; save the code in a file, with "
            'what runs the ensemble under `if __name__ == "__main__":`, or run it in this process with jobs=1'
        )
    if frame is None or _guarded(path, frame.f_lineno):
        return
    raise UnguardedMainError(
        f"{path}, line {frame.f_lineno}: worker processes re-import this script, so this line would run again in "
        'each of them; put the code that runs the ensemble under `if __name__ == "__main__":` (multiprocessing\'s '
        "idiom), or run it in this process with jobs=1"
    )


def check_pool_start(executor: object | None, jobs: int | None) -> None:
    """Refuse a local pool of more than one worker from an unguarded script (`check_main_guarded`).

    Callers run it before they write anything: an ensemble, a comparison, a sweep or a break-even search.
    Nothing to check when an executor is given or one worker runs in this process.

    Raises:
        UnguardedMainError: as `check_main_guarded`.
    """
    if executor is None and (jobs or default_jobs()) > 1:
        check_main_guarded()


def _reimported_main(main: ModuleType | None) -> str | None:
    """The file of the main module if multiprocessing's workers run it again (its `prepare`), else None."""
    if main is None:
        return None
    name = getattr(getattr(main, "__spec__", None), "name", None)
    path = getattr(main, "__file__", None)
    if name is not None and (name == "__main__" or name.endswith(".__main__")):
        return None  # a package's __main__.py: never re-run
    if path is None or (name is None and Path(path).stem == "ipython"):
        return None  # nothing to re-run, or IPython's launcher (never re-run)
    return str(Path(process.ORIGINAL_DIR or "", path))


def _guarded(path: str, line: int) -> bool:
    """Whether `line` of the script lies inside an `if` that tests `__name__` (True when the source cannot be read)."""
    try:
        tree = ast.parse(Path(path).read_bytes(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if any(isinstance(name, ast.Name) and name.id == "__name__" for name in ast.walk(node.test)):
                return True
    return False


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
