"""The posts of the commissariat: rank level x unit, with a superior each.

Units are numbered: 0 is the collegium (the HQ elite posts), then the HQ
departments, then the missions abroad. Post 0 is the commissar, the next
`deputy_commissars` posts are his deputies, the other elite posts of unit 0
are collegium members. The first
middle post of a department heads it; the elite post of a mission is its
head of mission. Superiors: department staff answer to the department head,
mission staff to the head of mission, heads of departments and missions and
the collegium to the commissar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.categories import ELITE, JUNIOR, MIDDLE
from sim.scenario.config import Institution

NO_ONE = -1


@dataclass
class Posts:
    """Arrays over posts; `holder` is a person slot or -1 for a vacancy."""

    rank: np.ndarray
    unit: np.ndarray
    abroad: np.ndarray
    superior: np.ndarray
    holder: np.ndarray
    queued_since: np.ndarray
    unit_abroad: np.ndarray
    label: np.ndarray  # per post: "commissar", "deputy", "collegium", "hq<unit>" or "mission<unit>"
    appointed: np.ndarray  # per post: a political appointment, changed by dated decisions (sim/model/rules/appointments.py)

    @property
    def count(self) -> int:
        """Number of posts."""
        return len(self.rank)

    @property
    def unit_count(self) -> int:
        """Number of units (collegium, departments, missions)."""
        return len(self.unit_abroad)

    def vacant(self) -> np.ndarray:
        """Boolean mask of posts without a holder."""
        return self.holder == NO_ONE


def build_posts(institution: Institution) -> Posts:
    """Lay out the posts of the institution described in the config."""
    rank: list[int] = []
    unit: list[int] = []
    superior: list[int] = []
    unit_abroad = [False]

    commissar = 0
    for k in range(institution.hq_elite_posts):
        rank.append(ELITE)
        unit.append(0)
        superior.append(NO_ONE if k == 0 else commissar)

    def add_unit(abroad: bool, head_rank: int, middle: int, junior: int) -> None:
        unit_id = len(unit_abroad)
        unit_abroad.append(abroad)
        head = len(rank)
        levels = ([ELITE] if head_rank == ELITE else []) + [MIDDLE] * middle + [JUNIOR] * junior
        for k, level in enumerate(levels):
            rank.append(level)
            unit.append(unit_id)
            superior.append(commissar if k == 0 else head)

    for _ in range(institution.hq_departments):
        shape = institution.department_posts
        add_unit(False, MIDDLE, shape.middle, shape.junior)
    for _ in range(institution.missions):
        shape = institution.mission_posts
        add_unit(True, ELITE, shape.middle, shape.junior)

    deputies = institution.deputy_commissars
    if deputies is None:
        deputies = min(3, institution.hq_elite_posts - 1)
    collegium = ["commissar"] + ["deputy"] * deputies + ["collegium"] * (institution.hq_elite_posts - 1 - deputies)
    labels = collegium + [f"{'mission' if unit_abroad[u] else 'hq'}{u}" for u in unit[institution.hq_elite_posts :]]
    unit_array = np.array(unit, dtype=np.int32)
    unit_abroad_array = np.array(unit_abroad, dtype=bool)
    count = len(rank)
    return Posts(
        rank=np.array(rank, dtype=np.int8),
        unit=unit_array,
        abroad=unit_abroad_array[unit_array],
        superior=np.array(superior, dtype=np.int32),
        holder=np.full(count, NO_ONE, dtype=np.int64),
        queued_since=np.full(count, NO_ONE, dtype=np.int32),
        unit_abroad=unit_abroad_array,
        label=np.array(labels, dtype=object),
        appointed=np.zeros(count, dtype=bool),
    )
