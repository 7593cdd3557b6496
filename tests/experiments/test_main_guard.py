"""A plain script that runs an ensemble of 2 workers at its top level, without `if __name__ == "__main__":`.

The workers re-import the main script (forkserver), so without the guard each would run the ensemble again:
the script is refused at once with one error saying what to do, before anything is written; with the guard
(or with jobs=1) it runs.
"""

import subprocess
import sys
import textwrap

import pytest

from sim.experiments.workers import _guarded
from tests.ensemble_helpers import scenario_path

SCRIPT = """\
from sim import Ensemble, load_scenario

scenario = load_scenario({path!r}, overrides={{"time": {{"start": "1931-01", "end": "1932-06"}}}})
{body}
"""
RUN = 'print("replicates", len(Ensemble(scenario, 2, out="runs/ens").execute(jobs={jobs}, progress=False).reduce().outcomes))'


def run_script(directory, body: str) -> subprocess.CompletedProcess:
    script = directory / "script.py"
    script.write_text(SCRIPT.format(path=str(scenario_path("historical")), body=body))
    return subprocess.run([sys.executable, str(script)], cwd=directory, capture_output=True, text=True, timeout=120, check=False)


def test_an_unguarded_script_is_refused_with_one_error_and_nothing_written(tmp_path):
    done = run_script(tmp_path, RUN.format(jobs=2))
    assert done.returncode == 1
    assert "UnguardedMainError" in done.stderr and "script.py, line 4" in done.stderr
    assert 'if __name__ == "__main__":' in done.stderr and "jobs=1" in done.stderr
    assert done.stderr.count("Traceback") == 1, done.stderr
    assert "BrokenProcessPool" not in done.stderr and "bootstrapping" not in done.stderr
    assert not (tmp_path / "runs").exists()


def test_a_guarded_script_runs_on_two_workers_and_an_unguarded_one_on_one(tmp_path):
    guarded = run_script(tmp_path, 'if __name__ == "__main__":\n    ' + RUN.format(jobs=2))
    assert guarded.returncode == 0, guarded.stderr
    assert "replicates 2" in guarded.stdout
    (tmp_path / "serial").mkdir()
    serial = run_script(tmp_path / "serial", RUN.format(jobs=1))
    assert serial.returncode == 0, serial.stderr
    assert "replicates 2" in serial.stdout


WRITERS = {
    "comparison": (
        "from sim.experiments.compare import Comparison, variant\n"
        'other = variant(scenario, {"purge.multipliers.rank.elite": 2.0}, "elite_x2")\n'
        'Comparison([scenario, other], 2, out="runs/c").execute(jobs=2)'
    ),
    "sweep": (
        "from sim.experiments.sweep import Sweep, parse_parameters\n"
        'Sweep(scenario, parse_parameters(["purge.intensity=0.5:1.5"], scenario), 2, out="runs/s").execute(jobs=2)'
    ),
    "break-even": (
        'from sim.experiments.breakeven import BreakEven\nBreakEven(scenario, replicates=2, out="runs/b").execute(jobs=2)'
    ),
}


@pytest.mark.parametrize("kind", WRITERS)
def test_comparisons_sweeps_and_break_even_searches_are_refused_before_writing(tmp_path, kind):
    (tmp_path / "runs").mkdir()
    done = run_script(tmp_path, WRITERS[kind])
    assert done.returncode == 1
    assert "UnguardedMainError" in done.stderr and done.stderr.count("Traceback") == 1, done.stderr
    assert list((tmp_path / "runs").iterdir()) == []


SOURCE = textwrap.dedent(
    """\
    import sys
    x = 1
    if __name__ == "__main__":
        x = 2
    try:
        if "__main__" == __name__:
            x = 3
    except KeyboardInterrupt:
        pass
    if x:
        x = 4
    """
)


@pytest.mark.parametrize(("line", "guarded"), [(2, False), (4, True), (7, True), (9, False), (11, False)])
def test_guarded_lines(tmp_path, line, guarded):
    path = tmp_path / "script.py"
    path.write_text(SOURCE)
    assert _guarded(str(path), line) is guarded


def test_a_script_without_readable_source_is_given_the_benefit_of_the_doubt(tmp_path):
    assert _guarded(str(tmp_path / "gone.py"), 3)
