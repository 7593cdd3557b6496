"""Break-even of the trickle pace: how fast the 1931-36 trickle would have had to be for a majority without the purge.

    >>> from sim.experiments.breakeven import BreakEven
    >>> found = BreakEven("scenarios/continuation.toml", factors=(0.5, 1, 2, 4), replicates=8).execute(jobs=2)
    >>> found.table      # per year: the break-even factor and the share of recruits of the new generation from 1937
    >>> found.grid       # per factor: majority month and shares on 1 January, median and 10-90% of replicates
    >>> found.plot()     # majority month against the factor

The trickle is `replacement.new_generation_share` (base.toml: none before
1931, a quarter of the outside recruits in 1931 rising to a half at the end
of 1936 and constant after; F7 says there was a trickle, its pace is an
assumption). A factor multiplies every knot of it, as `cadres sweep` scales
a schedule (sim.experiments.sweep.apply), and a knot above 1 is set to 1, the largest
share the schema allows. Beyond the factor at which every knot is 1, the
scenario no longer changes, so the grid stops there.

Every factor runs the same replicate seeds (common random numbers), each as
an ensemble stored under `out/points/fNN/`, so an interrupted run resumes.

The break-even factor for a year Y is the smallest factor at which the
median replicate's new generation is a majority of all staff on 1 January
Y: the median share on that day, linear in the factor between the two grid
factors that bracket one half (the first bracket from below), is
interpolated to one half. The shares, unlike the majority months, are
finite on both sides of the bracket (a month past the horizon is "never").
As a check, the table gives the first grid factor whose median majority
month is no later than January Y. A year past the horizon, or one never
reached within the grid, is reported as such.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import ConfigError, ResultExistsError
from sim.experiments.ensemble import Ensemble, execute_all
from sim.experiments.sweep import Parameter, apply
from sim.model.schedule import PiecewiseSchedule
from sim.months import month_columns, month_text
from sim.records.bands import interval
from sim.records.outcomes import SNAPSHOTS
from sim.results.ownership import check_replaceable, describe
from sim.results.storage import default_directory, record_files, replace_file, retire
from sim.scenario.config import Scenario, month_index
from sim.scenario.loader import load_scenario

TRICKLE = "replacement.new_generation_share"  # the trickle (F7); its pace is an assumption (base.toml)
FACTORS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0)  # x the assumed trickle
REPLICATES = 8
POLICY_START = "1937-01"  # "from 1937": the month the purge (and the transition policies) began (F7, F10)
MAJORITY = 0.5
WHERE = "command line"


@dataclass(frozen=True)
class Crossing:
    """Where a rising relation first passes a level on a grid.

    Attributes:
        factor: the interpolated factor (the smallest grid factor if the level is passed there already); None if never.
        status: "interpolated", "at or below the grid", "never within the grid" or "beyond the horizon".
        low: the grid factor below the crossing (None unless interpolated).
        high: the grid factor at or above it (None if never).
    """

    factor: float | None
    status: str
    low: float | None = None
    high: float | None = None


def crossing(factors: Sequence[float], values: Sequence[float], level: float = MAJORITY) -> Crossing:
    """The smallest factor at which `values` is above `level`, linear between the two grid factors that bracket it.

    Args:
        factors: the grid, increasing.
        values: the relation at each factor (NaN where it is not measured, e.g. past the horizon).
        level: the level to pass (strictly above).
    """
    x, y = np.asarray(factors, float), np.asarray(values, float)
    if np.isnan(y).all():
        return Crossing(None, "beyond the horizon")
    above = y > level
    if not above.any():
        return Crossing(None, "never within the grid")
    first = int(np.argmax(above))
    if first == 0:
        return Crossing(float(x[0]), "at or below the grid", None, float(x[0]))
    x0, x1, y0, y1 = x[first - 1], x[first], y[first - 1], y[first]
    if np.isnan(y0):
        return Crossing(float(x1), "at or below the grid", None, float(x1))
    return Crossing(float(x0 + (level - y0) * (x1 - x0) / (y1 - y0)), "interpolated", float(x0), float(x1))


def scaled_trickle(tree: dict, factor: float) -> dict:
    """A copy of the config tree with every knot of the trickle multiplied by `factor`, capped at 1."""
    tree = apply(tree, Parameter(TRICKLE, 0.0, factor, "scale"), factor)
    replacement = tree["replacement"]
    replacement["new_generation_share"] = [[date, min(1.0, value)] for date, value in replacement["new_generation_share"]]
    return tree


def trickle_share(knots: Sequence[Sequence], month: str) -> float:
    """The share of the trickle schedule `knots` in `month` (linear between knots)."""
    return PiecewiseSchedule([(date, value) for date, value in knots]).at(month_index(month))


def largest_factor(scenario: Scenario) -> float:
    """The factor at which every positive knot of the trickle reaches 1; beyond it nothing changes."""
    positive = [value for _, value in scenario.replacement.new_generation_share if value > 0]
    if not positive:
        raise ConfigError(scenario.name, TRICKLE, "expected a trickle with a positive share to scale")
    return 1.0 / min(positive)


def check_factors(factors: Sequence[float], scenario: Scenario) -> tuple[float, ...]:
    """Refuse a grid that is not increasing, positive and within the cap.

    Raises:
        ConfigError: ("command line", "--factors", what was expected).
    """
    grid = tuple(float(f) for f in factors)
    top = largest_factor(scenario)
    if len(grid) < 2:
        raise ConfigError(WHERE, "--factors", f"expected at least two factors, got {len(grid)}")
    if not all(math.isfinite(f) and f > 0 for f in grid) or any(b <= a for a, b in zip(grid, grid[1:], strict=False)):
        raise ConfigError(WHERE, "--factors", f"expected positive factors in increasing order, got {','.join(map(str, grid))}")
    if grid[-1] > top + 1e-9:
        raise ConfigError(
            WHERE,
            "--factors",
            f"expected factors up to {top:g} (beyond it every knot of {TRICKLE} is capped at 1), got {grid[-1]:g}",
        )
    return grid


def parse_factors(text: str) -> tuple[float, ...]:
    """Factors as "0.5,1,2" (checked against the scenario by `check_factors`).

    Raises:
        ConfigError: a value that is not a number.
    """
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ConfigError(WHERE, "--factors", f"expected numbers separated by commas (e.g. 0.5,1,2,4), got {text!r}") from None


class BreakEven:
    """The continuation scenario at a grid of trickle factors, and the factor that makes a majority by each year.

    Args:
        scenario: the no-purge continuation (a Scenario or a file).
        factors: the grid of factors of the trickle, increasing, up to `largest_factor`.
        replicates: replicates per factor (the same seeds at every factor).
        seed: spawn seed of the replicate seeds (default: the scenario's `seed`).
        out: directory (default runs/sensitivity/breakeven).
        years: the years whose 1 January is asked about.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        factors: Sequence[float] = FACTORS,
        replicates: int = REPLICATES,
        seed: int | None = None,
        out: str | Path | None = None,
        years: Sequence[int] = SNAPSHOTS,
    ):
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.factors = check_factors(factors, self.scenario)
        self.replicates, self.years = int(replicates), tuple(years)
        self.seed = self.scenario.seed if seed is None else int(seed)
        self.directory = Path(out) if out is not None else default_directory("sensitivity", "breakeven")
        base = self.scenario.model_dump(mode="json")
        self.ensembles: list[Ensemble] = []
        for index, factor in enumerate(self.factors):
            tree = scaled_trickle(base, factor)
            tree["name"] = f"{self.scenario.name}.f{index:02d}"
            point = Scenario.model_validate(tree)
            self.ensembles.append(Ensemble(point, self.replicates, self.seed, self.directory / "points" / f"f{index:02d}"))
        self.grid: pd.DataFrame | None = None
        self.table: pd.DataFrame | None = None

    # -- the result directory -------------------------------------------------

    def _manifest(self) -> dict:
        return {
            "kind": "breakeven",
            "scenario": self.scenario.name,
            "factors": list(self.factors),
            "replicates": self.replicates,
            "seed": self.seed,
            "years": list(self.years),
            "config": self.scenario.model_dump(mode="json"),
            "sub_results": ["points/*"],
        }

    def check_directory(self) -> None:
        """Refuse a directory holding another break-even or anything else.

        Raises:
            ResultExistsError: unless it is empty or holds this very break-even.
        """
        found = check_replaceable(self.directory)
        if found is None:
            return
        if found.get("kind") != "breakeven":
            raise ResultExistsError(
                f"{self.directory} holds {describe(found)}, not a break-even; "
                "pass --force to replace it (Cadres replaces only its own results) or choose another --out"
            )
        mine = self._manifest()
        changed = [key for key in ("scenario", "factors", "replicates", "seed", "years", "config") if found.get(key) != mine[key]]
        if changed:
            raise ResultExistsError(
                f"{self.directory} holds a break-even with a different {', '.join(changed)}; "
                "pass --force to replace it or choose another --out"
            )

    # -- running --------------------------------------------------------------

    def execute(self, executor=None, jobs: int | None = None, force: bool = False, progress: bool = True) -> BreakEven:
        """Run every missing replicate, then tabulate (`grid`, `table`) and write grid.csv and breakeven.csv.

        Raises:
            ReplicateError: some replicates failed (the others are stored; a rerun retries them).
            UnguardedMainError: a pool would start from a script's top level (sim.experiments.workers); nothing is written.
        """
        from sim.experiments.workers import check_pool_start

        check_pool_start(executor, jobs)  # before an earlier result is retired or anything written
        if force and check_replaceable(self.directory) is not None:
            retire(self.directory)
        self.check_directory()
        record_files(self.directory, [], self._manifest())
        execute_all(self.ensembles, executor=executor, jobs=jobs, progress=progress, label=f"break-even {self.scenario.name}")
        self.grid = self._tabulate_grid()
        self.table = self._tabulate_breakeven()
        grid = self.grid_table()
        replace_file(self.directory / "grid.csv", lambda path: grid.to_csv(path, index=False))
        replace_file(self.directory / "breakeven.csv", lambda path: self.table.to_csv(path, index=False))
        record_files(self.directory, ["grid.csv", "breakeven.csv"], self._manifest())
        return self

    def _tabulate_grid(self) -> pd.DataFrame:
        rows = []
        for factor, ensemble in zip(self.factors, self.ensembles, strict=True):
            outcomes = ensemble.reduce().outcomes
            knots = ensemble.scenario.replacement.new_generation_share
            month = interval(outcomes["majority_month_all"], discrete=True)
            row = {
                "factor": factor,
                "share_1931": trickle_share(knots, "1931-01"),
                "share_from_1937": trickle_share(knots, POLICY_START),
                "majority_month_median": month.median,
                "majority_month_low": month.low,
                "majority_month_high": month.high,
                "replicates_reaching": int(np.isfinite(outcomes["majority_month_all"]).sum()),
            }
            for year in self.years:
                share = interval(outcomes.get(f"share_all_{year}", pd.Series([math.nan] * len(outcomes))))
                row |= {f"share_{year}_median": share.median, f"share_{year}_low": share.low, f"share_{year}_high": share.high}
            rows.append(row)
        return pd.DataFrame(rows)

    def grid_table(self) -> pd.DataFrame:
        """The grid as grid.csv has it: the majority months as "YYYY-MM", each beside its `_not_by_horizon` marker."""
        return month_columns(self.grid, ("majority_month_median", "majority_month_low", "majority_month_high"))

    def _tabulate_breakeven(self) -> pd.DataFrame:
        grid, rows = self.grid, []
        for year in self.years:
            found = crossing(grid["factor"], grid[f"share_{year}_median"])
            by_month = grid[grid["majority_month_median"] <= month_index(f"{year}-01")]
            if found.status == "beyond the horizon":
                by_month = by_month.iloc[:0]  # the page says "not measured", the check too
            share_1931, share_from_1937 = self.shares_at(found.factor) if found.factor is not None else (None, None)
            rows.append(
                {
                    "year": year,
                    "factor": found.factor,
                    "status": found.status,
                    "share_from_1937": share_from_1937,
                    "share_1931": share_1931,
                    "bracket_low": found.low,
                    "bracket_high": found.high,
                    "first_grid_factor_by_month": float(by_month["factor"].iloc[0]) if len(by_month) else None,
                    "share_at_largest_factor": float(grid[f"share_{year}_median"].iloc[-1]),
                }
            )
        return pd.DataFrame(rows)

    def shares_at(self, factor: float) -> tuple[float, float]:
        """The shares of new-generation recruits in 1931 and from 1937 at `factor` times the assumed trickle."""
        knots = scaled_trickle(self.scenario.model_dump(mode="json"), factor)["replacement"]["new_generation_share"]
        return trickle_share(knots, "1931-01"), trickle_share(knots, POLICY_START)

    # -- reading the result ---------------------------------------------------

    def _assumed(self) -> str:
        share_1931, share_from_1937 = self.shares_at(1.0)
        return f"the assumed trickle has {share_1931:.0%} in 1931 rising to {share_from_1937:.0%} from 1937"

    def statements(self) -> list[str]:
        """The break-even in words, one sentence per year."""
        sentences = []
        for row in self.table.itertuples():
            by = f"by 1 January {row.year}"
            if row.status == "beyond the horizon":
                sentences.append(f"{by}: not measured (past the scenario's horizon, {self.scenario.time.end}).")
            elif row.status == "never within the grid":
                top = self.factors[-1]
                largest = "the largest the schema allows" if top >= largest_factor(self.scenario) - 1e-9 else "the grid's largest"
                sentences.append(
                    f"{by}: at no pace of the trickle. Even at {top:g} times the assumed trickle ({largest}: "
                    f"{self.grid['share_1931'].iloc[-1]:.0%} of recruits of the new generation from 1931 and "
                    f"{self.grid['share_from_1937'].iloc[-1]:.0%} from 1937), the median share on 1 January {row.year} is "
                    f"{row.share_at_largest_factor:.0%}: what limits it is the turnover (how many posts fall vacant and "
                    "are filled from outside), not the pace."
                )
            elif row.status == "at or below the grid":
                sentences.append(
                    f"{by}: already at the smallest factor of the grid, {row.factor:g} times the assumed trickle "
                    f"({row.share_from_1937:.0%} of recruits from 1937 of the new generation, or fewer)."
                )
            elif row.share_from_1937 >= 1:
                sentences.append(
                    f"{by} only if every recruit from 1937 had been of the new generation, and at least "
                    f"{row.share_1931:.0%} from 1931 ({row.factor:.2f} times the assumed trickle; {self._assumed()})."
                )
            else:
                sentences.append(
                    f"{by} only if at least {row.share_from_1937:.0%} of recruits from 1937 had been of the new generation "
                    f"({row.factor:.2f} times the assumed trickle, with {row.share_1931:.0%} in 1931; {self._assumed()})."
                )
        return sentences

    def plot(self) -> Figure:
        """Majority month against the factor (median and 10-90% band), with the 1 January lines; shares below."""
        return breakeven_figure(self.grid, self.years, self.scenario, self.replicates)


