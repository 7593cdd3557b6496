"""What the targets measure in one run: shares and dates from the records.

Populations (who is counted) and their categories (what is measured):

- staff_1920s, elite_1920s: everyone who held a post in the 1920s, and those
  whose highest 1920s rank was elite (F1, F2). Categories: the historian's
  five (calibration/historian.py) and "purged_true", the true purged share.
- field_purge_arrests: purge arrests of people serving abroad (recalled and
  arrested; F3). Category from_1936_07_to_1938_12: the share in that period.
- purge_arrests: purge arrests of serving officials. Category first_year:
  the date of the first, as a decimal year (F3).
- hq_staff_1939_01: headquarters staff serving on 1 Jan 1939 (F3).
  Category gone_by_1939_12: the share who left the service during 1939.
- hq_minor_1939_05, hq_staff_1939_05: non-elite (all) headquarters staff
  serving on 1 May 1939, when Molotov took over (F4). Category
  gone_by_1939_08: the share who left the service by 1 Sep 1939.

A share of an empty population is NaN; so is the first date when no one was
purged. The distance treats NaN as far outside every band.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calibration.historian import CATEGORIES, observe
from calibration.spells import NO_RANK, Spells, month_of, serving_at
from sim.categories import ELITE
from sim.config import Historian, month_index

if TYPE_CHECKING:
    from calibration.targets import Target

MEASURES: dict[str, frozenset[str]] = {
    "staff_1920s": frozenset({*CATEGORIES, "purged_true"}),
    "elite_1920s": frozenset({*CATEGORIES, "purged_true"}),
    "field_purge_arrests": frozenset({"from_1936_07_to_1938_12"}),
    "purge_arrests": frozenset({"first_year"}),
    "hq_staff_1939_01": frozenset({"gone_by_1939_12"}),
    "hq_minor_1939_05": frozenset({"gone_by_1939_08"}),
    "hq_staff_1939_05": frozenset({"gone_by_1939_08"}),
}


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if len(mask) else float("nan")


def _historian_shares(observed: pd.DataFrame) -> dict[str, float]:
    shares = {}
    for prefix, rows in (("staff_1920s", observed), ("elite_1920s", observed[observed["elite"]])):
        category = rows["category"].to_numpy()
        for name in CATEGORIES:
            shares[f"{prefix}:{name}"] = _share(category == name)
        shares[f"{prefix}:purged_true"] = _share((rows["fate"] == "purged").to_numpy())
    return shares


def _hq_gone(biographies: pd.DataFrame, spells: Spells, on: str, gone_before: str, minor_only: bool) -> float:
    """Share of HQ staff serving on the first of `on` who left before the first of `gone_before`."""
    abroad, rank = spells.at(on)
    counted = serving_at(biographies, on) & ~abroad & (rank != NO_RANK)
    if minor_only:
        counted &= rank != ELITE
    exits = month_of(biographies["exit"])[counted]
    return _share((exits >= 0) & (exits < month_index(gone_before)))


def _purge_timing(biographies: pd.DataFrame) -> dict[str, float]:
    arrested = biographies[(biographies["exit_reason"] == "purged").to_numpy()]
    months = month_of(arrested["exit"])
    field = months[arrested["recalled"].to_numpy(bool)]
    in_period = (field >= month_index("1936-07")) & (field <= month_index("1938-12"))
    first = months.min() / 12 if len(months) else float("nan")  # decimal year: Dec 1934 (1934 * 12 + 11) is 1934.92
    return {"field_purge_arrests:from_1936_07_to_1938_12": _share(in_period), "purge_arrests:first_year": float(first)}


def measure(biographies: pd.DataFrame, historian: Historian, seed: int | np.random.SeedSequence) -> dict[str, float]:
    """Every measurable quantity of one run, keyed "population:category"."""
    spells = Spells.from_biographies(biographies)
    values = _historian_shares(observe(biographies, historian, seed, spells))
    values.update(_purge_timing(biographies))
    values["hq_staff_1939_01:gone_by_1939_12"] = _hq_gone(biographies, spells, "1939-01", "1940-01", minor_only=False)
    values["hq_minor_1939_05:gone_by_1939_08"] = _hq_gone(biographies, spells, "1939-05", "1939-09", minor_only=True)
    values["hq_staff_1939_05:gone_by_1939_08"] = _hq_gone(biographies, spells, "1939-05", "1939-09", minor_only=False)
    return values


def target_values(values: dict[str, float], targets: Sequence[Target]) -> dict[str, float]:
    """The measured value of each target, keyed by target id."""
    return {target.id: values[f"{target.population}:{target.category}"] for target in targets}
