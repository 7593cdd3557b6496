"""`Diplomat`: a Mesa agent that is a thin handle onto one roster slot.

The state lives in the model's numpy arrays (see shared/DESIGN.md): the
properties below read them, so agents never go stale and never need to be
stepped one by one. Use Mesa's collection verbs as usual, e.g.
``model.agents.select(lambda d: d.rank == "elite")`` or
``model.agents.groupby("posting").count()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.categories import EDUCATIONS, GENERATIONS, NATIONALITIES, ORIGINS, PARTY_COHORTS, POSTINGS, RANKS
from sim.generations import party_cohort

if TYPE_CHECKING:
    from sim.model import TurnoverModel


class Diplomat(mesa.Agent):
    """A responsible official of the commissariat while in service."""

    def __init__(self, model: TurnoverModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot

    def _get(self, name: str):
        return getattr(self.model.engine.roster, name)[self.slot]

    @property
    def birth_year(self) -> int:
        """Year of birth."""
        return int(self._get("birth")) // 12

    @property
    def party_joined(self) -> int | None:
        """Year of joining the party, or None for non-party people."""
        year = int(self._get("party_year"))
        return year or None

    @property
    def party_cohort(self) -> str:
        """pre_1917, civil_war, nep, recent or none (by the final party-join year)."""
        return PARTY_COHORTS[int(party_cohort(self._get("party_year")[None])[0])]

    @property
    def entry_year(self) -> int:
        """Year of entry into the commissariat."""
        return int(self._get("entry")) // 12

    @property
    def rank(self) -> str:
        """elite, middle or junior."""
        return RANKS[int(self._get("rank"))]

    @property
    def posting(self) -> str:
        """Hq or abroad."""
        return POSTINGS[int(self._get("abroad"))]

    @property
    def unit(self) -> int:
        """Unit number: 0 collegium, then HQ departments, then missions."""
        return int(self._get("unit"))

    @property
    def post(self) -> int:
        """The post held (an index into `model.engine.posts`)."""
        return int(self._get("post"))

    @property
    def generation(self) -> str:
        """Generation name (see sim/generations.py)."""
        return GENERATIONS[int(self._get("generation"))]

    @property
    def origin(self) -> str:
        """Social origin."""
        return ORIGINS[int(self._get("origin"))]

    @property
    def education(self) -> str:
        """Highest education."""
        return EDUCATIONS[int(self._get("education"))]

    @property
    def nationality(self) -> str:
        """Nationality."""
        return NATIONALITIES[int(self._get("nationality"))]

    @property
    def languages(self) -> bool:
        """Speaks foreign languages."""
        return bool(self._get("languages"))

    @property
    def abroad_experience(self) -> bool:
        """Had lived or served abroad before entry."""
        return bool(self._get("abroad_experience"))

    @property
    def months_of_service(self) -> int:
        """Months served in the commissariat so far."""
        return int(self.model.engine.month - self._get("entry"))

    def __repr__(self) -> str:
        return f"Diplomat({self.unique_id}, {self.rank}, {self.posting}, {self.generation})"
