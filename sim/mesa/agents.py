"""`Diplomat`: a Mesa agent that is a thin handle onto one roster slot.

The state lives in the model's numpy arrays (see shared/DESIGN.md): the
properties below read them, so agents never go stale and never need to be
stepped one by one. Use Mesa's collection verbs as usual, e.g.
``model.agents.select(lambda d: d.rank == "elite")``,
``model.agents.groupby("posting").count()`` or
``model.agents.agg("age", np.mean)``.

The engine owns the state: writing an attribute it owns, removing an agent
or stepping agents one by one raises an error that says so.
"""

from __future__ import annotations

from typing import Any

import mesa

from sim.model.categories import EDUCATIONS, GENERATIONS, NATIONALITIES, ORIGINS, PARTY_COHORTS, POSTINGS, RANKS
from sim.model.generations import party_cohort
from sim.model.roster import GONE, LEFT, SERVING

_STATUSES = {SERVING: "serving", LEFT: "left", GONE: "gone"}


class Diplomat(mesa.Agent):
    """A responsible official of the commissariat while in service.

    An agent exists from a person's entry to their exit; `model.agents`
    holds exactly the people in service. Its attributes are read-only views
    of the engine's arrays (`model.engine.roster`), current at `model.date`:

    Attributes:
        slot: the person's index in the roster (`person_id` in the biographies).
        rank: elite, middle or junior.
        posting: hq or abroad.
        unit: 0 the collegium, then the HQ departments, then the missions.
        post: the post held (an index into `model.engine.posts`).
        age: age in completed years on the first of `model.date`.
        birth_year: year of birth.
        entry_year: year of entry into the commissariat.
        months_of_service: months served so far.
        party_joined: year of joining the party, or None.
        party_cohort: pre_1917, civil_war, nep, recent or none.
        generation: old_bolsheviks, civil_war_bolsheviks, specialists_1920s or new_generation.
        origin, education, nationality, languages, abroad_experience: the profile drawn at entry.
        status: serving; after the exit (on a handle kept by the user), left or gone.

    Writing any of these raises AttributeError (the engine owns them; change
    the scenario or the model's parameters instead); other attributes may be
    set as on any Mesa agent. `remove()` and `step()` raise RuntimeError:
    people leave service only through the model's rules, and the rules run
    for everyone at once in `model.step()`.
    """

    def __init__(self, model: mesa.Model, slot: int) -> None:  # model: a TurnoverModel, read via model.engine
        super().__init__(model)
        object.__setattr__(self, "slot", slot)

    def _get(self, name: str):
        return getattr(self.model.engine.roster, name)[self.slot]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _ENGINE_OWNED:
            raise AttributeError(
                f"Diplomat.{name} is read-only: the engine owns each person's state (model.engine.roster); "
                "change the scenario or the model's parameters (purge_scale, elite_multiplier, transition_pace) instead"
            )
        super().__setattr__(name, value)

    def remove(self) -> None:
        """Refused: people leave service only through the model's rules.

        Raises:
            RuntimeError: always; removing the handle would leave the person serving in the engine.
        """
        raise RuntimeError(
            f"Diplomat.remove(): {self!r} cannot be removed by hand: people leave service only through the model's rules "
            "(the engine owns who serves, and model.agents follows it); to change who leaves, change the scenario "
            "or the model's parameters (purge_scale, elite_multiplier, transition_pace)"
        )

    def _leave(self) -> None:
        """Deregister the handle once the engine has taken the person out of service (the model's exit hook)."""
        mesa.Agent.remove(self)

    def step(self) -> None:
        """Refused: the monthly rules run vectorised over everyone in `model.step()`.

        Raises:
            RuntimeError: always, so that `model.agents.shuffle_do("step")` does not silently do nothing.
        """
        raise RuntimeError(
            "Diplomat.step(): agents are not stepped one by one; the rules run for everyone at once in model.step() "
            "(one month; sim/model/engine.py)"
        )

    @property
    def age(self) -> int:
        """Age in completed years on the first of the model's current month (`model.date`)."""
        return int(self.model.engine.month - self._get("birth")) // 12

    @property
    def status(self) -> str:
        """serving; on a handle kept after the exit, left (alive elsewhere, still followed) or gone (dead, purged, defected)."""
        return _STATUSES[int(self._get("status"))]

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
        """Generation name (see sim/model/generations.py)."""
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


_ENGINE_OWNED = frozenset({"slot", *(name for name, value in vars(Diplomat).items() if isinstance(value, property))})