def _year(month: float) -> float:
    return month / 12.0


def breakeven_figure(grid: pd.DataFrame, years: Sequence[int], scenario: Scenario, replicates: int) -> Figure:
    """Two panels over the trickle factor: the majority month (censored at the horizon) and the shares on 1 January."""
    figure = Figure(figsize=(7.5, 6.4), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    horizon = scenario.end_month + 1
    factor = grid["factor"].to_numpy(float)
    month = {key: grid[f"majority_month_{key}"].replace(math.inf, horizon).to_numpy(float) for key in ("median", "low", "high")}
    top.fill_between(factor, _year(month["low"]), _year(month["high"]), color="#0072B2", alpha=0.2, linewidth=0, label="10-90%")
    top.plot(factor, _year(month["median"]), color="#0072B2", marker="o", markersize=3, linewidth=1.4, label="median")
    top.axhline(_year(horizon), color="#8C8C8C", linestyle=":", linewidth=1)
    top.text(
        factor[0], _year(horizon), f" not by the horizon ({scenario.time.end})", va="bottom", fontsize="x-small", color="#555555"
    )
    colors = ("#D55E00", "#009E73", "#CC79A7", "#E69F00")
    for index, year in enumerate(years):
        color = colors[index % len(colors)]
        top.axhline(year, color=color, linestyle="--", linewidth=0.9)
        top.text(factor[-1], year, f"1 Jan {year} ", ha="right", va="bottom", fontsize="x-small", color=color)
        column = f"share_{year}_median"
        if column in grid and grid[column].notna().any():
            bottom.fill_between(
                factor, grid[f"share_{year}_low"], grid[f"share_{year}_high"], color=color, alpha=0.15, linewidth=0
            )
            bottom.plot(factor, grid[column], color=color, marker="o", markersize=3, linewidth=1.2, label=f"1 Jan {year}")
    top.set_ylabel("new generation a majority of all staff\n(year)")
    top.legend(loc="lower left", fontsize="x-small", frameon=False)
    bottom.axhline(MAJORITY, color="#000000", linewidth=0.8)
    bottom.set_ylim(0, 1)
    bottom.set_ylabel("new-generation share\nof all staff")
    bottom.set_xlabel("trickle factor (x the assumed 1931-36 pace; each knot capped at 1)")
    bottom.legend(loc="upper left", fontsize="x-small", frameon=False)
    ticks = [f for f in factor if f in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)] or list(factor)
    from1937 = dict(zip(factor, grid["share_from_1937"], strict=True))
    recruits = top.secondary_xaxis("top")  # the same factors, labelled by the share of recruits from 1937
    recruits.set_xticks(ticks, [f"{from1937[f]:.0%}" for f in ticks], fontsize="x-small")
    recruits.set_xlabel("share of recruits of the new generation from 1937", fontsize="x-small")
    figure.suptitle(
        f"Without the purge ({scenario.name}): the new generation's majority by the pace of the trickle\n"
        f"{replicates} replicates per factor, common seeds; lines: median, bands: 10-90%",
        fontsize="medium",
    )
    return figure


