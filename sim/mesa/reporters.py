"""The model reporters of `TurnoverModel.datacollector`, read from the engine's arrays.

Each reporter is a function of the model (a `TurnoverModel`: any Mesa
model with an `engine`) giving the state on the first of
`model.date` (the month about to be simulated), the date on which
`sim.records.run_records` counts its stocks. They read one `Census` of the month,
counted once over the posts (~1,000 at the historical size) and everyone
who ever served (~3,000): with Mesa's DataCollector about 25 µs a month,
some 7 ms (5-10 %) of a 300-month historical run of the model, and
nothing in the bare engine's runs (the command line, ensembles,
calibration).

    >>> model.datacollector.get_model_vars_dataframe().set_index("date")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.model.categories import ELITE, NEW_GENERATION, PURGED
from sim.model.posts import NO_ONE

if TYPE_CHECKING:
    from collections.abc import Callable

    import mesa


class Census(NamedTuple):
    """The counts every reporter reads, taken once per month."""

    serving: int
    vacant_posts: int
    new_generation: int
    elite_serving: int
    elite_new_generation: int
    purged: int


def _elite_posts(model: mesa.Model) -> np.ndarray:
    """Indices of the elite posts (the layout of posts never changes during a run)."""
    found = model.__dict__.get("_elite_posts")
    if found is None:
        found = model.__dict__["_elite_posts"] = np.flatnonzero(model.engine.posts.rank == ELITE)
    return found


def census(model: mesa.Model) -> Census:
    """The counts on the first of `model.date`, taken once per month (cached on the model until it steps)."""
    engine = model.engine
    key = (engine.month, engine.roster.size)
    cached = model.__dict__.get("_census")
    if cached is not None and cached[0] == key:
        return cached[1]
    posts, roster = engine.posts, engine.roster
    holders = posts.holder
    held = holders[holders != NO_ONE]
    elite = holders[_elite_posts(model)]
    elite = elite[elite != NO_ONE]
    counted = Census(
        serving=len(held),
        vacant_posts=posts.count - len(held),
        new_generation=int(np.count_nonzero(roster.generation[held] == NEW_GENERATION)),
        elite_serving=len(elite),
        elite_new_generation=int(np.count_nonzero(roster.generation[elite] == NEW_GENERATION)),
        purged=int(np.count_nonzero(roster.view("exit_reason") == PURGED)),
    )
    model.__dict__["_census"] = (key, counted)
    return counted


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def date(model: mesa.Model) -> str:
    """The month about to be simulated, "YYYY-MM"."""
    return model.date


def serving(model: mesa.Model) -> int:
    """People in service (the posts held)."""
    return census(model).serving


def vacant_posts(model: mesa.Model) -> int:
    """Posts without a holder."""
    return census(model).vacant_posts


def new_generation_share(model: mesa.Model) -> float:
    """Share of the new generation among the people in service (NaN if no one serves)."""
    counts = census(model)
    return _share(counts.new_generation, counts.serving)


def elite_new_generation_share(model: mesa.Model) -> float:
    """Share of the new generation among the holders of elite posts (NaN if none is held)."""
    counts = census(model)
    return _share(counts.elite_new_generation, counts.elite_serving)


def purged(model: mesa.Model) -> int:
    """People purged in service so far (exit reason "purged"; not those purged after leaving)."""
    return census(model).purged


def seed_used(model: mesa.Model) -> int | str:
    """The run's seed (`model.seed_used`; a SeedSequence as its repr): a row of `mesa.batch_run` says how to repeat its run."""
    seed = model.seed_used
    return seed if isinstance(seed, int) else repr(seed)


MODEL_REPORTERS: dict[str, Callable[[mesa.Model], object]] = {
    "date": date,
    "serving": serving,
    "vacant_posts": vacant_posts,
    "new_generation_share": new_generation_share,
    "elite_new_generation_share": elite_new_generation_share,
    "purged": purged,
    "seed_used": seed_used,
}
