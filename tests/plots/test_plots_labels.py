"""Scenarios by their label in run, ensemble and comparison figures; vacant posts named in the cohort figures."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.compare import Comparison
from sim.experiments.executors import Serial
from sim.experiments.run import Run
from sim.plots.run_figures import VACANT_LABEL, cohort_composition, measure_frame
from tests.ensemble_helpers import short


def titles(figure) -> list[str]:
    return [figure.get_suptitle()] + [ax.get_title() for ax in figure.axes]


def legend_texts(figure) -> list[str]:
    texts = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    return texts + [text.get_text() for ax in figure.axes if ax.get_legend() for text in ax.get_legend().get_texts()]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> Comparison:
    out = tmp_path_factory.mktemp("labels")
    return Comparison([short(), short("no_purge")], replicates=2, seed=7, out=out).execute(Serial(), progress=False)


def test_scenarios_have_labels_distinct_from_their_names():
    scenario = short("no_purge")
    assert scenario.label == scenario.title == "no purge" != scenario.name


def test_run_figures_are_titled_by_the_scenarios_label():
    run = Run(short("no_purge"), seed=3).execute(agents=False)
    for name, figure in run.plot().items():
        assert any("no purge, seed 3" in title for title in titles(figure)), name
        assert not any("no_purge" in title for title in titles(figure)), name


def test_ensemble_figures_use_the_label_in_titles_and_legends(comparison):
    ensemble = comparison.ensembles[1]
    for name, figure in ensemble.plot().items():
        assert any(title.startswith("no purge, 2 replicates") for title in titles(figure)), name
        assert not any("no_purge" in text for text in titles(figure) + legend_texts(figure)), name
        if name != "cohort_composition":  # there the label heads the single panel
            assert "no purge" in legend_texts(figure), name
    assert [ax.get_title() for ax in ensemble.plot()["cohort_composition"].axes] == ["no purge"]


def test_comparison_figures_use_the_labels_in_legends_and_panel_headings(comparison):
    labels = [e.scenario.title for e in comparison.ensembles]
    for name, figure in comparison.plot().items():
        if name == "cohort_composition":
            assert [ax.get_title().replace("\n", " ") for ax in figure.axes] == labels
        else:
            assert [text for text in legend_texts(figure) if not text.startswith("purge ")] == labels, name


def test_comparison_titles_name_the_scenarios_by_their_labels(comparison):
    labels = [e.scenario.title for e in comparison.ensembles]
    for name, figure in comparison.plot().items():
        assert figure.get_suptitle().startswith(f"{labels[0]} vs {labels[1]}, 2 replicates each"), name
        assert not any("no_purge" in text for text in titles(figure)), name  # the name, not the label "no purge"


def test_the_cohort_figure_names_vacant_posts_and_stacks_them_up_to_the_posts():
    run = Run(short(), seed=3).execute(agents=False)
    for elite in (False, True):
        ax = cohort_composition(run.timeseries, elite=elite)
        assert VACANT_LABEL in [text.get_text() for text in ax.get_legend().get_texts()]
        vacant = ax.collections[4]
        assert vacant.get_label() == VACANT_LABEL
        top = vacant.get_paths()[0].vertices[:, 1].max()
        posts = measure_frame(run.timeseries, "headcount_by_rank", ("elite", "middle", "junior"))
        vacancies = measure_frame(run.timeseries, "vacancies", ("elite", "middle", "junior"))
        expected = (posts + vacancies)["elite"] if elite else (posts + vacancies).sum(axis=1)
        assert expected.nunique() == 1 and top == pytest.approx(expected.iloc[0])  # the number of posts, every month


def test_the_ensemble_cohort_panels_name_vacant_posts(comparison):
    figure = comparison.plot()["cohort_composition"]
    assert VACANT_LABEL in legend_texts(figure)
    historical = figure.axes[0]
    vacant = historical.collections[4].get_paths()[0].vertices[:, 1]
    assert np.isfinite(vacant).all() and vacant.max() > 0
