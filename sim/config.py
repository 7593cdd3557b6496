"""The scenario schema: every parameter of the model, typed and range-checked.

A scenario file (TOML) is validated against :class:`Scenario`. Unknown keys,
wrong types, shares or probabilities out of range and dates out of order are
rejected here; `sim.loader` turns the rejection into one line naming the file
and the key. The engine turns annual hazards H into monthly event
probabilities 1 - exp(-H/12). Which value comes from which documented figure (F1-F10) is
said in the scenario files and in docs/ODD.md, not here: the schema only
knows what a valid value looks like. Rates are annual hazards; counts per
month (recruitment capacity) and shares say so where they appear.

The schema also refuses what the model cannot honour: numbers that are not
finite, dates outside `FIRST_YEAR`-`LAST_YEAR`, institutions of more than
`MAX_POSTS` posts, more than `MAX_REPLICATES` replicates, and names that
are not safe as a directory name (the default output is runs/<name>).
"""

from __future__ import annotations

import math
import re
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sim.generations import PARTY_YEAR_TABLE_END

_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

MIN_AGE_AT_ENTRY = 14  # assumption: nobody enters the service younger
# sim.profiles.party_year draws a party-join year up to 4 years past age 16
# (MIN_JOINING_AGE) or up to the entry year, whichever is later; with entry
# at 14 or older, a join comes at most 16 + 4 - 14 = 6 years after entry.
# Party-join years index sim.generations.COHORT_BY_YEAR, which ends in 2099,
# so the last year anyone may enter is 2093 (tests/test_limits.py draws it).
JOIN_AFTER_ENTRY_YEARS = 6
LAST_YEAR = PARTY_YEAR_TABLE_END - 1 - JOIN_AFTER_ENTRY_YEARS
# The party's founding: the model's party-join years begin here
# (sim.profiles.party_year). From 1898 on, births (entry minus age at entry,
# month indexes from year 0, negative ones recorded as missing) stay after
# year 0: with the widest age distribution the schema allows (exponential,
# scale 66 years) an age of 1,884 years has a chance of exp(-1884 / 66) < 1e-12.
FIRST_YEAR = 1898
MAX_POSTS = 1_000_000  # ten times the 100,000 agents the model is benchmarked at (benchmarks/README.md)
MAX_REPLICATES = 10_000  # of one scenario: ~0.13 CPU s each for the historical one, far more than a 10-90% band needs
MAX_NAME_LENGTH = 100
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
NAME_RULE = f'letters, digits, _ . -, starting with a letter, digit or _, without "..", at most {MAX_NAME_LENGTH} characters'


def month_index(year_month: str) -> int:
    """Return the month index (year * 12 + month - 1) of a "YYYY-MM" string."""
    match = _YEAR_MONTH.match(year_month)
    if not match:
        raise ValueError(f'expected a date as "YYYY-MM", got {year_month!r}')
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"expected a month 01-12, got {year_month!r}")
    return year * 12 + month - 1


def _check_year_month(value: str) -> str:
    year = month_index(value) // 12
    if year < FIRST_YEAR:
        raise ValueError(
            f"expected a date from {FIRST_YEAR}-01 (the party's founding, where the model's party years begin), got {value!r}"
        )
    if year > LAST_YEAR:
        raise ValueError(
            f"expected a date up to {LAST_YEAR}-12 (a later entrant could join the party after "
            f"{PARTY_YEAR_TABLE_END - 1}, where the model's year table ends), got {value!r}"
        )
    return value


def name_problem(name: str) -> bool:
    """Return True if `name` cannot name a scenario (and its default output directory runs/<name>)."""
    return not _NAME.fullmatch(name) or ".." in name or len(name) > MAX_NAME_LENGTH


def _check_name(name: str) -> str:
    if name_problem(name):
        raise ValueError(f"expected a name of {NAME_RULE}, got {name!r}")
    return name


YearMonth = Annotated[str, AfterValidator(_check_year_month)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0)]
Multiplier = Annotated[float, Field(ge=0.0)]
Count = Annotated[int, Field(ge=0)]


