"""A kill -9 of an ensemble takes its process pool with it (sim.experiments.workers).

Linux only: the workers watch their main process through a pidfd.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from sim.experiments.workers import ORPHANED
from tests.ensemble_helpers import scenario_path

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pidfds are Linux's")

JOBS = 2
GONE_WITHIN = 5.0  # seconds after the kill


def gone(process: psutil.Process) -> bool:
    """True once a process has exited (a zombie waiting for init to reap it counts)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def replicates(out: Path) -> set[str]:
    return {path.name for path in (out / "replicates").glob("r*")}


def test_kill_9_of_an_ensemble_ends_its_workers_and_forkserver(tmp_path):
    out = tmp_path / "ensemble"
    command = (
        "from sim.experiments.ensemble import Ensemble; from sim.experiments.executors import LocalPool\n"
        f"with LocalPool({JOBS}) as pool:\n"
        f"    Ensemble({str(scenario_path('historical'))!r}, 40, 1, {str(out)!r}).execute(pool, progress=False)"
    )
    with open(tmp_path / "log", "w") as log:
        parent = subprocess.Popen([sys.executable, "-c", command], stdout=log, stderr=log)
    pool: list[psutil.Process] = []
    try:
        assert wait_until(lambda: replicates(out) or parent.poll() is not None, 90), "no replicate written"
        assert parent.poll() is None, (tmp_path / "log").read_text()
        pool = psutil.Process(parent.pid).children(recursive=True)
        forkservers = [p for p in pool if p.ppid() == parent.pid and "multiprocessing.forkserver" in " ".join(p.cmdline())]
        assert len(forkservers) == 1
        assert len(forkservers[0].children()) == JOBS  # the workers
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        written = replicates(out)
        assert wait_until(lambda: all(gone(p) for p in pool), GONE_WITHIN), [p for p in pool if not gone(p)]
        # At most the replicate each worker was finishing when the parent died;
        # an unwatched worker goes on with all the tasks queued to it.
        assert len(replicates(out) - written) <= JOBS
    finally:
        for process in pool:
            if not gone(process):
                process.kill()


def test_a_worker_whose_main_process_is_gone_exits_at_once():
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    code = f"from sim.experiments.workers import die_with; die_with({finished.pid}); import time; time.sleep(30)"
    assert subprocess.run([sys.executable, "-c", code], timeout=20).returncode == ORPHANED


def test_without_pidfds_a_worker_exits_when_its_main_process_dies():
    main = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    hide = "import os; del os.pidfd_open; "  # the pidfd watchdog is tested with a real pool above
    watch = f"from sim.experiments.workers import die_with; die_with({main.pid}); print('watching', flush=True)"
    code = f"{hide}{watch}; import time; time.sleep(30)"
    worker = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline() == "watching\n"
        assert worker.poll() is None
        main.kill()
        main.wait()
        assert worker.wait(timeout=GONE_WITHIN) == ORPHANED
    finally:
        for process in (main, worker):
            if process.poll() is None:
                process.kill()
                process.wait()
        worker.stdout.close()
