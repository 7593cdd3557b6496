"""The idiomatic Mesa variant of the model, for the benchmark only.

Each `Diplomat` holds its own attributes as plain Python attributes and has a
`step()` that evaluates its own hazards with scalar random draws:

- ordinary attrition: Gompertz death, retirement from `retirement_age`,
  transfer out (the holders of elite posts at `elite_transfer_out_rate` when it is set),
  defection abroad as competing risks; then, if none of them
  happened, retirement at `retirement_age_limit`;
- the purge: intensity x rank x party cohort x posting x nationality x
  association x entrants (those who entered from
  `purge.multipliers.entrants.since`) x the person's own frailty (a gamma
  multiplier of mean 1 and variance `purge.frailty_variance`, fixed from the
  risk rank drawn with the person); the 1939 HQ wave; recall and defection
  abroad; outcomes;
- the commissar's post as an appointment (`appointments.commissar_appointed`):
  its holder is exempt from the purge, the HQ wave, retirement (also at the
  age limit) and transfer out; in each month of `commissar_changes` he is
  dismissed and an outside appointee of the veterans' profile takes the post
  at once.

People who left service stay agents while the model follows them (they can
still die, or be purged with the left_service x party x nationality x
entrants x frailty hazard); the dead, purged and defected are removed. The
model runs the same monthly order as `sim.model.engine.Engine`, with
`model.agents.shuffle_do("step")` in place of the vectorised attrition and
purge: record the stocks, step every agent, change the commissar (after the
month's attrition and purge, which cannot touch him or the appointee that
month, as in the engine), raise the risk of those whose superior was purged,
the transition policy's retirement of veterans, promotion down the vacancy chains (vacancies in
random order, unfilled ones opened to outside entry with the scheduled
probability), recruitment: the oldest queued vacancies once the recruitment
lag (a number of months, or a schedule rounded to whole months) has passed,
within the month's capacity (of the new-generation profile as far as the
transition policy's quota is owed, otherwise by the ordinary share), the
month's oldest recruits in its highest posts.

Parameters come from the same validated `sim.Scenario`; schedules, profile
draws (entry ages by inverse CDF, cut at `age_at_entry.maximum`), frailty
and post layout use the plain helpers of `sim` (`PiecewiseSchedule`,
`draw_people`, `frailty`, `build_posts`). The draws are not those of the
real model (one `model.rng` instead of named streams), so only totals are
comparable.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter

import mesa
import numpy as np

from sim.model.categories import (
    CIVIL_WAR,
    DEFECTED,
    DIED,
    DISMISSED,
    ELITE,
    EXIT_REASONS,
    GENERATIONS,
    JUNIOR,
    LATER_FATES,
    MIDDLE,
    NEP,
    NEW_GENERATION,
    NEW_GENERATION_PROFILE,
    NO_PARTY,
    PRE_1917,
    PURGED,
    RANKS,
    RECENT,
    RETIRED,
    TRANSFERRED_OUT,
    VETERANS_PROFILE,
)
from sim.model.generations import CIVIL_WAR_LAST_YEAR, NEW_GENERATION_FROM_YEAR, REVOLUTION_YEAR
from sim.model.posts import build_posts
from sim.model.profiles import draw_people, frailty, prominence
from sim.model.recorder import FLOW_KEYS
from sim.model.roster import GONE, LEFT, SERVING
from sim.model.rules.transition import due
from sim.model.schedule import PiecewiseSchedule
from sim.scenario.config import Scenario, month_index

_PERSON_FIELDS = (
    "birth",
    "party_year",
    "entry",
    "profile",
    "generation",
    "origin",
    "education",
    "nationality",
    "languages",
    "abroad_experience",
    "frailty",
)
COMMISSAR = 0  # the commissar's post (sim/model/posts.py)


def party_cohort_of(party_year: int, as_of_year: int) -> int:
    """Party cohort of one person (scalar version of `sim.model.generations.party_cohort`)."""
    if party_year <= 0 or party_year > as_of_year:
        return NO_PARTY
    if party_year < REVOLUTION_YEAR:
        return PRE_1917
    if party_year <= CIVIL_WAR_LAST_YEAR:
        return CIVIL_WAR
    if party_year < NEW_GENERATION_FROM_YEAR:
        return NEP
    return RECENT


def _values(table) -> list[float]:
    return [float(getattr(table, name)) for name in type(table).model_fields]


class Diplomat(mesa.Agent):
    """A person in (or followed after) the service, with attributes of its own."""

    def __init__(self, model: IdiomaticModel, attributes: dict) -> None:
        super().__init__(model)
        self.birth = attributes["birth"]
        self.party_year = attributes["party_year"]
        self.entry = attributes["entry"]
        self.profile = attributes["profile"]
        self.generation = attributes["generation"]
        self.origin = attributes["origin"]
        self.education = attributes["education"]
        self.nationality = attributes["nationality"]
        self.languages = attributes["languages"]
        self.abroad_experience = attributes["abroad_experience"]
        self.frailty = attributes["frailty"]  # the person's own multiplier of purge risk
        self.status = SERVING
        self.post = None
        self.rank = None
        self.rank_since = 0
        self.unit = None
        self.abroad = False
        self.highest_rank = None
        self.first_rank = None
        self.posts_held: list[tuple[int, int]] = []
        self.exit = None
        self.exit_reason = 0
        self.recalled = False
        self.planned_retirement = False
        self.purge_outcome = 0
        self.later_fate = 0
        self.later_fate_month = None
        self.associated_until = -1

    # -- the month of one person -----------------------------------------

    def step(self) -> None:
        """One month: ordinary attrition, then the purge."""
        model = self.model
        if self.status == SERVING:
            if not self.ordinary_attrition(model):
                self.purge(model)
        elif self.status == LEFT and self.exit < model.month:
            if not self.later_death(model):
                self.later_purge(model)

    def death_hazard(self, month: int) -> float:
        """Annual Gompertz mortality hazard."""
        age = (month - self.birth) / 12.0
        return math.exp(self.model.log_baseline + self.model.age_slope * age)

    def ordinary_attrition(self, model: IdiomaticModel) -> bool:
        """Competing risks of death, retirement, transfer out and defection; True if the person left."""
        attrition = model.config.attrition
        month = model.month
        age = (month - self.birth) / 12.0
        free = not model.post_appointed[self.post]  # an appointee neither retires nor transfers out
        hazards = (
            self.death_hazard(month),
            attrition.retirement_rate if age >= attrition.retirement_age and free else 0.0,
            (model.elite_transfer.at(month) if self.rank == ELITE else attrition.transfer_out_rate) if free else 0.0,
            attrition.defection_rate_abroad if self.abroad else 0.0,
        )
        total = sum(hazards)
        if model.uniform() >= -math.expm1(-total / 12.0):
            limit = attrition.retirement_age_limit
            if limit is not None and free and month - self.birth >= 12 * limit:
                model.leave_service(self, RETIRED, LEFT)
                return True
            return False
        pick = model.uniform() * total
        cumulative = 0.0
        cause = len(hazards) - 1
        for code, hazard in enumerate(hazards):
            cumulative += hazard
            if pick < cumulative:
                cause = code
                break
        reason, status = ((DIED, GONE), (RETIRED, LEFT), (TRANSFERRED_OUT, LEFT), (DEFECTED, GONE))[cause]
        model.leave_service(self, reason, status)
        return True

    def entrant_multiplier(self, model: IdiomaticModel) -> float:
        """The entrants multiplier if the person entered from its start month, else 1."""
        return model.entrants_multiplier if self.entry >= model.entrants_since else 1.0

    def purge_hazard(self, model: IdiomaticModel) -> float:
        """Annual purge hazard (without the HQ wave) of a serving person."""
        cohort = party_cohort_of(self.party_year, model.month // 12)
        return (
            model.intensity_now
            * model.rank_multiplier[self.rank]
            * model.party_multiplier[cohort]
            * model.posting_multiplier[1 if self.abroad else 0]
            * model.nationality_multiplier[self.nationality]
            * (model.association_multiplier if self.associated_until >= model.month else 1.0)
            * self.entrant_multiplier(model)
            * self.frailty
        )

    def wave_hazard(self, model: IdiomaticModel) -> float:
        """Annual HQ-wave hazard: HQ staff who entered before the wave began."""
        if model.wave_now == 0.0 or model.wave_start is None or self.abroad or self.entry >= model.wave_start:
            return 0.0
        return model.wave_now

    def purge(self, model: IdiomaticModel) -> None:
        """Arrest, dismissal by the HQ wave, or recall (and perhaps defection) from abroad."""
        if model.post_appointed[self.post]:
            return  # the appointee's tenure ends only by death or a dated change
        purge_h = self.purge_hazard(model)
        wave_h = self.wave_hazard(model)
        total = purge_h + wave_h
        if total <= 0.0 or model.uniform() >= -math.expm1(-total / 12.0):
            return
        config = model.config.purge
        recall_draw = model.uniform()
        if model.uniform() * total < wave_h and recall_draw < config.hq_wave_dismissal_share:
            model.leave_service(self, DISMISSED, LEFT)
            return
        if self.abroad:
            self.recalled = True
            model.flows["recalls"] += 1
            if recall_draw < config.recall_defection_probability:
                model.leave_service(self, DEFECTED, GONE)
                return
        model.purged_posts.append(self.post)
        self.purge_outcome = model.purge_outcome()
        model.leave_service(self, PURGED, GONE)

    def later_death(self, model: IdiomaticModel) -> bool:
        """A followed person may die; True if they did."""
        if model.uniform() >= -math.expm1(-self.death_hazard(model.month) / 12.0):
            return False
        model.later_fate(self, "died")
        return True

    def later_purge(self, model: IdiomaticModel) -> None:
        """A followed person may still be purged."""
        cohort = party_cohort_of(self.party_year, model.month // 12)
        hazard = (
            model.intensity_now
            * model.left_service_multiplier
            * model.party_multiplier[cohort]
            * model.nationality_multiplier[self.nationality]
            * self.entrant_multiplier(model)
            * self.frailty
        )
        if hazard <= 0.0 or model.uniform() >= -math.expm1(-hazard / 12.0):
            return
        self.purge_outcome = model.purge_outcome()
        model.later_fate(self, "purged")


class IdiomaticModel(mesa.Model):
    """The commissariat with per-agent stepping.

    Args:
        config: a validated scenario (`sim.load_scenario`).
        seed: the seed of Mesa's generators.
        stdlib_random: draw scalars from `model.random` (Python's `random`)
            instead of `model.rng` (numpy), Mesa's recommended generator.
    """

    def __init__(self, config: Scenario, seed: int | None = None, stdlib_random: bool = False) -> None:
        super().__init__(rng=config.seed if seed is None else seed)
        self.config = config
        self.uniform = self.random.random if stdlib_random else self.rng.random
        self.month = config.start_month
        self.end = config.end_month
        self.flows: Counter = Counter()
        self.monthly_flows: list[dict[str, float]] = []
        self.monthly_stocks: list[dict[str, float]] = []
        self.people: list[Diplomat] = []  # everyone who ever served, for the biographies
        self.purged_posts: list[int] = []

        posts = build_posts(config.institution)
        self.post_rank = posts.rank.tolist()
        self.post_unit = posts.unit.tolist()
        self.post_abroad = posts.abroad.tolist()
        self.unit_count = posts.unit_count
        self.post_count = posts.count
        self.holder: list[Diplomat | None] = [None] * self.post_count
        self.post_appointed = [False] * self.post_count
        self.post_appointed[COMMISSAR] = config.appointments.commissar_appointed
        self.commissar_changes = {month_index(date) for date in config.appointments.commissar_changes}
        self.queued_since: list[int | None] = [None] * self.post_count
        self.posts_of_rank = [[p for p in range(self.post_count) if self.post_rank[p] == r] for r in range(len(RANKS))]
        self.subordinates: list[list[int]] = [[] for _ in range(self.post_count)]
        for post, superior in enumerate(posts.superior.tolist()):
            if superior >= 0:
                self.subordinates[superior].append(post)

        attrition = config.attrition
        self.log_baseline = attrition.mortality.log_baseline
        self.age_slope = attrition.mortality.age_slope
        purge = config.purge
        self.purge_enabled = purge.enabled
        multipliers = purge.multipliers
        self.rank_multiplier = _values(multipliers.rank)
        self.party_multiplier = _values(multipliers.party)
        self.posting_multiplier = _values(multipliers.posting)
        self.nationality_multiplier = _values(multipliers.nationality)
        self.association_multiplier = multipliers.association.multiplier
        self.association_months = multipliers.association.months
        self.left_service_multiplier = multipliers.left_service
        self.entrants_since = month_index(multipliers.entrants.since)
        self.entrants_multiplier = multipliers.entrants.multiplier
        self.frailty_variance = purge.frailty_variance
        self.outcome_cumulative = np.cumsum(purge.outcomes.shares()).tolist()
        self.outcome_cumulative[-1] = 1.0
        self.intensity = PiecewiseSchedule(purge.intensity)
        self.hq_wave = PiecewiseSchedule(purge.hq_wave)
        elite_transfer = config.attrition.elite_transfer_out_rate
        self.elite_transfer = PiecewiseSchedule(elite_transfer or [("1900-01", config.attrition.transfer_out_rate)])
        self.wave_start = self.hq_wave.first_positive_month()
        self.intensity_now = 0.0
        self.wave_now = 0.0

        replacement = config.replacement
        self.promotion_probability = PiecewiseSchedule(replacement.promotion_probability)
        self.capacity = PiecewiseSchedule(replacement.recruitment_capacity)
        self.new_generation_share = PiecewiseSchedule(replacement.new_generation_share)
        self.outside_entry = [PiecewiseSchedule(getattr(replacement.outside_entry, name)) for name in RANKS]
        self.promotion_order = replacement.promotion_order
        lag = replacement.recruitment_lag_months
        self.recruitment_lag = PiecewiseSchedule([("1900-01", float(lag))] if isinstance(lag, int) else lag)
        self.capacity_carry = 0.0

        transition = config.transition
        self.transition_enabled = transition.enabled
        self.transition_start = max(month_index(transition.start), self.month)
        self.transition_recruited = 0  # new-generation recruits since the policy's start
        self.transition_retired = 0  # veterans it retired

        self._populate()

    # -- people entering and leaving ----------------------------------------

    def _new_people(self, drawn: dict[str, np.ndarray]) -> list[Diplomat]:
        drawn["frailty"] = frailty(drawn["risk_rank"], self.frailty_variance)
        columns = {name: drawn[name].tolist() for name in _PERSON_FIELDS}
        count = len(drawn["entry"])
        people = [Diplomat(self, {name: values[k] for name, values in columns.items()}) for k in range(count)]
        self.people.extend(people)
        return people

    def _populate(self) -> None:
        config = self.config
        filled = [post for post in range(self.post_count) if self.uniform() < config.institution.initial_fill]
        first, last = month_index(config.initial.entry_from), month_index(config.initial.entry_to)
        entry = self.rng.integers(first, last + 1, size=len(filled)).astype(np.int32)
        drawn = draw_people(self.rng, config.profiles.veterans, entry, VETERANS_PROFILE)
        people = self._new_people(drawn)
        if config.initial.elite_by_prominence:
            # The most prominent people into the highest posts.
            score = prominence(drawn, self.rng).tolist()
            people = [people[k] for k in sorted(range(len(people)), key=lambda k: -score[k])]
            filled.sort(key=lambda post: self.post_rank[post])
        for person, post in zip(people, filled, strict=True):
            self.assign(person, post, person.entry)

    def assign(self, person: Diplomat, post: int, month: int, promotion: bool = False) -> None:
        """Put a person into a post, vacating the post they held before."""
        if person.post is not None:
            self.holder[person.post] = None
        self.holder[post] = person
        self.queued_since[post] = None
        rank = self.post_rank[post]
        person.post = post
        person.rank = rank
        person.rank_since = month
        person.unit = self.post_unit[post]
        person.abroad = self.post_abroad[post]
        person.highest_rank = rank if person.highest_rank is None else min(person.highest_rank, rank)
        if person.first_rank is None:
            person.first_rank = rank
        person.posts_held.append((post, month))
        if promotion:
            self.flows["promotions"] += 1

    def leave_service(self, person: Diplomat, reason: int, status: int) -> None:
        """A person leaves the commissariat; their post falls vacant."""
        self.holder[person.post] = None
        person.post = None
        person.exit = self.month
        person.exit_reason = reason
        person.status = status
        self.flows[f"exit:{EXIT_REASONS[reason]}"] += 1
        if status == GONE:
            person.remove()

    def later_fate(self, person: Diplomat, fate: str) -> None:
        """A followed person dies or is purged; the model stops following them."""
        person.later_fate = LATER_FATES.index(fate)
        person.later_fate_month = self.month
        person.status = GONE
        self.flows[f"later:{fate}"] += 1
        person.remove()

    def purge_outcome(self) -> int:
        """Draw executed, imprisoned or exiled (codes 1-3)."""
        return 1 + bisect.bisect_right(self.outcome_cumulative, self.uniform())

    # -- the month -----------------------------------------------------------

    def step(self) -> None:
        """Simulate one month."""
        month = self.month
        self.record_stocks()
        self.flows.clear()
        self.intensity_now = self.intensity.at(month) if self.purge_enabled else 0.0
        self.wave_now = self.hq_wave.at(month) if self.purge_enabled else 0.0
        self.purged_posts.clear()
        self.agents.shuffle_do("step")
        if month in self.commissar_changes:
            self.change_commissar()
        self.raise_association()
        if self.transition_enabled:
            self.retire_veterans()
        self.promote()
        self.recruit()
        self.monthly_flows.append({key: float(self.flows.get(key, 0)) for key in FLOW_KEYS})
        self.month += 1
        self.running = self.month <= self.end

    def run(self) -> IdiomaticModel:
        """Simulate to the horizon."""
        while self.running:
            self.step()
        return self

    def serving(self) -> list[Diplomat]:
        """The people in service now."""
        return [person for person in self.agents if person.status == SERVING]

    def record_stocks(self) -> None:
        """Headcounts, vacancies, service and mentoring on the first of the month."""
        month = self.month
        mentor_months = self.config.mentoring.mentor_min_service_months
        full_months = self.config.mentoring.full_competence_months
        staff = Counter()
        abroad = 0
        service_sum = elite_service_sum = elite_count = 0
        competence = 0.0
        has_mentor = [False] * self.unit_count
        junior_units: list[int] = []
        serving = self.serving()
        for person in serving:
            service = month - person.entry
            staff[(person.rank, person.generation)] += 1
            abroad += person.abroad
            service_sum += service
            competence += min(1.0, service / full_months)
            if person.rank == ELITE:
                elite_service_sum += service
                elite_count += 1
            if person.rank <= MIDDLE and service >= mentor_months:
                has_mentor[person.unit] = True
            if person.rank == JUNIOR:
                junior_units.append(person.unit)
        row = {
            f"staff:{rank}:{generation}": float(staff[(r, g)])
            for r, rank in enumerate(RANKS)
            for g, generation in enumerate(GENERATIONS)
        }
        row["posting:hq"] = float(len(serving) - abroad)
        row["posting:abroad"] = float(abroad)
        for r, name in enumerate(RANKS):
            row[f"vacant:{name}"] = float(sum(self.holder[p] is None for p in self.posts_of_rank[r]))
        row["heads_of_mission_vacant"] = float(
            sum(self.holder[p] is None and self.post_abroad[p] for p in self.posts_of_rank[ELITE])
        )
        row["service:all"] = service_sum / len(serving) if serving else math.nan
        row["service:elite"] = elite_service_sum / elite_count if elite_count else math.nan
        row["mentored_junior_share"] = sum(has_mentor[u] for u in junior_units) / len(junior_units) if junior_units else math.nan
        row["experience_capacity"] = competence / self.post_count
        self.monthly_stocks.append(row)

    def change_commissar(self) -> None:
        """A dated decision: the commissar is dismissed and an outside veteran takes his post at once."""
        holder = self.holder[COMMISSAR]
        if holder is not None:
            self.leave_service(holder, DISMISSED, LEFT)
        drawn = draw_people(self.rng, self.config.profiles.veterans, np.array([self.month], dtype=np.int32), VETERANS_PROFILE)
        (appointee,) = self._new_people(drawn)
        self.assign(appointee, COMMISSAR, self.month)
        self.flows["recruits:veterans"] += 1

    def raise_association(self) -> None:
        """Those serving under a superior purged this month are at raised risk for a while."""
        if self.association_months == 0:
            return
        for post in self.purged_posts:
            for subordinate in self.subordinates[post]:
                holder = self.holder[subordinate]
                if holder is not None:
                    holder.associated_until = self.month + self.association_months

    def retire_veterans(self) -> None:
        """The transition policy: veterans at its age or length of service retire, oldest first, within its yearly cap."""
        month, policy = self.month, self.config.transition
        if month < self.transition_start:
            return
        age, service = policy.veteran_retirement_age, policy.veteran_retirement_service_years
        retiring = [
            person
            for person in self.serving()
            if person.generation != NEW_GENERATION
            and not self.post_appointed[person.post]
            and (
                (age is not None and month - person.birth >= 12 * age)
                or (service is not None and month - person.entry >= 12 * service)
            )
        ]
        retiring.sort(key=lambda person: (person.birth, person.entry))
        if policy.veteran_retirements_per_year is not None:
            allowed = due(policy.veteran_retirements_per_year, month - self.transition_start + 1) - self.transition_retired
            retiring = retiring[: max(0, allowed)]
        for person in retiring:
            person.planned_retirement = True
            self.flows["planned_retirements"] += 1
            self.transition_retired += 1
            self.leave_service(person, RETIRED, LEFT)

    def promote(self) -> None:
        """Offer vacancies to the rank below, top down; unfilled ones join the recruitment queue."""
        month = self.month
        probability = self.promotion_probability.at(month)
        min_months = self.config.replacement.min_months_in_rank
        for rank in range(len(RANKS)):
            vacant = [p for p in self.posts_of_rank[rank] if self.holder[p] is None and self.queued_since[p] is None]
            if not vacant:
                continue
            self.random.shuffle(vacant)  # vacancies are worked in random order
            filled = set()
            if rank < JUNIOR and probability > 0:
                offered = [p for p in vacant if self.uniform() < probability]
                eligible = self.agents.select(
                    lambda person, below=rank + 1: (
                        person.status == SERVING and person.rank == below and month - person.rank_since >= min_months
                    )
                )
                if self.promotion_order == "random":
                    candidates = sorted(eligible, key=lambda person: self.uniform())
                else:
                    candidates = sorted(eligible, key=lambda person: (person.entry, self.uniform()))
                for person, post in zip(candidates, offered, strict=False):  # as many as both allow
                    self.assign(person, post, month, promotion=True)
                    filled.add(post)
            outside_entry = self.outside_entry[rank].at(month)
            for post in vacant:
                if post not in filled and self.uniform() < outside_entry:
                    self.queued_since[post] = month

    def recruit(self) -> None:
        """Fill the oldest queued vacancies with outside recruits, within the month's capacity.

        The month's oldest recruits take its highest posts.
        """
        month = self.month
        lag = round(self.recruitment_lag.at(month))
        ready = [
            p
            for p in range(self.post_count)
            if self.holder[p] is None and self.queued_since[p] is not None and self.queued_since[p] + lag <= month
        ]
        allowance = self.capacity.at(month) + self.capacity_carry
        count = min(len(ready), math.floor(allowance))
        self.capacity_carry = allowance - math.floor(allowance)
        if count == 0:
            return
        chosen = sorted(ready, key=lambda p: (self.queued_since[p], self.post_rank[p], p))[:count]
        share = self.new_generation_share.at(month)
        new_generation = [self.uniform() < share for _ in chosen]
        if self.transition_enabled and month >= self.transition_start:
            # The transition policy's quota: the first arrivals are of the new generation as far as it is owed.
            owed = due(self.config.transition.new_generation_recruits_per_year, month - self.transition_start + 1)
            owed -= self.transition_recruited
            new_generation = [wanted or k < owed for k, wanted in enumerate(new_generation)]
            self.transition_recruited += new_generation.count(True)
        profiles = self.config.profiles
        groups = ((VETERANS_PROFILE, profiles.veterans, False), (NEW_GENERATION_PROFILE, profiles.new_generation, True))
        recruits: list[Diplomat] = []
        for code, profile, wanted in groups:
            count = new_generation.count(wanted)
            if count:
                recruits.extend(self._new_people(draw_people(self.rng, profile, np.full(count, month, dtype=np.int32), code)))
        recruits.sort(key=lambda person: person.birth)  # the oldest first ...
        posts = sorted(chosen, key=lambda post: self.post_rank[post])  # ... into the highest posts
        for person, post in zip(recruits, posts, strict=True):
            self.assign(person, post, month)
        self.flows["recruits:veterans"] += new_generation.count(False)
        self.flows["recruits:new_generation"] += new_generation.count(True)

    def flow_totals(self) -> Counter:
        """Every flow summed over the run."""
        totals: Counter = Counter()
        for row in self.monthly_flows:
            totals.update(row)
        return totals