class Strict(BaseModel):
    """Base for every config table: unknown keys are errors, values immutable, numbers finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)


def _check_schedule(knots: list[tuple[str, float]]) -> list[tuple[str, float]]:
    if not knots:
        raise ValueError('expected at least one ["YYYY-MM", value] knot')
    months = [month_index(date) for date, _ in knots]
    for k in range(1, len(knots)):
        if months[k] <= months[k - 1]:
            raise ValueError(f"expected knot dates in increasing order, {knots[k][0]} is not after the knot before it")
    return knots


Schedule = Annotated[list[tuple[YearMonth, Rate]], AfterValidator(_check_schedule)]


def _check_share_schedule(knots: list[tuple[str, float]]) -> list[tuple[str, float]]:
    for date, value in knots:
        if value > 1.0:
            raise ValueError(f"expected a share between 0 and 1, got {value} at {date}")
    return knots


ShareSchedule = Annotated[Schedule, AfterValidator(_check_share_schedule)]


class Distribution(Strict):
    """Shares of categories; they must add up to 1."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> Distribution:
        total = sum(getattr(self, name) for name in type(self).model_fields)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"expected shares adding up to 1, they add up to {total:.6g}")
        return self

    def shares(self) -> list[float]:
        """Return the shares in the order of the fields (the category codes)."""
        return [getattr(self, name) for name in type(self).model_fields]

    @cached_property
    def cumulative(self) -> np.ndarray:
        """Cumulative shares, the last set to exactly 1 (for inverse-CDF draws)."""
        cumulative = np.cumsum(self.shares())
        cumulative[-1] = 1.0
        cumulative.flags.writeable = False
        return cumulative


class PartyShares(Distribution):
    pre_1917: Share
    civil_war: Share
    later: Share
    none: Share


class OriginShares(Distribution):
    middle_class: Share
    nobility: Share
    workers: Share
    peasants: Share


class EducationShares(Distribution):
    graduate: Share
    college: Share
    technical: Share
    secondary: Share


class NationalityShares(Distribution):
    great_russian: Share
    jewish: Share
    ukrainian: Share
    armenian: Share
    other: Share


