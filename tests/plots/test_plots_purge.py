"""The purge's shading: where the scenario's schedule puts it, named in the legend, absent without a purge."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
import pytest

from sim.experiments.compare import Comparison
from sim.experiments.executors import Serial
from sim.experiments.run import Run
from sim.plots.banded import ensemble_figures, purge_periods
from sim.plots.run_figures import DOCUMENTED_PURGE, PurgePeriod, purge_period, standard_figures
from sim.scenario.loader import load_scenario
from tests.ensemble_helpers import short

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def spans(ax) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The purge's bands or hatching on an axes: (start, end) of each span drawn by axvspan."""
    found = []
    for patch in ax.patches:
        if patch in (bar for container in ax.containers for bar in container):
            continue
        start, end = patch.get_x(), patch.get_x() + patch.get_width()
        found.append(tuple(pd.Timestamp(mdates.num2date(x)).tz_localize(None).round("D") for x in (start, end)))
    return found


def legend_texts(figure) -> list[str]:
    texts = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    return texts + [text.get_text() for ax in figure.axes if ax.get_legend() for text in ax.get_legend().get_texts()]


def purge_entries(figure) -> list[str]:
    return [text for text in legend_texts(figure) if text.startswith("purge ")]


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    return {name: Run(SCENARIOS / f"{name}.toml", seed=3).execute(agents=False) for name in ("no_purge", "historical_calibrated")}


def with_purge(name: str = "historical_calibrated", **purge) -> object:
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    return scenario.model_copy(update={"purge": scenario.purge.model_copy(update=purge)})


# The period from the schedule


def test_no_purge_has_no_period_and_the_calibrated_run_one_span_in_the_purge_years():
    assert purge_period(load_scenario(SCENARIOS / "no_purge.toml")) is None
    period = purge_period(load_scenario(SCENARIOS / "historical_calibrated.toml"))
    assert period is not None and len(period.spans) == 1
    start, end = period.spans[0]
    assert pd.Timestamp("1934-12-01") <= start < pd.Timestamp("1938-01-01")  # from the schedule's first knots (F3, F9)
    assert end == pd.Timestamp("1939-09-01")  # the 1939 wave and the last purge month, Aug 1939 (F9)
    assert period.label == f"purge {start:%b %Y} – Aug 1939"


def test_a_purge_enabled_at_zero_intensity_throughout_has_no_period():
    assert purge_period(with_purge(intensity=[("1921-01", 0.0)], hq_wave=[("1921-01", 0.0)])) is None
    assert purge_period(with_purge(enabled=False)) is None


def test_the_period_follows_the_schedule_above_a_share_of_its_peak():
    scenario = with_purge(
        intensity=[("1936-12", 0.0), ("1937-01", 0.01), ("1937-02", 1.0), ("1938-12", 1.0), ("1939-01", 0.0)],
        hq_wave=[("1939-04", 0.0), ("1939-05", 6.0), ("1939-08", 6.0), ("1939-09", 0.0)],
    )
    period = purge_period(scenario)  # Jan 1937 is 1% of the peak: a trickle, left out
    assert period == PurgePeriod(
        ((pd.Timestamp("1937-02-01"), pd.Timestamp("1939-01-01")), (pd.Timestamp("1939-05-01"), pd.Timestamp("1939-09-01")))
    )
    assert period.label == "purge Feb 1937 – Dec 1938, May – Aug 1939"
    assert purge_period(scenario, share_of_peak=0.0).spans[0][0] == pd.Timestamp("1937-01-01")


# Run figures


def test_run_figures_shade_the_scenarios_own_purge_and_name_it(runs):
    period = purge_period(runs["historical_calibrated"].scenario)
    for name, figure in runs["historical_calibrated"].plot().items():
        assert purge_entries(figure) == [period.label], name  # once per figure, in its legend
        for ax in figure.axes:
            assert spans(ax) == list(period.spans), name  # every panel, over the whole period


def test_no_purge_run_figures_have_no_purge_mark(runs):
    for name, figure in runs["no_purge"].plot().items():
        assert purge_entries(figure) == [], name
        assert all(spans(ax) == [] for ax in figure.axes), name


