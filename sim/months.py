"""Month outcomes in files and tables, and strict JSON.

Inside Cadres a month outcome (the month the new generation becomes a
majority, say) is a month index, year * 12 + month - 1 as a float: +inf
when the event did not happen by the horizon, NaN when the value is missing
(not measured). No file or table shows those numbers:

- CSV: the year-month ("1941-11") or an empty cell, and beside it the column
  `<name>_not_by_horizon`: True when the event did not happen by the
  horizon, False when it did, empty when the value is missing;
- JSON: "1941-11" or null, and `<name>_not_by_horizon`: true, false or null;
- Markdown and the terminal: "1941-11", "not by the horizon" or "n/a".

JSON files are strict JSON (RFC 8259): NaN is written as null, and an
infinite number is refused (`json_text`), as no JSON reader need accept
`Infinity`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

NOT_BY_HORIZON = "not by the horizon"
MARKER = "_not_by_horizon"  # suffix of the column (or key) that says an empty month is one not reached by the horizon


def _missing(month) -> bool:
    return month is None or (isinstance(month, float) and math.isnan(month)) or month is pd.NA


def month_value(month: float | None) -> str | None:
    """A month index as "YYYY-MM"; None for an event not by the horizon (+inf) and for a missing value (NaN)."""
    if _missing(month) or math.isinf(month):
        return None
    index = int(round(month))
    return f"{index // 12}-{index % 12 + 1:02d}"


def not_by_horizon(month: float | None) -> bool | None:
    """The marker beside `month_value`: True for +inf, False for a month, None for a missing value."""
    if _missing(month):
        return None
    return bool(math.isinf(month))


def month_text(month: float | None) -> str | None:
    """A month index as "YYYY-MM", +inf as "not by the horizon", NaN as None (for Markdown and the terminal)."""
    if _missing(month):
        return None
    return NOT_BY_HORIZON if math.isinf(month) else month_value(month)


def month_fields(name: str, month: float | None) -> dict:
    """The two fields of a month outcome in a file: `name` ("YYYY-MM" or None) and `name`_not_by_horizon."""
    return {name: month_value(month), name + MARKER: not_by_horizon(month)}


def parse_month(value: str | float | None, reached_not: bool | None = None) -> float:
    """The inverse of `month_fields`: a month index, +inf (`reached_not` true) or NaN.

    Also reads the older forms: the text "not by the horizon", and a number (a month index or inf).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.inf if reached_not else math.nan
    if value == NOT_BY_HORIZON:
        return math.inf
    if isinstance(value, str):
        year, month = value.split("-")
        return float(int(year) * 12 + int(month) - 1)
    return float(value)


def censored(months: pd.Series, end_month: int) -> pd.Series:
    """Months with "not by the horizon" (+inf) counted as the month after the horizon, for means and variances."""
    return months.replace(math.inf, end_month + 1)


def month_columns(frame: pd.DataFrame, columns: Iterable[str], horizon: float | None = None) -> pd.DataFrame:
    """A copy of `frame` for a file: each month column as "YYYY-MM" (empty if none) with its marker column after it.

    Args:
        frame: a table with month columns (month indices, +inf, NaN).
        columns: the month columns (those absent from `frame` are skipped).
        horizon: the last simulated month; a value after it (a mean that counts a replicate not reaching the event
            as the month after the horizon) is not by the horizon too.
    """
    out = frame.copy()
    for name in columns:
        if name not in out:
            continue
        values = out[name].astype(float)
        if horizon is not None:
            values = values.where(~(values > horizon), math.inf)
        position = out.columns.get_loc(name)
        out[name] = pd.Series([month_value(v) for v in values], index=out.index, dtype=object)
        out.insert(position + 1, name + MARKER, pd.array([not_by_horizon(v) for v in values], dtype="boolean"))
    return out


def strict(payload, path: str = ""):
    """`payload` with every NaN float as None; an infinite number raises ValueError naming its key.

    Raises:
        ValueError: an infinite number (encode months with `month_fields` first).
    """
    if isinstance(payload, dict):
        return {key: strict(value, f"{path}.{key}" if path else str(key)) for key, value in payload.items()}
    if isinstance(payload, (list, tuple)):
        return [strict(value, f"{path}[{index}]") for index, value in enumerate(payload)]
    if isinstance(payload, np.generic):
        payload = payload.item()
    if payload is pd.NA:
        return None
    if isinstance(payload, float):
        if math.isnan(payload):
            return None
        if math.isinf(payload):
            raise ValueError(f"cannot write {payload} to JSON at {path or 'the top'}: JSON has no infinity")
    return payload


def json_text(payload, indent: int | None = 2) -> str:
    """Strict JSON (see `strict`): no NaN, no Infinity."""
    return json.dumps(strict(payload), indent=indent, allow_nan=False)


__all__ = [
    "MARKER",
    "NOT_BY_HORIZON",
    "json_text",
    "month_columns",
    "month_fields",
    "month_text",
    "month_value",
    "not_by_horizon",
    "parse_month",
    "strict",
]