class AgeAtEntry(Strict):
    """Shifted gamma distribution given by its minimum, mean and mode (years), cut off at `maximum`.

    Mean and mode are those of the gamma before the cut; with no `maximum`
    there is no cut.
    """

    minimum: Annotated[float, Field(ge=MIN_AGE_AT_ENTRY, le=70)]
    mean: Annotated[float, Field(ge=MIN_AGE_AT_ENTRY, le=80)]
    mode: Annotated[float, Field(ge=MIN_AGE_AT_ENTRY, le=80)]
    maximum: Annotated[float, Field(le=90)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AgeAtEntry:
        if not self.minimum <= self.mode < self.mean:
            raise ValueError("expected minimum <= mode < mean")
        if self.maximum is not None and self.maximum <= self.mode:
            raise ValueError(f"maximum: expected an age above the mode ({self.mode}), got {self.maximum}")
        return self


class Profile(Strict):
    """Who a person is when they enter the service."""

    age_at_entry: AgeAtEntry
    party: PartyShares
    origin: OriginShares
    education: EducationShares
    nationality: NationalityShares
    languages: Share
    abroad: Share


class Profiles(Strict):
    veterans: Profile
    new_generation: Profile


class Time(Strict):
    start: YearMonth = "1921-01"
    end: YearMonth = "1945-12"

    @model_validator(mode="after")
    def _ordered(self) -> Time:
        if month_index(self.end) < month_index(self.start):
            raise ValueError(f"expected end ({self.end}) not before start ({self.start})")
        return self


class UnitPosts(Strict):
    middle: Annotated[int, Field(ge=1)]
    junior: Count


class Institution(Strict):
    """The posts of the commissariat (see sim/posts.py for who heads which unit)."""

    hq_elite_posts: Annotated[int, Field(ge=1)]
    deputy_commissars: Count | None = None  # the HQ elite posts after the commissar's (None: up to 3); the rest are collegium
    hq_departments: Count
    department_posts: UnitPosts
    missions: Count
    mission_posts: UnitPosts
    initial_fill: Share

    def unit_posts(self) -> tuple[int, int]:
        """Posts of one HQ department and of one mission (its elite head included)."""
        department = self.department_posts.middle + self.department_posts.junior
        return department, 1 + self.mission_posts.middle + self.mission_posts.junior

    @property
    def post_count(self) -> int:
        """Number of posts, as sim.posts.build_posts lays them out."""
        department, mission = self.unit_posts()
        return self.hq_elite_posts + self.hq_departments * department + self.missions * mission

    @model_validator(mode="after")
    def _bounded(self) -> Institution:
        if self.deputy_commissars is not None and self.deputy_commissars > self.hq_elite_posts - 1:
            raise ValueError(
                f"deputy_commissars: expected at most hq_elite_posts - 1 = {self.hq_elite_posts - 1}"
                f" (the commissar holds the first elite post), got {self.deputy_commissars}"
            )
        if self.post_count > MAX_POSTS:
            department, mission = self.unit_posts()
            raise ValueError(
                f"expected at most {MAX_POSTS:,} posts in all (ten times the largest benchmarked institution), "
                f"got {self.post_count:,}: {self.hq_elite_posts:,} HQ elite posts"
                f" + {self.hq_departments:,} departments x {department:,} + {self.missions:,} missions x {mission:,}"
            )
        return self


class Initial(Strict):
    """Entry dates of the people already serving at the start."""

    entry_from: YearMonth
    entry_to: YearMonth
    elite_by_prominence: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Initial:
        if month_index(self.entry_to) < month_index(self.entry_from):
            raise ValueError(f"expected entry_to ({self.entry_to}) not before entry_from ({self.entry_from})")
        return self


class Mortality(Strict):
    """Gompertz mortality: annual hazard = exp(log_baseline + age_slope * age)."""

    log_baseline: Annotated[float, Field(le=0)]
    age_slope: Annotated[float, Field(ge=0, le=0.3)]


class Attrition(Strict):
    mortality: Mortality
    retirement_age: Annotated[float, Field(ge=30, le=100)]
    retirement_rate: Rate
    retirement_age_limit: Annotated[float, Field(ge=30, le=110)] | None = None  # everyone still serving retires at it
    transfer_out_rate: Rate
    defection_rate_abroad: Rate

    @model_validator(mode="after")
    def _limit_after_age(self) -> Attrition:
        if self.retirement_age_limit is not None and self.retirement_age_limit < self.retirement_age:
            raise ValueError(
                f"retirement_age_limit: expected at least retirement_age ({self.retirement_age}), got {self.retirement_age_limit}"
            )
        return self


# Purge parameters default to neutral values (multipliers 1, no intensity) so
# that a scenario without a purge need not spell them out.


class RankMultipliers(Strict):
    elite: Multiplier = 1.0
    middle: Multiplier = 1.0
    junior: Multiplier = 1.0


class PartyMultipliers(Strict):
    pre_1917: Multiplier = 1.0
    civil_war: Multiplier = 1.0
    nep: Multiplier = 1.0
    recent: Multiplier = 1.0
    none: Multiplier = 1.0


class PostingMultipliers(Strict):
    hq: Multiplier = 1.0
    abroad: Multiplier = 1.0


class NationalityMultipliers(Strict):
    great_russian: Multiplier = 1.0
    jewish: Multiplier = 1.0
    ukrainian: Multiplier = 1.0
    armenian: Multiplier = 1.0
    other: Multiplier = 1.0


class Association(Strict):
    """Raised risk of those serving under a superior who was just purged."""

    multiplier: Multiplier = 1.0
    months: Count = 0


class EntrantsMultiplier(Strict):
    """Risk of those who entered the service from `since` on, relative to everyone else."""

    since: YearMonth = "1937-01"
    multiplier: Multiplier = 1.0


class PurgeMultipliers(Strict):
    rank: RankMultipliers = RankMultipliers()
    party: PartyMultipliers = PartyMultipliers()
    posting: PostingMultipliers = PostingMultipliers()
    nationality: NationalityMultipliers = NationalityMultipliers()
    association: Association = Association()
    left_service: Multiplier = 1.0
    entrants: EntrantsMultiplier = EntrantsMultiplier()


class PurgeOutcomes(Distribution):
    executed: Share = 1.0
    imprisoned: Share = 0.0
    exiled: Share = 0.0


class Purge(Strict):
    enabled: bool = False
    intensity: Schedule = [("1921-01", 0.0)]
    hq_wave: Schedule = [("1921-01", 0.0)]
    hq_wave_dismissal_share: Share = 0.0
    recall_defection_probability: Share = 0.0
    # Variance of each person's gamma-distributed risk multiplier (mean 1); 0: everyone alike.
    frailty_variance: Annotated[float, Field(ge=0, le=20)] = 0.0
    multipliers: PurgeMultipliers = PurgeMultipliers()
    outcomes: PurgeOutcomes = PurgeOutcomes()


class OutsideEntry(Strict):
    """Monthly probability that a vacancy of this rank, not filled by promotion, is opened to outside recruits."""

    elite: ShareSchedule
    middle: ShareSchedule
    junior: ShareSchedule


class Replacement(Strict):
    promotion_probability: ShareSchedule
    min_months_in_rank: Count
    promotion_order: Literal["random", "seniority"] = "random"
    outside_entry: OutsideEntry
    recruitment_capacity: Schedule
    recruitment_lag_months: Count | Schedule  # months from vacancy to recruit: a number, or dated knots
    new_generation_share: ShareSchedule


class Appointments(Strict):
    """The commissar's post as a political appointment, changed by dated decisions."""

    commissar_appointed: bool = False  # the holder is exempt from the purge, the HQ wave, retirement and transfer out
    commissar_changes: list[YearMonth] = []  # months in which an outside appointee replaces the holder, who is dismissed

    @model_validator(mode="after")
    def _changes_need_appointment(self) -> Appointments:
        if self.commissar_changes and not self.commissar_appointed:
            raise ValueError("commissar_changes: expected commissar_appointed = true alongside")
        months = [month_index(date) for date in self.commissar_changes]
        if months != sorted(set(months)):
            raise ValueError("commissar_changes: expected distinct dates in increasing order")
        return self


class Transition(Strict):
    """A gradual transition (F10) as a policy: what the institution controls from `start` (sim/rules/transition.py).

    The posts recruits may enter and their training before promotion are
    `replacement.outside_entry` and `replacement.min_months_in_rank`.
    """

    enabled: bool = False
    start: YearMonth = "1937-01"
    new_generation_recruits_per_year: Annotated[float, Field(ge=0, le=MAX_POSTS)] = 0.0  # the quota, due month by month
    veteran_retirement_age: Annotated[float, Field(ge=18, le=100)] | None = None  # years; None: no such rule
    veteran_retirement_service_years: Annotated[float, Field(ge=0, le=60)] | None = None  # years; None: no such rule
    veteran_retirements_per_year: Annotated[float, Field(ge=0, le=MAX_POSTS)] | None = None  # a cap; None: no cap


class Mentoring(Strict):
    mentor_min_service_months: Count
    full_competence_months: Annotated[int, Field(ge=1)]


class Scenario(Strict):
    """A complete, validated scenario."""

    @property
    def title(self) -> str:
        """The scenario's label, or its name if it has none."""
        return self.label or self.name

    name: Annotated[str, AfterValidator(_check_name)]
    label: Annotated[str, Field(max_length=80)] = ""  # in words, for tables, legends and the findings page
    description: str = ""
    seed: Annotated[int, Field(ge=0)] = 0
    replicates: Annotated[int, Field(ge=1, le=MAX_REPLICATES)] = 1
    time: Time = Time()
    institution: Institution
    profiles: Profiles
    initial: Initial
    attrition: Attrition
    purge: Purge = Purge()
    replacement: Replacement
    appointments: Appointments = Appointments()
    transition: Transition = Transition()
    mentoring: Mentoring
    calibration: CalibrationSpec | None = None

    @property
    def start_month(self) -> int:
        """Month index of the first simulated month."""
        return month_index(self.time.start)

    @property
    def end_month(self) -> int:
        """Month index of the last simulated month."""
        return month_index(self.time.end)

    @model_validator(mode="after")
    def _initial_entries_before_start(self) -> Scenario:
        if month_index(self.initial.entry_to) >= self.start_month:
            raise ValueError(f"initial.entry_to: expected a date before time.start ({self.time.start})")
        return self


# -- The calibration section (read by the `calibration` package) ------------
# Defined after Scenario and resolved by `Scenario.model_rebuild()` below.


class Prior(Strict):
    """A free parameter: its prior, and the scenario keys it sets.

    Keys are dotted paths into the scenario's key tree; list positions are
    numbers, e.g. "purge.intensity.5.1" is the value of the sixth knot.
    Several keys receive the same value (a plateau of two knots).
    """

    distribution: Literal["uniform", "loguniform"] = "uniform"
    low: float
    high: float
    keys: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"expected low > 0 for a loguniform prior, got {self.low}")
        return self


