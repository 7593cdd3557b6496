"""Run.plot() and Ensemble.plot() key their figures alike: by name, the file name without extension."""

from __future__ import annotations

from sim.experiments.ensemble import Ensemble
from sim.experiments.executors import Serial
from sim.experiments.run import Run
from tests.ensemble_helpers import short

RUN_FIGURES = ["cohort_composition", "cohort_composition_elite", "headcount", "exits"]
ENSEMBLE_FIGURES = ["cohort_composition", "new_generation_share", "experience", "heads_of_mission_vacant"]


def test_run_and_ensemble_figures_are_keyed_by_name_and_saved_under_it(tmp_path):
    run = Run(short(), seed=2).execute(agents=False)
    ensemble = Ensemble(short(), replicates=2, seed=2, out=tmp_path / "ensemble").execute(Serial(), progress=False)
    run_keys, ensemble_keys = list(run.plot()), list(ensemble.plot())
    assert run_keys == RUN_FIGURES and ensemble_keys == ENSEMBLE_FIGURES
    assert not any("." in key for key in run_keys + ensemble_keys)  # no extension in either
    assert set(run_keys) & set(ensemble_keys) == {"cohort_composition"}  # the same figure, the same key

    run.save(tmp_path / "run")
    ensemble.save()
    assert sorted(p.name for p in (tmp_path / "run" / "figures").iterdir()) == sorted(f"{key}.png" for key in run_keys)
    written = sorted(p.name for p in (tmp_path / "ensemble" / "figures").iterdir())
    assert written == sorted(f"{key}.png" for key in ensemble_keys)
    for path in (tmp_path / "ensemble" / "figures").iterdir():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_docstrings_say_how_figures_are_keyed():
    for method in (Run.plot, Ensemble.plot):
        assert "without extension" in method.__doc__
