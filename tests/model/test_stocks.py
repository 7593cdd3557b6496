"""The stocks measured from the post spells equal a direct count on the first of every month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.categories import ELITE, GENERATIONS, JUNIOR, RANKS
from sim.model.engine import Engine
from sim.model.posts import NO_ONE
from sim.model.recorder import STOCK_KEYS
from sim.model.roster import SERVING
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def direct_stocks(engine: Engine, month: int) -> list[float]:
    """The stock row counted from the roster and posts as they stand (the month-by-month measurement)."""
    roster, posts, mentoring = engine.roster, engine.posts, engine.scenario.mentoring
    serving = roster.with_status(SERVING)
    assert len(serving) == np.count_nonzero(posts.holder != NO_ONE)  # everyone serving holds one post
    rank = roster.rank[serving]
    service = month - roster.entry[serving]
    staff = [
        int(np.count_nonzero((rank == r) & (roster.generation[serving] == g)))
        for r in range(len(RANKS))
        for g in range(len(GENERATIONS))
    ]
    abroad = int(np.count_nonzero(roster.abroad[serving]))
    vacant = [int(np.count_nonzero((posts.rank == r) & (posts.holder == NO_ONE))) for r in range(len(RANKS))]
    heads_vacant = int(np.count_nonzero((posts.rank == ELITE) & posts.abroad & (posts.holder == NO_ONE)))
    elite = rank == ELITE
    units = roster.unit[serving]
    juniors = rank == JUNIOR
    mentor_units = set(units[~juniors & (service >= mentoring.mentor_min_service_months)].tolist())
    junior_units = units[juniors].tolist()
    full = mentoring.full_competence_months
    return [
        *staff,
        len(serving) - abroad,
        abroad,
        *vacant,
        heads_vacant,
        int(service.sum()) / len(serving) if len(serving) else np.nan,
        int(service[elite].sum()) / int(elite.sum()) if elite.any() else np.nan,
        sum(unit in mentor_units for unit in junior_units) / len(junior_units) if junior_units else np.nan,
        int(np.minimum(service, full).sum()) / full / posts.count,
    ]


@pytest.mark.parametrize("name", ["historical.toml", "gradual_transition.toml"])
def test_stocks_from_spells_equal_the_direct_count_every_month(name):
    engine = Engine(load_scenario(SCENARIOS / name), seed=5).populate()
    direct = []
    while not engine.done:
        direct.append(direct_stocks(engine, engine.month))
        engine.step()
    measured = np.array(engine.recorder.stocks, dtype=float)
    assert measured.shape == (len(direct), len(STOCK_KEYS))
    np.testing.assert_array_equal(measured, np.array(direct, dtype=float))  # bit for bit, NaN where both are NaN


def test_stocks_read_part_way_keep_their_values_and_grow_with_the_run():
    engine = Engine(load_scenario(SCENARIOS / "historical.toml"), seed=2).populate()
    for _ in range(200):  # into the purge years
        engine.step()
    early = [list(row) for row in engine.recorder.stocks]
    assert len(early) == 200
    engine.run()
    final = engine.recorder.stocks
    assert len(final) == len(engine.recorder.months) == 300
    np.testing.assert_array_equal(np.array(final[:200], dtype=float), np.array(early, dtype=float))
