"""Figures of one run: files, data fidelity, legends, purge marking, input checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.image import imread

from sim import TurnoverModel, load_scenario
from sim.model.categories import EXIT_REASONS, GENERATIONS, LATER_FATES, POSTINGS, RANKS
from sim.plots.run_figures import (
    EXIT_COLORS,
    EXIT_LABELS,
    GENERATION_COLORS,
    GENERATION_LABELS,
    LATER_FATE_LABELS,
    VACANT_LABEL,
    cohort_composition,
    exits_by_reason,
    headcount_by_rank_and_posting,
    measure_frame,
    save_figures,
    standard_figures,
)

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Measures the figures read, with their groups.
GROUPS = {
    "headcount_by_generation": GENERATIONS,
    "elite_by_generation": GENERATIONS,
    "headcount_by_rank": RANKS,
    "headcount_by_posting": POSTINGS,
    "headcount": ("all",),
    "vacancies": RANKS,
    "exits": EXIT_REASONS[1:],
    "later_fates": LATER_FATES[1:],
}


def synthetic_timeseries(months: int = 36, start: str = "1936-01", seed: int = 0, purged: bool = True) -> pd.DataFrame:
    """A small tidy frame shaped like `Records.timeseries`, with random counts."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=months, freq="MS")
    parts = []
    for measure, groups in GROUPS.items():
        for group in groups:
            values = rng.integers(0, 50, months).astype(float)
            if group == "purged" and not purged:
                values[:] = 0.0
            parts.append(pd.DataFrame({"date": dates, "measure": measure, "series_group": group, "value": values}))
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype({"measure": "category", "series_group": "category"})


@pytest.fixture(scope="module")
def historical() -> pd.DataFrame:
    return TurnoverModel(load_scenario(SCENARIOS / "historical.toml"), seed=1).run().records().timeseries


@pytest.fixture(scope="module")
def no_purge() -> pd.DataFrame:
    return TurnoverModel(load_scenario(SCENARIOS / "no_purge.toml"), seed=1).run().records().timeseries


def series(timeseries: pd.DataFrame, measure: str, group: str) -> pd.Series:
    rows = timeseries[(timeseries["measure"] == measure) & (timeseries["series_group"] == group)]
    return rows.set_index("date")["value"].sort_index()


def stack_top(ax) -> pd.Series:
    """Upper edge of the topmost stacked area, by date."""
    vertices = ax.collections[len(GENERATIONS) - 1].get_paths()[0].vertices
    tops = pd.DataFrame(vertices, columns=["x", "y"]).groupby("x")["y"].max()
    tops.index = pd.DatetimeIndex(mdates.num2date(tops.index)).tz_localize(None).round("D")
    return tops


def legend_texts(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def year_labels(ax) -> list[str]:
    """Major x tick labels inside the view."""
    low, high = ax.get_xlim()
    formatter = ax.xaxis.get_major_formatter()
    return [formatter(x) for x in ax.get_xticks() if low <= x <= high]


def figure_legend_texts(figure) -> list[str]:
    return [text.get_text() for text in figure.legends[0].get_texts()]


# Files


def test_save_figures_writes_four_readable_pngs(historical, tmp_path):
    directory = tmp_path / "nested" / "figures"
    paths = save_figures(historical, directory, "historical, seed 1")
    assert [p.name for p in paths] == ["cohort_composition.png", "cohort_composition_elite.png", "headcount.png", "exits.png"]
    for path in paths:
        assert path.parent == directory
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        height, width = imread(path).shape[:2]
        assert width == pytest.approx(7.5 * 150, abs=2)  # full journal width at 150 dpi
        assert height > 500


def test_save_figures_accepts_an_existing_directory_as_a_string(tmp_path):
    (tmp_path / "exits.png").write_bytes(b"stale")
    paths = save_figures(synthetic_timeseries(), str(tmp_path), "")
    assert all(p.stat().st_size > 10_000 for p in paths)  # the stale file is replaced


def test_label_goes_into_every_title():
    figures = standard_figures(synthetic_timeseries(), "historical, seed 1937")
    assert set(figures) == {"cohort_composition", "cohort_composition_elite", "headcount", "exits"}
    for name, figure in figures.items():
        titles = [figure.get_suptitle()] + [ax.get_title() for ax in figure.axes]
        assert any("historical, seed 1937" in title for title in titles), name


def test_library_code_never_loads_pyplot(tmp_path):
    code = (
        "import sys\n"
        "from tests.plots.test_plots import synthetic_timeseries\n"
        "from sim.plots.run_figures import exits_by_reason\n"
        f"exits_by_reason(synthetic_timeseries()).figure.savefig({str(tmp_path / 'exits.png')!r})\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "exits.png").stat().st_size > 0


# Data fidelity


@pytest.mark.parametrize("elite", [False, True])
def test_top_of_the_composition_stack_is_the_headcount(historical, elite):
    ax = cohort_composition(historical, elite=elite)
    expected = series(historical, "headcount_by_rank", "elite") if elite else series(historical, "headcount", "all")
    top = stack_top(ax)
    assert len(top) == len(expected) > 100
    np.testing.assert_allclose(top.to_numpy(), expected.to_numpy())
    assert (top.index == expected.index).all()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), months=st.integers(2, 48))