def test_run_figures_without_a_scenario_mark_the_documented_years_only_where_someone_was_purged(runs):
    for name, figure in standard_figures(runs["no_purge"].timeseries).items():
        assert purge_entries(figure) == [] and all(spans(ax) == [] for ax in figure.axes), name
    for name, figure in standard_figures(runs["historical_calibrated"].timeseries).items():
        assert purge_entries(figure) == ["purge Aug 1936 – Aug 1939 (documented years)"], name
        assert all(spans(ax) == list(DOCUMENTED_PURGE.spans) for ax in figure.axes), name


# Ensemble and comparison figures


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> Comparison:
    out = tmp_path_factory.mktemp("comparison")
    return Comparison([short(), short("no_purge")], replicates=2, seed=5, out=out).execute(Serial(), progress=False)


def test_comparison_panels_shade_only_the_scenario_that_purged(comparison):
    historical, no_purge = (e.scenario.title for e in comparison.ensembles)
    panels = {ax.get_title().replace("\n", " "): ax for ax in comparison.plot()["cohort_composition"].axes}
    assert spans(panels[no_purge]) == []
    assert spans(panels[historical]) == [(pd.Timestamp("1936-08-01"), pd.Timestamp("1938-06-01"))]  # cut at the horizon


def test_comparison_figures_name_the_purge_in_their_legends(comparison):
    for name, figure in comparison.plot().items():
        assert len(purge_entries(figure)) == 1, name
        if name != "cohort_composition":  # one panel per scenario, above
            assert all(len(spans(ax)) == 1 for ax in figure.axes), name  # the shared axes show the purging scenario's


def test_scenarios_given_their_purges_are_shaded_by_them_and_named_when_they_differ(comparison):
    bands = {e.scenario.title: e.bands for e in comparison.ensembles}
    historical, no_purge = bands
    null = "null model"
    bands[null] = bands[historical]
    given = {historical: purge_period(short()), no_purge: None, null: purge_period(short("historical_null"))}
    assert purge_periods(bands, given) == given
    figure = ensemble_figures(bands, purges=given)["new_generation_share"]
    entries = purge_entries(figure)
    assert entries == [f"{given[historical].label} ({historical})", f"{given[null].label} ({null})"]
    panels = ensemble_figures(bands, purges=given)["cohort_composition"].axes
    assert [len(spans(ax)) for ax in panels] == [1, 0, 1]


def test_comparison_figures_shade_each_scenarios_own_schedule(tmp_path):
    knots = [("1936-12", 0.0), ("1937-02", 0.6), ("1937-10", 0.6), ("1937-11", 0.0)]
    scenario = short()
    purge = scenario.purge.model_copy(update={"intensity": knots, "hq_wave": [("1921-01", 0.0)]})
    early = scenario.model_copy(update={"name": "early_purge", "label": "an early purge", "purge": purge})
    period = purge_period(early)
    assert period.spans == ((pd.Timestamp("1937-01-01"), pd.Timestamp("1937-11-01")),)  # not the documented years
    comparison = Comparison([early, short("no_purge")], replicates=2, seed=5, out=tmp_path / "c")
    comparison.execute(Serial(), progress=False)
    figures = comparison.plot()
    for name, figure in figures.items():
        assert purge_entries(figure) == [period.label], name
    purged, quiet = figures["cohort_composition"].axes
    assert spans(purged) == list(period.spans) and spans(quiet) == []


def test_ensemble_plot_shades_the_scenarios_schedule(tmp_path):
    from sim.experiments.ensemble import Ensemble

    ensemble = Ensemble(short(), replicates=2, seed=4, out=tmp_path / "e").execute(Serial(), progress=False)
    period = purge_period(ensemble.scenario)
    for name, figure in ensemble.plot().items():
        assert purge_entries(figure) == [period.label], name
    quiet = Ensemble(short("no_purge"), replicates=2, seed=4, out=tmp_path / "n").execute(Serial(), progress=False)
    for name, figure in quiet.plot().items():
        assert purge_entries(figure) == [] and all(spans(ax) == [] for ax in figure.axes), name
