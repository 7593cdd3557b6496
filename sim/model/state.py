"""The state of one run, and the changes the monthly rules make to it.

`State` owns the posts, the roster, the random streams, the post history
and the month's flow counters; the rules (sim/model/rules/) read and change the
run through it, and `Engine` (sim/model/engine.py) is a `State` that also holds
the rules and runs them in order each month. The rules and the recorder
import this module, never the engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from sim.model.categories import EXIT_REASONS, LATER_FATES
from sim.model.posts import NO_ONE, Posts, build_posts
from sim.model.recruits import RecruitPool
from sim.model.roster import GONE, Roster
from sim.model.schedule import PiecewiseSchedule
from sim.model.streams import RandomStreams
from sim.scenario.config import Scenario

SlotsHook = Callable[[np.ndarray], None]
_EXIT_FLOWS = tuple(f"exit:{reason}" for reason in EXIT_REASONS)  # flow counter of each exit reason


class State:
    """The posts, the people and the random streams of one run, with the state changes the rules make.

    Args:
        scenario: the validated scenario.
        seed: the run's seed (an int or a SeedSequence); defaults to the scenario's.
        on_enter: called with the slots of people who enter service.
        on_exit: called with the slots of people who leave service.
        compiled: whether the rules run their hot loops compiled (sim/model/compiled/).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | np.random.SeedSequence | None = None,
        on_enter: SlotsHook | None = None,
        on_exit: SlotsHook | None = None,
        compiled: bool = True,
    ) -> None:
        self.scenario = scenario
        self.compiled = compiled
        self.seed = scenario.seed if seed is None else seed
        self.streams = RandomStreams(self.seed)
        self.on_enter = on_enter
        self.on_exit = on_exit
        self.posts: Posts = build_posts(scenario.institution)
        self.roster = Roster(capacity=4 * self.posts.count)
        self.post_history: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (slots, posts, months) per assignment
        self.flows: Counter = Counter()
        self.start = scenario.start_month
        self.end = scenario.end_month
        self.month = self.start
        self.recruit_pool = RecruitPool(self.streams, scenario.profiles)

    def schedule(self, knots: list[tuple[str, float]]) -> PiecewiseSchedule:
        """Return a schedule object for config knots, tabulated over the run's months."""
        return PiecewiseSchedule(knots, months=(self.start, self.end + 1))

    def count(self, flow: str, amount: int = 1) -> None:
        """Add to a flow counter of the current month."""
        self.flows[flow] += amount

    def assign(self, slots: np.ndarray, posts: np.ndarray, month: np.ndarray | int, promotion: bool) -> np.ndarray:
        """Put people into posts: newcomers (`promotion` False) or promoted staff, whose old posts fall vacant.

        Returns the posts the promoted held before (empty for newcomers).
        """
        if len(slots) == 0:
            return slots
        roster, table = self.roster, self.posts
        if promotion:
            vacated = roster.post[slots]
            table.holder[vacated] = NO_ONE
        else:
            vacated = slots[:0]
        table.holder[posts] = slots
        table.queued_since[posts] = NO_ONE
        rank = table.rank[posts]
        roster.post[slots] = posts
        roster.rank[slots] = rank
        roster.rank_since[slots] = month
        roster.unit[slots] = table.unit[posts]
        roster.abroad[slots] = table.abroad[posts]
        if promotion:
            roster.highest_rank[slots] = np.minimum(roster.highest_rank[slots], rank)
            roster.posts_held[slots] += 1
            self.count("promotions", len(slots))
        else:
            roster.highest_rank[slots] = rank
            roster.first_rank[slots] = rank
            roster.posts_held[slots] = 1  # newcomers: their first post
        self._record_assignment(slots, posts, month)
        return vacated

    def record_promotions(self, slots: np.ndarray, posts: np.ndarray, month: int) -> None:
        """Count and record promotions whose state changes were already made (by sim/model/compiled/promotion.py)."""
        self.count("promotions", len(slots))
        self._record_assignment(slots, posts, month)

    def _record_assignment(self, slots: np.ndarray, posts: np.ndarray, month: np.ndarray | int) -> None:
        if isinstance(month, (int, np.integer)):
            months = np.empty(len(slots), dtype=np.int32)
            months.fill(month)
        else:
            months = np.array(month, dtype=np.int32)
        self.post_history.append((slots.copy(), posts.copy(), months))

    def leave_service(self, slots: np.ndarray, month: int, reason: int, status: int) -> None:
        """People leave the commissariat: their posts fall vacant."""
        if len(slots) == 0:
            return
        roster = self.roster
        self.posts.holder[roster.post[slots]] = NO_ONE
        roster.post[slots] = NO_ONE
        roster.exit[slots] = month
        roster.exit_reason[slots] = reason
        roster.set_status(slots, status)
        self.flows[_EXIT_FLOWS[reason]] += len(slots)
        if self.on_exit:
            self.on_exit(slots)

    def record_later_fate(self, slots: np.ndarray, month: int, fate: str) -> None:
        """A followed person who already left dies or is purged."""
        if len(slots) == 0:
            return
        self.roster.later_fate[slots] = LATER_FATES.index(fate)
        self.roster.later_fate_month[slots] = month
        self.roster.set_status(slots, GONE)
        self.count(f"later:{fate}", len(slots))

    def assignments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every assignment so far as (slots, posts, months) arrays, in the order they were made."""
        if not self.post_history:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty.astype(np.int32)
        slots, posts, months = zip(*self.post_history, strict=True)
        return np.concatenate(slots), np.concatenate(posts), np.concatenate(months)

    def recruit(self, posts: np.ndarray, new_generation: np.ndarray, month: int) -> np.ndarray:
        """Bring in outside recruits for the given posts; return their slots.

        Among the month's recruits, the oldest take the highest posts
        (assumption: an outsider made deputy commissar or ambassador came
        from a senior post elsewhere, F6), so the pool's people are the same
        whichever posts they fill.
        """
        people = self.recruit_pool.people(month, new_generation)
        by_age = np.argsort(people["birth"], kind="stable")
        people = {name: values[by_age] for name, values in people.items()}
        posts = posts[np.argsort(self.posts.rank[posts], kind="stable")]
        slots = self.enter(people, posts, month)
        newcomers = np.count_nonzero(new_generation)
        self.count("recruits:veterans", len(new_generation) - newcomers)
        self.count("recruits:new_generation", newcomers)
        return slots

    def enter(self, people: dict[str, np.ndarray], posts: np.ndarray, month: int) -> np.ndarray:
        """Newcomers from outside take the given posts this month; return their slots."""
        slots = self.roster.add(people)
        self.assign(slots, posts, month, promotion=False)
        if self.on_enter:
            self.on_enter(slots)
        return slots
