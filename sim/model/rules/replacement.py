"""Replacement: vacancy chains of promotion ending in outside recruits.

Each month, ranks are worked top down. A vacancy is offered to promotion
from the rank below with the scheduled probability; the candidates are those
who have served `min_months_in_rank` in their rank, taken in random order
(`promotion_order = "random"`) or the longest-serving first ("seniority",
ties broken at random). A promotion opens a vacancy one rank down,
worked in the same month. A vacancy not filled by promotion joins the
recruitment queue with the scheduled outside-entry probability of its rank;
otherwise it waits and is offered to promotion again next month. Queued vacancies are filled in
order of age once the recruitment lag (a number of months, or a schedule
of them rounded to whole months) has passed, at most `capacity` a
month (fractional capacity carries over), with the new-generation profile
in the scheduled share of recruits; under a transition policy, the month's
first recruits are of the new generation as far as its quota is owed
(sim/model/rules/transition.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.categories import JUNIOR, RANKS
from sim.model.compiled import promote_month
from sim.model.posts import NO_ONE
from sim.model.streams import RECRUITS_PER_BLOCK

if TYPE_CHECKING:
    from sim.model.rules.transition import TransitionRule
    from sim.model.state import State


class ReplacementRule:
    """Promotion and recruitment with their schedules prepared once."""

    def __init__(self, state: State, transition: TransitionRule | None = None) -> None:
        self.transition = transition  # the transition policy's quota of new-generation recruits, if the policy acts
        config = state.scenario.replacement
        self.config = config
        self.promotion_probability = state.schedule(config.promotion_probability)
        self.capacity = state.schedule(config.recruitment_capacity)
        self.new_generation_share = state.schedule(config.new_generation_share)
        self.outside_entry = [state.schedule(getattr(config.outside_entry, name)) for name in RANKS]
        self.capacity_carry = 0.0
        lag = config.recruitment_lag_months
        self.lag = state.schedule([("1900-01", float(lag))] if isinstance(lag, int) else lag)
        posts = state.posts
        self._posts_of_rank = [np.flatnonzero(posts.rank == rank) for rank in range(len(RANKS))]

    def apply(self, state: State, month: int) -> None:
        """Fill what vacancies can be filled this month."""
        self._promote(state, month)
        self._recruit(state, month)

    def _promote(self, state: State, month: int) -> None:
        posts = state.posts
        open_posts = ((posts.holder == NO_ONE) & (posts.queued_since == NO_ONE)).nonzero()[0]
        if len(open_posts) == 0:
            return  # nothing to offer; promotions below only follow one above
        offer_draw, order_draw, entry_draw = state.streams.uniforms("promotion", month, posts.count, 3)
        probability = self.promotion_probability.at(month)
        if state.compiled:
            self._promote_compiled(state, month, open_posts, offer_draw, order_draw, entry_draw, probability)
            return
        open_rank = posts.rank[open_posts]
        vacated = open_posts[:0]  # posts left by those promoted from the rank being worked
        for rank in range(len(RANKS)):
            # The open posts of this rank: open at the start of the month, or left by a promotion just now.
            vacant = open_posts[open_rank == rank]
            if len(vacated):
                vacant = np.concatenate([vacant, vacated])
                vacated = open_posts[:0]
            if len(vacant) == 0:
                continue
            # Vacancies are worked in random order, so no unit is served first by construction.
            vacant = vacant[order_draw[vacant].argsort(kind="stable")]
            opened = entry_draw[vacant] < self.outside_entry[rank].at(month)  # if not filled by promotion
            if rank < JUNIOR and probability > 0:
                offered = (offer_draw[vacant] < probability).nonzero()[0]
                if len(offered):
                    candidates = self._candidates(state, rank + 1, month)
                    count = min(len(offered), len(candidates))
                    if count:
                        vacated = state.assign(candidates[:count], vacant[offered[:count]], month, promotion=True)
                        opened[offered[:count]] = False
            posts.queued_since[vacant[opened]] = month

    def _promote_compiled(
        self,
        state: State,
        month: int,
        open_posts: np.ndarray,
        offer_draw: np.ndarray,
        order_draw: np.ndarray,
        entry_draw: np.ndarray,
        probability: float,
    ) -> None:
        """`_promote` with the chains worked in one compiled loop (sim/model/compiled/promotion.py)."""
        posts, roster = state.posts, state.roster
        # Fetching the row when no candidate is sought changes no draw: a slot's uniform depends only on the month.
        tie_draw = state.streams.uniforms("promotion_order", month, roster.size)[0]
        promoted, new_posts, offsets = promote_month(
            open_posts,
            offer_draw,
            order_draw,
            entry_draw,
            tie_draw,
            probability,
            np.array([schedule.at(month) for schedule in self.outside_entry]),
            month,
            self.config.min_months_in_rank,
            self.config.promotion_order == "seniority",
            posts.rank,
            posts.unit,
            posts.abroad,
            posts.holder,
            posts.queued_since,
            roster.post,
            roster.rank,
            roster.rank_since,
            roster.unit,
            roster.abroad,
            roster.highest_rank,
            roster.posts_held,
            roster.entry,
        )
        for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            if end > start:  # one assignment a rank, as `State.assign` records it
                state.record_promotions(promoted[start:end], new_posts[start:end], month)

    def _candidates(self, state: State, rank: int, month: int) -> np.ndarray:
        """Those eligible for promotion from `rank`, in the order they are taken."""
        roster = state.roster
        # Everyone in service holds a post: the holders of this rank's posts are its staff.
        holders = state.posts.holder[self._posts_of_rank[rank]]
        holders = holders[holders != NO_ONE]
        eligible = holders[month - roster.rank_since[holders] >= self.config.min_months_in_rank]
        tie_draw = state.streams.uniforms("promotion_order", month, roster.size)[0]
        if self.config.promotion_order == "random":
            return eligible[tie_draw[eligible].argsort(kind="stable")]
        # Longest service first (earliest entry); ties at random.
        return eligible[np.lexsort((tie_draw[eligible], roster.entry[eligible]))]

    def _ready(self, state: State, month: int) -> np.ndarray:
        """Queued vacancies whose recruitment lag has passed."""
        posts = state.posts
        lag = round(self.lag.at(month))
        # A queued post is vacant: it is queued only while vacant, and filling it clears the queue mark.
        return ((posts.queued_since != NO_ONE) & (posts.queued_since <= month - lag)).nonzero()[0]

    def arrivals(self, state: State, month: int) -> int:
        """How many recruits the queue as it stands would bring in this month."""
        return min(len(self._ready(state, month)), math.floor(self.capacity.at(month) + self.capacity_carry))

    def _recruit(self, state: State, month: int) -> None:
        posts = state.posts
        ready = self._ready(state, month)
        allowance = self.capacity.at(month) + self.capacity_carry
        count = min(len(ready), math.floor(allowance))
        self.capacity_carry = allowance - math.floor(allowance)
        if count == 0:
            return
        # Oldest requests first; among equals, higher ranks first, then post order.
        order = np.lexsort((ready, posts.rank[ready], posts.queued_since[ready]))
        chosen = ready[order[:count]]
        draw = state.streams.uniforms("recruitment", month, count, width=RECRUITS_PER_BLOCK)[0]
        new_generation = draw < self.new_generation_share.at(month)
        if self.transition is not None:  # the transition policy's quota (sim/model/rules/transition.py)
            new_generation = self.transition.new_generation_recruits(state, month, new_generation)
        state.recruit(chosen, new_generation, month)  # filling a post clears its queue mark
