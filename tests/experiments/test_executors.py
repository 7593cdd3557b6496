"""Results do not depend on the executor: serial, local pool of 1 or 2 workers, Dask LocalCluster."""

import pytest

from sim.cli import main
from sim.experiments.ensemble import Ensemble
from sim.experiments.executors import DaskExecutor, LocalPool, Serial, batches
from tests.ensemble_helpers import assert_same_replicates, short, short_file


@pytest.fixture(scope="module")
def scenario():
    return short(end="1937-12")


@pytest.fixture(scope="module")
def pooled(tmp_path_factory, scenario):
    """The reference: the local process pool with 2 workers."""
    out = tmp_path_factory.mktemp("pool") / "ensemble"
    with LocalPool(2) as pool:
        return Ensemble(scenario, replicates=5, seed=11, out=out).execute(pool, progress=False).reduce()


def test_batches_keep_order_and_cover_everything():
    assert batches(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches([], 3) == []


def test_serial_and_one_worker_equal_two_workers(tmp_path, scenario, pooled):
    serial = Ensemble(scenario, replicates=5, seed=11, out=tmp_path / "serial").execute(Serial(), progress=False).reduce()
    assert_same_replicates(serial.directory, pooled.directory)
    assert serial.bands.equals(pooled.bands)
    with LocalPool(1) as pool:
        one = Ensemble(scenario, replicates=5, seed=11, out=tmp_path / "one").execute(pool, progress=False)
    assert_same_replicates(one.directory, pooled.directory)


def test_dask_local_cluster_equals_local_pool(tmp_path, scenario, pooled, dask_client):
    executor = DaskExecutor(client=dask_client)
    assert executor.workers == 2
    assert executor.batch_size(5) == 1 and executor.batch_size(60) == 10  # about three tasks per worker
    executor.batch_size = lambda count: 2  # batches of several replicates: tasks of 2, 2 and 1
    ensemble = Ensemble(scenario, replicates=5, seed=11, out=tmp_path / "dask").execute(executor, progress=False).reduce()
    assert_same_replicates(ensemble.directory, pooled.directory)
    assert ensemble.bands.equals(pooled.bands)
    assert ensemble.outcomes.equals(pooled.outcomes)


def test_bad_scheduler_address_exits_2_and_writes_nothing(tmp_path, capsys):
    scenario_file = short_file(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(scenario_file), "--replicates", "2", "--scheduler", "nonsense://x", "--out", str(out)]) == 2
    assert "--scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_a_local_dask_cluster_starts_when_the_default_dashboard_port_is_taken():
    """Another cluster (another command, a notebook) may hold Dask's default port 8787."""
    import socket

    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            taken.bind(("", 8787))
            taken.listen()
        except OSError:
            pass  # already held by another process: the same situation
        executor = DaskExecutor("local", jobs=1)
        try:
            assert executor.workers == 1
        finally:
            executor.close()