def test_top_of_the_stack_is_the_sum_of_generations_for_any_counts(seed, months):
    frame = synthetic_timeseries(months=months, seed=seed)
    wide = measure_frame(frame, "headcount_by_generation", GENERATIONS)
    top = stack_top(cohort_composition(frame))
    np.testing.assert_allclose(top.to_numpy(), wide.sum(axis=1).to_numpy())


def test_rank_and_posting_lines_follow_the_data(historical):
    figure = headcount_by_rank_and_posting(historical)
    assert isinstance(figure, Figure)
    by_rank, by_posting = figure.axes
    assert by_rank.get_shared_x_axes().joined(by_rank, by_posting)
    for ax, measure, groups in ((by_rank, "headcount_by_rank", RANKS), (by_posting, "headcount_by_posting", POSTINGS)):
        assert len(ax.lines) == len(groups)
        for line, group in zip(ax.lines, groups, strict=True):
            np.testing.assert_allclose(line.get_ydata(), series(historical, measure, group).to_numpy())


def test_exit_bars_reach_the_annual_totals(historical):
    top = exits_by_reason(historical).axes[0]
    exits = measure_frame(historical, "exits", EXIT_REASONS[1:]).sum(axis=1)
    fates = measure_frame(historical, "later_fates", LATER_FATES[1:]).sum(axis=1)
    bars = [patch for container in top.containers for patch in container]
    tops = [max(patch.get_y() + patch.get_height(), patch.get_y()) for patch in bars]
    bottoms = [min(patch.get_y() + patch.get_height(), patch.get_y()) for patch in bars]
    assert max(tops) == pytest.approx(exits.groupby(exits.index.year).sum().max())
    assert min(bottoms) == pytest.approx(-fates.groupby(fates.index.year).sum().max())
    assert max(tops) > 0 > min(bottoms)
    assert top.yaxis.get_major_formatter()(-5, 0) == "5"  # counts below zero read as positive
    ticks = top.get_yticks()
    assert (ticks < 0).any() and (ticks > 0).any() and (ticks == np.round(ticks)).all()  # both sides have whole-number marks
    start, end = (pd.Timestamp(mdates.num2date(x)).tz_localize(None) for x in top.get_xlim())
    assert start == exits.index[0]
    assert end == exits.index[-1] + pd.offsets.MonthBegin(1)  # the last month's flow is drawn in full


def test_draws_onto_a_given_axes():
    figure = Figure()
    axes = figure.subplots(1, 2)
    frame = synthetic_timeseries()
    assert cohort_composition(frame, ax=axes[0], title="left") is axes[0]
    assert cohort_composition(frame, elite=True, ax=axes[1], title="right") is axes[1]
    assert [ax.get_title() for ax in axes] == ["left", "right"]


# Labels, legends, axes


def test_composition_legend_names_every_generation_oldest_first(historical):
    ax = cohort_composition(historical, mark_purge=False)
    assert legend_texts(ax) == [GENERATION_LABELS[g] for g in GENERATIONS] + [VACANT_LABEL]
    assert ax.get_ylabel() == "posts"
    assert cohort_composition(historical, elite=True).get_ylabel() == "elite posts"


def test_exit_legend_names_every_reason_and_later_fate(historical):
    texts = figure_legend_texts(exits_by_reason(historical, mark_purge=False))
    assert set(texts) == {EXIT_LABELS[r] for r in EXIT_REASONS[1:]} | {LATER_FATE_LABELS[f] for f in LATER_FATES[1:]}
    assert len(texts) == len(set(texts))  # the enlarged panel adds no second entry


