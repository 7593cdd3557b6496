"""The purge: a monthly hazard of arrest, recall from abroad, defection.

Hazard of a serving person = intensity(month) x rank x party cohort x posting
x nationality x association x entrants multipliers x the person's frailty;
of a person who already left = intensity x party x nationality x entrants x
left_service x rank(highest post held) ** rank_kept_after_leaving x frailty. Frailty is a gamma-distributed multiplier of mean 1
fixed for each person (`purge.frailty_variance`; sim/model/profiles.py): risk is
unequal beyond what the observed traits say. Headquarters staff who entered
before the 1939 wave also face the wave hazard (F3, F4), without
multipliers; a wave event is a dismissal or an arrest, an arrest less often
for those the entrants multiplier protects (`PurgeRule.wave_dismissal`). A
person abroad who is hit is recalled first: most return and are arrested, a
few defect (F8).
The holder of an appointed post (the commissar's, `[appointments]`) is
exempt: his post changes hands by dated decisions (sim/model/rules/appointments.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.categories import DEFECTED, DISMISSED, PURGED
from sim.model.compiled import purge_month
from sim.model.generations import COHORT_BY_YEAR, party_cohort
from sim.model.profiles import categories_from_uniform, frailty
from sim.model.roster import GONE, LEFT, SERVING
from sim.scenario.config import month_index

if TYPE_CHECKING:
    from sim.model.state import State


def _table(values) -> np.ndarray:
    return np.array([getattr(values, name) for name in type(values).model_fields], dtype=float)


class PurgeRule:
    """The purge submodel with its multiplier tables prepared once."""

    def __init__(self, state: State) -> None:
        config = state.scenario.purge
        multipliers = config.multipliers
        self.config = config
        self.rank = _table(multipliers.rank)
        self.party = _table(multipliers.party)
        self.posting = _table(multipliers.posting)
        self.nationality = _table(multipliers.nationality)
        self.association = multipliers.association
        self.left_service = multipliers.left_service
        self.kept_rank = self.rank**multipliers.rank_kept_after_leaving  # by the highest rank held, for the followed
        self.entrants_since = month_index(multipliers.entrants.since)
        self.entrants = multipliers.entrants.multiplier
        self._frail_up_to = 0  # roster slots whose frailty is set
        self.intensity = state.schedule(config.intensity)
        self.hq_wave = state.schedule(config.hq_wave)
        self.wave_start = self.hq_wave.first_positive_month()

    def hazard(self, state: State, slots: np.ndarray, month: int) -> np.ndarray:
        """Annual purge hazard (without the HQ wave) of serving people."""
        roster = state.roster
        cohort = party_cohort(roster.party_year[slots], as_of_year=month // 12)
        associated = roster.associated_until[slots] >= month
        hazard = (
            self.intensity.at(month)
            * self.rank[roster.rank[slots]]
            * self.party[cohort]
            * self.posting[roster.abroad[slots].view(np.int8)]  # False, True -> 0, 1 without a copy
            * self.nationality[roster.nationality[slots]]
            * np.where(associated, self.association.multiplier, 1.0)
            * np.where(roster.entry[slots] >= self.entrants_since, self.entrants, 1.0)
            * roster.frailty[slots]
        )
        return np.where(state.posts.appointed[roster.post[slots]], 0.0, hazard)

    def wave_hazard(self, state: State, slots: np.ndarray, month: int) -> np.ndarray:
        """Annual HQ-wave hazard of serving people (zero abroad and for its own recruits)."""
        level = self.hq_wave.at(month)
        if level == 0.0 or self.wave_start is None:
            return np.zeros(len(slots))
        roster = state.roster
        exposed = ~roster.abroad[slots] & (roster.entry[slots] < self.wave_start) & ~state.posts.appointed[roster.post[slots]]
        return np.where(exposed, level, 0.0)

    def wave_dismissal(self, state: State, slots: np.ndarray) -> np.ndarray:
        """The chance that an exit in the HQ wave is a dismissal rather than an arrest, per person.

        An arrest's chance, 1 - `hq_wave_dismissal_share`, is scaled by the entrants multiplier for those who
        entered from `entrants.since` on (at most 1): the wave replaced nearly everyone (F4), but whom it arrested
        followed the purge's risk; with a multiplier of 1 the share is everyone's.
        """
        arrest = 1.0 - self.config.hq_wave_dismissal_share
        entrant = np.where(state.roster.entry[slots] >= self.entrants_since, self.entrants, 1.0)
        return 1.0 - np.minimum(1.0, arrest * entrant)

    def _set_frailty(self, state: State) -> None:
        """Give the people added since the last month their frailty."""
        roster = state.roster
        if roster.size > self._frail_up_to:
            new = slice(self._frail_up_to, roster.size)
            roster.frailty[new] = frailty(roster.risk_rank[new], self.config.frailty_variance)
            self._frail_up_to = roster.size

    def apply(self, state: State, month: int) -> None:
        """Apply one month of purge to the serving and the followed."""
        intensity = self.intensity.at(month)
        if intensity == 0.0 and self.hq_wave.at(month) == 0.0:
            return  # nobody can be hit; skipping changes no draw of any other month or process
        roster = state.roster
        self._set_frailty(state)
        event_draw, cause_draw, outcome_draw = state.streams.uniforms("purge", month, roster.size, 3)
        recall_draw = state.streams.uniforms("recall", month, roster.size)[0]
        if state.compiled:
            dismissed, arrested, defects, caught = self._compiled(state, month, event_draw, cause_draw, recall_draw)
        else:
            dismissed, arrested, defects = self._hits(state, month, event_draw, cause_draw, recall_draw)
            caught = None

        abroad = roster.abroad[arrested]
        purged_posts = roster.post[arrested[~defects]]
        roster.recalled[arrested[abroad]] = True
        state.count("recalls", np.count_nonzero(abroad))
        state.leave_service(dismissed, month, DISMISSED, LEFT)
        state.leave_service(arrested[defects], month, DEFECTED, GONE)
        victims = arrested[~defects]
        roster.purge_outcome[victims] = 1 + categories_from_uniform(outcome_draw[victims], self.config.outcomes)
        state.leave_service(victims, month, PURGED, GONE)
        self._raise_association(state, purged_posts, month)

        if intensity == 0.0:
            return
        if caught is None:
            caught = self._caught(state, month, event_draw)
        roster.purge_outcome[caught] = 1 + categories_from_uniform(outcome_draw[caught], self.config.outcomes)
        state.record_later_fate(caught, month, "purged")

    def _hits(
        self, state: State, month: int, event_draw: np.ndarray, cause_draw: np.ndarray, recall_draw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The serving people dismissed in the wave, those arrested, and which of the arrested defect on recall."""
        roster = state.roster
        serving = roster.with_status(SERVING)
        purge_h = self.hazard(state, serving, month)
        wave_h = self.wave_hazard(state, serving, month)
        total = purge_h + wave_h
        hit = event_draw[serving] < -np.expm1(-total / 12.0)
        hit_slots = serving[hit]
        by_wave = cause_draw[hit_slots] * total[hit] < wave_h[hit]
        dismissed = by_wave & (recall_draw[hit_slots] < self.wave_dismissal(state, hit_slots))
        arrested = hit_slots[~dismissed]
        defects = roster.abroad[arrested] & (recall_draw[arrested] < self.config.recall_defection_probability)
        return hit_slots[dismissed], arrested, defects

    def _caught(self, state: State, month: int, event_draw: np.ndarray) -> np.ndarray:
        """The followed people (left in an earlier month) whom the purge reaches this month."""
        roster = state.roster
        followed = roster.with_status(LEFT)
        followed = followed[roster.exit[followed] < month]
        cohort = party_cohort(roster.party_year[followed], as_of_year=month // 12)
        followed_h = (
            self.intensity.at(month)
            * self.left_service
            * self.kept_rank[roster.highest_rank[followed]]
            * self.party[cohort]
            * self.nationality[roster.nationality[followed]]
            * np.where(roster.entry[followed] >= self.entrants_since, self.entrants, 1.0)
            * roster.frailty[followed]
        )
        return followed[event_draw[followed] < -np.expm1(-followed_h / 12.0)]

    def _compiled(
        self, state: State, month: int, event_draw: np.ndarray, cause_draw: np.ndarray, recall_draw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`_hits` and `_caught` in one compiled loop (sim/model/compiled/purge.py), before any state changes."""
        roster, config = state.roster, self.config
        return purge_month(
            event_draw,
            cause_draw,
            recall_draw,
            month,
            self.intensity.at(month),
            self.hq_wave.at(month),
            -1 if self.wave_start is None else self.wave_start,
            config.hq_wave_dismissal_share,
            config.recall_defection_probability,
            self.rank,
            self.party,
            self.posting,
            self.nationality,
            self.association.multiplier,
            self.left_service,
            self.kept_rank,
            self.entrants_since,
            self.entrants,
            COHORT_BY_YEAR,
            roster.status,
            roster.rank,
            roster.highest_rank,
            roster.party_year,
            roster.abroad,
            roster.nationality,
            roster.associated_until,
            roster.entry,
            roster.exit,
            roster.frailty,
            roster.post,
            state.posts.appointed,
        )

    def _raise_association(self, state: State, purged_posts: np.ndarray, month: int) -> None:
        """Raise the risk of those serving under a superior purged this month."""
        if len(purged_posts) == 0 or self.association.months == 0:
            return
        posts = state.posts
        struck = np.zeros(posts.count + 1, dtype=bool)  # last entry: "no superior"
        struck[purged_posts] = True
        under = struck[posts.superior]  # superior -1 reads the sentinel
        holders = posts.holder[under & (posts.holder >= 0)]
        state.roster.associated_until[holders] = month + self.association.months
