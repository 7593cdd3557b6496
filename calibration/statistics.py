"""What the targets measure in one run: shares, counts and dates from the records.

The populations, their categories and units are listed in
calibration/measures.py; `measure` computes every one of them from a run's
records, and `target_values` picks out the targets' values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calibration import patterns
from calibration.historian import CATEGORIES, observe
from calibration.patterns import headquarters, share
from calibration.spells import Spells, month_of
from sim.model.categories import ELITE
from sim.scenario.config import Historian, month_index

if TYPE_CHECKING:
    from calibration.targets import Target


def _historian_shares(observed: pd.DataFrame) -> dict[str, float]:
    shares = {}
    for prefix, rows in (("staff_1920s", observed), ("elite_1920s", observed[observed["elite"]])):
        category = rows["category"].to_numpy()
        for name in CATEGORIES:
            shares[f"{prefix}:{name}"] = share(category == name)
        shares[f"{prefix}:purged_true"] = share((rows["fate"] == "purged").to_numpy())
        shares[f"{prefix}:count"] = float(len(rows))
    return shares


def _hq_gone(biographies: pd.DataFrame, spells: Spells, on: str, gone_before: str, minor_only: bool) -> float:
    """Share of HQ staff serving on the first of `on` who left before the first of `gone_before`."""
    counted = headquarters(biographies, spells, on)
    if minor_only:
        counted &= spells.at(on)[1] != ELITE
    exits = month_of(biographies["exit"])[counted]
    return share((exits >= 0) & (exits < month_index(gone_before)))


def _purge_timing(biographies: pd.DataFrame) -> dict[str, float]:
    arrested = biographies[(biographies["exit_reason"] == "purged").to_numpy()]
    months = month_of(arrested["exit"])
    field = months[arrested["recalled"].to_numpy(bool)]
    in_period = (field >= month_index("1936-07")) & (field <= month_index("1938-12"))
    first = months.min() / 12 if len(months) else float("nan")  # decimal year: Dec 1934 (1934 * 12 + 11) is 1934.92
    return {"field_purge_arrests:from_1936_07_to_1938_12": share(in_period), "purge_arrests:first_year": float(first)}


def _patterns(biographies: pd.DataFrame, spells: Spells) -> dict[str, float]:
    return {
        "commissar_1937_01:holds_to_1939_05": patterns.commissar_continuity(biographies, spells),
        "commissar_post:vacant_months_1937_1939": patterns.commissar_vacant_months(spells, "1937-01", "1939-12"),
        "elite_1937_01:survivors_1939": patterns.surviving_elite(biographies, spells, "1937-01", "1939-12"),
        "entrants_1931_1936:purged_by_1939_12": patterns.entrants_purged(biographies, "1931-01", "1936-12", "1939-12"),
        "entrants_1937_1938:purged_by_1939_12": patterns.entrants_purged(biographies, "1937-01", "1938-12", "1939-12"),
        "purge_arrests:peak_month": patterns.purge_peak(biographies),
        "purge_arrests:peak_outside_1937_1938_06": patterns.peak_outside_ratio(biographies, "1937-01", "1938-06"),
        "hq_staff_1939_05:headcount_ratio_1939_08": patterns.headquarters_ratio(biographies, spells, "1939-08", "1939-05"),
        "hq_staff_1939_08:new_since_1939_05": patterns.new_incumbents(biographies, spells, "1939-08", "1939-05"),
        "new_generation_entrants_1937_1938:mean_age_at_entry": patterns.mean_age_at_entry(
            biographies, "1937-01", "1938-12", "new_generation"
        ),
        "entrants_1937_1939:aged_50_plus_at_entry": patterns.share_entering_aged(biographies, "1937-01", "1939-12", 50),
    }


def measure(biographies: pd.DataFrame, historian: Historian, seed: int | np.random.SeedSequence) -> dict[str, float]:
    """Every measurable quantity of one run, keyed "population:category"."""
    spells = Spells.from_biographies(biographies)
    values = _historian_shares(observe(biographies, historian, seed, spells))
    values.update(_purge_timing(biographies))
    values["hq_staff_1939_01:gone_by_1939_12"] = _hq_gone(biographies, spells, "1939-01", "1940-01", minor_only=False)
    values["hq_minor_1939_05:gone_by_1939_08"] = _hq_gone(biographies, spells, "1939-05", "1939-09", minor_only=True)
    values["hq_staff_1939_05:gone_by_1939_08"] = _hq_gone(biographies, spells, "1939-05", "1939-09", minor_only=False)
    values.update(_patterns(biographies, spells))
    return values


def target_values(values: dict[str, float], targets: Sequence[Target]) -> dict[str, float]:
    """The measured value of each target, keyed by target id."""
    return {target.id: values[f"{target.population}:{target.category}"] for target in targets}
