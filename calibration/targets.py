"""The calibration targets (calibration/targets.toml): reading and checking them.

A target is one documented figure (F1-F4) or documented pattern (F4-F9) as
something the model measures: a population, a category, the documented
value and the band of values the source is consistent with. Its `group`
says which of the two it is; its `use` whether it enters the ABC distance
("distance") or is only measured and reported ("check": by `cadres
validate` and the calibration report). Bad files raise
`sim.scenario.loader.ConfigError` naming the file, the key and what was expected.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from calibration.measures import MEASURES
from sim.scenario.config import Strict
from sim.scenario.loader import ConfigError

DEFAULT_TARGETS = Path(__file__).with_name("targets.toml")


class Target(Strict):
    """One documented figure or pattern as a measurable target."""

    id: Annotated[str, Field(pattern=r"^F[1-9]\.[a-z0-9_]+$")]
    group: Literal["documented", "pattern"] = "documented"
    use: Literal["distance", "check"] = "distance"
    population: str
    category: str
    documented: float
    band: tuple[float, float]
    fit: Literal["point", "band"]
    distance_unit: Annotated[float, Field(gt=0)] | None = None
    source: Annotated[str, Field(min_length=1)]
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        low, high = self.band
        if not low <= high:
            raise ValueError(f"band: expected [lo, hi] with lo <= hi, got {list(self.band)}")
        if not low <= self.documented <= high:
            raise ValueError(f"documented: expected a value inside the band {list(self.band)}, got {self.documented}")
        if self.fit == "point" and low == high:
            raise ValueError("band: a point target needs a band of positive width")
        categories = MEASURES.get(self.population)
        if categories is None:
            raise ValueError(f"population: expected one of {sorted(MEASURES)}, got {self.population!r}")
        if self.category not in categories:
            raise ValueError(f"category: expected one of {sorted(categories)} for {self.population}, got {self.category!r}")
        return self

    @property
    def unit(self) -> str:
        """What the value is measured in: "share", "count", "decimal year", ... (calibration/measures.py)."""
        return MEASURES[self.population][self.category]

    @property
    def in_distance(self) -> bool:
        """True if the target enters the ABC distance, False if it is only checked."""
        return self.use == "distance"

    @property
    def scale(self) -> float:
        """The unit of distance: `distance_unit` if set, else half the band for point targets, the band width for band targets."""
        if self.distance_unit is not None:
            return self.distance_unit
        low, high = self.band
        width = high - low
        return width / 2 if self.fit == "point" else max(width, 1e-9)

    def error(self, value: float) -> float:
        """Signed distance of a simulated value from the target, in units of `scale`."""
        low, high = self.band
        if self.fit == "point":
            return (value - self.documented) / self.scale
        if value < low:
            return (value - low) / self.scale
        if value > high:
            return (value - high) / self.scale
        return 0.0

    def inside(self, value: float) -> bool:
        """True if a value lies inside the band."""
        return self.band[0] <= value <= self.band[1]


class TargetSet(Strict):
    target: Annotated[list[Target], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self) -> TargetSet:
        seen: set[str] = set()
        for target in self.target:
            if target.id in seen:
                raise ValueError(f"expected unique ids, {target.id} appears twice")
            seen.add(target.id)
        return self


def in_distance(targets: Sequence[Target]) -> list[Target]:
    """The targets that enter the ABC distance (use = "distance"), in their order."""
    return [target for target in targets if target.in_distance]


def load_targets(path: Path | str | None = None) -> list[Target]:
    """Read and check a targets file (default: calibration/targets.toml).

    Raises:
        ConfigError: the file, the key (e.g. "target.3.band") and what was expected.
    """
    path = Path(path) if path is not None else DEFAULT_TARGETS
    try:
        with path.open("rb") as handle:
            tree = tomllib.load(handle)
    except (FileNotFoundError, IsADirectoryError):
        raise ConfigError(path, "", "expected an existing targets file (TOML)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "", f"not valid TOML ({error})") from None
    try:
        return TargetSet.model_validate(tree).target
    except ValidationError as failure:
        error = failure.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required key is missing"
        raise ConfigError(path, key, message) from None