def table_markdown(table: pd.DataFrame) -> list[str]:
    """The break-even table as markdown rows."""
    lines = [
        "| majority by | break-even factor (x assumed trickle) | share of recruits from 1937 | share from 1931 | how found | "
        "first grid factor by the median month | median share at the largest factor |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        found = "" if pd.isna(row.factor) else f"{row.factor:.2f}"
        from1937 = "" if pd.isna(row.share_from_1937) else f"{row.share_from_1937:.0%}"
        from1931 = "" if pd.isna(row.share_1931) else f"{row.share_1931:.0%}"
        how = row.status if row.status != "interpolated" else f"interpolated between {row.bracket_low:g} and {row.bracket_high:g}"
        check = "none" if pd.isna(row.first_grid_factor_by_month) else f"{row.first_grid_factor_by_month:g}"
        largest = "-" if pd.isna(row.share_at_largest_factor) else f"{row.share_at_largest_factor:.0%}"
        lines.append(
            f"| 1 Jan {row.year} | {found or '-'} | {from1937 or '-'} | {from1931 or '-'} | {how} | {check} | {largest} |"
        )
    return lines


def grid_markdown(grid: pd.DataFrame, years: Sequence[int]) -> list[str]:
    """The grid (per factor: the shares of recruits, the majority month and the shares on 1 January) as markdown rows."""
    head = ["factor", "recruits 1931", "recruits from 1937", "majority month (10-90%)"] + [f"share 1 Jan {y}" for y in years]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in grid.to_dict("records"):
        low, high = month_text(row["majority_month_low"]), month_text(row["majority_month_high"])
        cells = [f"{row['factor']:g}", f"{row['share_1931']:.0%}", f"{row['share_from_1937']:.0%}"]
        median = month_text(row["majority_month_median"])
        cells.append(median if low == high == median else f"{median} ({low} to {high})")
        for year in years:
            median, low, high = (row.get(f"share_{year}_{key}", math.nan) for key in ("median", "low", "high"))
            cells.append("-" if pd.isna(median) else f"{median:.0%} ({low:.0%}-{high:.0%})")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


__all__ = ["FACTORS", "BreakEven", "Crossing", "crossing", "scaled_trickle"]