class RankShares(Strict):
    elite: Share
    middle: Share
    junior: Share


class FateShares(Strict):
    purged: Share
    survived: Share
    died_or_defected: Share


class Historian(Strict):
    """The observation submodel: who the source documents, and how well (docs/ODD.md, "observation")."""

    served_until: YearMonth = "1929-12"  # F1, F2: people who served during the 1920s
    purges_begin: YearMonth = "1936-08"  # assumption: "before the Great Purges" = before the first show trial (F9)
    likely_from: YearMonth = "1937-01"  # F1: a career record that ends abruptly in 1937 or 1938
    likely_to: YearMonth = "1938-12"  # F1
    career: RankShares  # chance of 1930s career data for a non-victim at home, by highest 1920s rank
    victim_odds: Multiplier  # odds ratio of career data for purge victims (over-represented, Uldricks 1977)
    abroad_odds: Multiplier  # odds ratio for those who served abroad in the 1920s
    prominence_odds: Multiplier  # odds ratio for Old Bolsheviks (prominent opponents of Stalin)
    fate_known: FateShares  # chance, given career data, that the fate itself is on record
    elite_fate_odds: Multiplier = 1.0  # odds ratio of the fate being on record for the 1920s elite (F2 vs F1)


class AbcSettings(Strict):
    """Budget of an ABC-SMC run and of the posterior-predictive check."""

    population_size: Annotated[int, Field(ge=10)] = 200
    max_generations: Annotated[int, Field(ge=1)] = 15
    max_simulations: Annotated[int, Field(ge=10)] = 4000
    max_minutes: Annotated[float, Field(gt=0)] = 13.0  # a hard limit: a generation unfinished by then is dropped
    min_acceptance_rate: Annotated[float, Field(gt=0, le=1)] = 0.02  # also bounds a generation's runs
    kernel_variance: Annotated[float, Field(gt=0)] = 2.0  # kernel covariance / population's (Beaumont et al. 2009)
    shared_history_until: YearMonth | None = None  # simulations continue stored runs from this month (sim.branch)
    shared_histories: Annotated[int, Field(ge=1)] = 200  # how many stored runs
    predictive_draws: Annotated[int, Field(ge=2)] = 100
    replicates: Annotated[int, Field(ge=2)] = 40
    horizon: YearMonth = "1939-12"


class CalibrationSpec(Strict):
    """What a calibration infers and from what; paths relative to the scenario file."""

    targets: str | None = None  # default: calibration/targets.toml of the package
    historian: Historian | None = None
    priors: dict[str, Prior] = {}
    fixed: list[str] = []  # priors kept at the scenario's own values instead of inferred (an ablation)
    abc: AbcSettings = AbcSettings()
    write_to: str | None = None  # the generated scenario file of posterior medians
    write_extends: str | None = None  # the file that generated scenario extends

    @model_validator(mode="after")
    def _fixed_are_priors(self) -> CalibrationSpec:
        unknown = [name for name in self.fixed if name not in self.priors]
        if unknown:
            raise ValueError(f"fixed: expected names of priors ({', '.join(self.priors)}), got {', '.join(unknown)}")
        return self


Scenario.model_rebuild()