def test_legends_sit_outside_the_data_area(historical):
    ax = cohort_composition(historical)
    ax.figure.canvas.draw()
    assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0  # below the axes
    exits = exits_by_reason(historical)
    exits.draw_without_rendering()  # lays the figure out
    assert exits.legends[0].get_window_extent().y1 < min(ax.get_window_extent().y0 for ax in exits.axes)  # below both panels
    figure = headcount_by_rank_and_posting(historical)
    figure.canvas.draw()
    for ax in figure.axes:
        assert ax.get_legend().get_window_extent().y0 >= ax.get_window_extent().y1 - 1  # above each panel


def test_x_axis_is_dated_in_years():
    long_run = cohort_composition(synthetic_timeseries(months=300, start="1921-01"))
    assert year_labels(long_run) == ["1925", "1930", "1935", "1940", "1945"]
    short_run = cohort_composition(synthetic_timeseries(months=36, start="1936-01"))
    assert year_labels(short_run) == ["1936", "1937", "1938"]
    start, end = (pd.Timestamp(mdates.num2date(x)).tz_localize(None) for x in short_run.get_xlim())
    assert (start, end) == (pd.Timestamp("1936-01-01"), pd.Timestamp("1938-12-01"))  # stocks: first to last month


def test_palettes_cover_every_category_with_distinct_colours():
    assert set(GENERATION_COLORS) == set(GENERATION_LABELS) == set(GENERATIONS)
    assert set(EXIT_COLORS) == set(EXIT_LABELS) == set(EXIT_REASONS[1:])
    assert len(set(GENERATION_COLORS.values())) == len(GENERATIONS)
    assert len(set(EXIT_COLORS.values())) == len(EXIT_REASONS) - 1
    assert GENERATION_LABELS["old_bolsheviks"] == "Old Bolsheviks (joined before 1917)"
    with pytest.raises(TypeError):
        GENERATION_COLORS["new_generation"] = "red"  # shared constants are read-only


def test_without_a_schedule_the_documented_purge_years_are_marked_only_if_the_run_purged(historical, no_purge):
    label = "purge Aug 1936 – Aug 1939 (documented years)"
    assert label in legend_texts(cohort_composition(historical))
    assert label in figure_legend_texts(exits_by_reason(historical))
    assert not any(text.startswith("purge ") for text in legend_texts(cohort_composition(no_purge)))
    assert not any(text.startswith("purge ") for text in figure_legend_texts(exits_by_reason(no_purge)))
    assert not any(text.startswith("purge ") for text in legend_texts(cohort_composition(historical, mark_purge=False)))


def test_purge_marks_are_left_out_when_the_run_ends_before_them():
    figure = exits_by_reason(synthetic_timeseries(months=24, start="1925-01"))
    assert not any(text.startswith("purge ") for text in figure_legend_texts(figure))
    assert all(len(ax.patches) == sum(len(c) for c in ax.containers) for ax in figure.axes)  # bars only, no band


# Input checks


def test_frame_without_the_tidy_columns_is_refused():
    wide = pd.DataFrame({"date": pd.date_range("1930-01", periods=3, freq="MS"), "headcount": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['measure', 'series_group', 'value'\]"):
        cohort_composition(wide)


def test_missing_measure_is_named():
    frame = synthetic_timeseries()
    frame = frame[frame["measure"] != "exits"]
    with pytest.raises(ValueError, match="no rows for measure 'exits'"):
        exits_by_reason(frame)


def test_unexpected_groups_are_named():
    frame = synthetic_timeseries()
    frame["series_group"] = frame["series_group"].cat.rename_categories({"new_generation": "stakhanovites"})
    with pytest.raises(ValueError, match="stakhanovites.*expected"):
        cohort_composition(frame)


def test_several_runs_in_one_frame_are_refused(tmp_path):
    both = pd.concat([synthetic_timeseries(seed=1), synthetic_timeseries(seed=2)], ignore_index=True)
    with pytest.raises(ValueError, match="several values for measure 'headcount_by_generation'.*single run"):
        save_figures(both, tmp_path / "figures", "two runs")
    assert not (tmp_path / "figures").exists()


def test_a_month_missing_for_one_group_is_named():
    frame = synthetic_timeseries()
    hole = (frame["measure"] == "headcount_by_rank") & (frame["series_group"] == "middle") & (frame["date"] == "1936-05-01")
    with pytest.raises(ValueError, match="no value for group 'middle' on 1936-05-01"):
        headcount_by_rank_and_posting(frame[~hole])
