"""The exits-by-reason figure: one stacked bar per year and reason, the smaller reasons enlarged in a second panel."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from test_plots import SCENARIOS, synthetic_timeseries

from sim.experiments.run import Run
from sim.plots.run_figures import (
    EXIT_LABELS,
    EXIT_ORDER,
    LATER_FATE_LABELS,
    LATER_FATE_ORDER,
    SMALL_EXITS,
    exits_by_reason,
    measure_frame,
)


@pytest.fixture(scope="module")
def historical() -> pd.DataFrame:
    return Run(SCENARIOS / "historical.toml", seed=1).execute(agents=False).timeseries


@pytest.fixture(scope="module")
def no_purge() -> pd.DataFrame:
    return Run(SCENARIOS / "no_purge.toml", seed=1).execute(agents=False).timeseries


def bars(ax) -> dict[str, list]:
    """The bars of each reason on an axes, by its legend label."""
    return {container.get_label().lstrip("_"): list(container) for container in ax.containers}  # "_": not in the legend


def bar_years(patches) -> list[int]:
    return [mdates.num2date(patch.get_x() + patch.get_width() / 2).year for patch in patches]


def test_one_bar_per_year_per_reason(historical):
    figure = exits_by_reason(historical)
    top, enlarged = figure.axes
    years = sorted(set(pd.to_datetime(historical["date"]).dt.year))
    assert len(years) == 25
    found = bars(top)
    assert list(found) == [EXIT_LABELS[r] for r in EXIT_ORDER] + [LATER_FATE_LABELS[f] for f in LATER_FATE_ORDER]
    for label, patches in found.items():
        assert bar_years(patches) == years, label  # one bar a year, in order, centred in its year
    bars_only = [patch for patches in found.values() for patch in patches]
    assert len(bars_only) == len(years) * (len(EXIT_ORDER) + len(LATER_FATE_ORDER))
    assert len(top.patches) == len(bars_only) + 1  # and the purge's band
    small = bars(enlarged)
    assert len(small) == len(SMALL_EXITS)
    assert all(bar_years(patches) == years for patches in small.values())


def test_bar_heights_are_the_years_exits_and_stack_in_order(historical):
    top, enlarged = exits_by_reason(historical).axes
    exits = measure_frame(historical, "exits", EXIT_ORDER)
    annual = exits.groupby(exits.index.year).sum()
    lower = np.zeros(len(annual))
    for reason, container in zip(EXIT_ORDER, top.containers, strict=False):
        np.testing.assert_allclose([patch.get_height() for patch in container], annual[reason].to_numpy())
        np.testing.assert_allclose([patch.get_y() for patch in container], lower)  # stacked, the purged from zero
        lower += annual[reason].to_numpy()
    for reason, container in zip(SMALL_EXITS, enlarged.containers, strict=True):
        np.testing.assert_allclose([patch.get_height() for patch in container], annual[reason].to_numpy())


def test_defections_are_readable_in_the_enlarged_panel(historical):
    top, enlarged = exits_by_reason(historical).axes
    defected = bars(enlarged)[EXIT_LABELS["defected"]]
    tallest = max(patch.get_height() for patch in defected)
    assert tallest > 0
    assert tallest / np.diff(enlarged.get_ylim())[0] > 0.1  # a tenth of the panel or more
    assert tallest / np.diff(top.get_ylim())[0] < 0.03  # where the stack of all exits would make it a hairline


def test_without_purge_exits_there_is_one_panel(no_purge):
    figure = exits_by_reason(no_purge)
    assert len(figure.axes) == 1
    assert len(exits_by_reason(no_purge, enlarge=True).axes) == 2


def test_a_year_the_run_covers_in_part_is_a_bar_over_its_months():
    frame = synthetic_timeseries(months=30, start="1936-07")  # Jul-Dec 1936, 1937, 1938
    top = exits_by_reason(frame, mark_purge=False, enlarge=False).axes[0]
    first = top.containers[0][0]
    start, end = (pd.Timestamp(mdates.num2date(x)).tz_localize(None) for x in (first.get_x(), first.get_x() + first.get_width()))
    assert pd.Timestamp("1936-07-01") < start < end < pd.Timestamp("1937-01-01")
    exits = measure_frame(frame, "exits", EXIT_ORDER)
    assert first.get_height() == exits.loc["1936", "purged"].sum()


def test_axes_are_labelled_with_units_and_years(historical):
    figure = exits_by_reason(historical, title="Exits — test")
    top, enlarged = figure.axes
    assert figure.get_suptitle() == "Exits — test"
    assert "people per year" in top.get_ylabel() and enlarged.get_ylabel() == "people per year"
    labels = [top.xaxis.get_major_formatter()(x) for x in enlarged.get_xticks()]
    assert labels == ["1925", "1930", "1935", "1940", "1945"]
