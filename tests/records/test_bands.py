import math

import numpy as np
import pandas as pd
import pytest

from sim.records.bands import band_series, interval, reduce_timeseries


def _replicate(values, dates=("1937-01-01", "1937-02-01")):
    return pd.DataFrame(
        {
            "date": pd.to_datetime(list(dates)),
            "measure": ["headcount", "headcount"],
            "series_group": ["all", "all"],
            "value": values,
        }
    )


def test_median_and_10_90_band_of_known_replicates():
    # Eleven replicates with values 1..11 in the first month, 10..110 in the second.
    frames = [_replicate([float(v), 10.0 * v]) for v in range(1, 12)]
    bands = reduce_timeseries(frames)
    first, second = bands.iloc[0], bands.iloc[1]
    assert (first["median"], first["low"], first["high"]) == (6.0, 2.0, 10.0)
    assert (second["median"], second["low"], second["high"]) == (60.0, 20.0, 100.0)
    assert list(bands["n"]) == [11, 11]


def test_band_interpolates_between_order_statistics():
    bands = reduce_timeseries([_replicate([v, v]) for v in (0.0, 10.0)])
    assert bands.iloc[0][["median", "low", "high"]].tolist() == pytest.approx([5.0, 1.0, 9.0])


def test_missing_values_are_left_out_and_all_missing_stays_missing():
    frames = [_replicate([v, math.nan]) for v in (1.0, math.nan, 3.0)]
    bands = reduce_timeseries(frames)
    assert bands.iloc[0]["median"] == 2.0 and bands.iloc[0]["n"] == 2
    assert math.isnan(bands.iloc[1]["median"]) and bands.iloc[1]["n"] == 0


def test_band_series_is_indexed_by_date():
    bands = reduce_timeseries([_replicate([1.0, 2.0]), _replicate([3.0, 4.0])])
    series = band_series(bands, "headcount")
    assert list(series.columns) == ["median", "low", "high"]
    assert series.loc[pd.Timestamp("1937-02-01"), "median"] == 3.0
    with pytest.raises(KeyError):
        band_series(bands, "no_such_measure")


def test_replicates_of_different_shape_are_refused():
    with pytest.raises(ValueError, match="different shape"):
        reduce_timeseries([_replicate([1.0, 2.0]), _replicate([1.0, 2.0], dates=("1937-01-01", "1937-03-01"))])


def test_scalar_interval():
    value = interval(range(1, 12))
    assert (value.median, value.low, value.high, value.n) == (6.0, 2.0, 10.0, 11)


def test_interval_with_never_uses_order_statistics():
    # Months: two replicates never reach the event (inf); no interpolation with "never".
    value = interval([100.0, 101.0, 102.0, math.inf, math.inf])
    assert value.median == 102.0 and value.low == 100.0 and math.isinf(value.high)
    months = interval([100.0, 101.0], discrete=True)
    assert months.median == 100.0  # an observed month, not 100.5


def test_interval_of_nothing_is_missing():
    value = interval([math.nan, math.nan])
    assert value.n == 0 and math.isnan(value.median)
    assert value.as_dict()["median"] is None


def test_band_matches_numpy_on_random_input():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(2, 25))
    frames = [_replicate(matrix[:, i].tolist()) for i in range(25)]
    bands = reduce_timeseries(frames)
    expected = np.quantile(matrix, [0.5, 0.1, 0.9], axis=1).T
    assert bands[["median", "low", "high"]].to_numpy() == pytest.approx(expected)
