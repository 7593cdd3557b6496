"""The scenario schema: every parameter of the model, typed and range-checked.

A scenario file (TOML) is validated against :class:`Scenario`. Unknown keys,
wrong types, shares or probabilities out of range and dates out of order are
rejected here; `sim.scenario.loader` turns the rejection into one line naming the file
and the key. The engine turns annual hazards H into monthly event
probabilities 1 - exp(-H/12). Every key has a description and, where it has
one, a unit (`about`): what the key means, and the documented figures
(F1-F10, docs/sources.md) it rests on. Which value of a scenario comes from
which figure, and which values are assumptions, is said in the scenario
files and in docs/ODD.md. `python -m sim.scenario.reference` writes the reference of
every key from these descriptions (docs/scenario-reference.md).

The schema also refuses what the model cannot honour: numbers that are not
finite, dates outside `FIRST_YEAR`-`LAST_YEAR`, institutions of more than
`MAX_POSTS` posts, more than `MAX_REPLICATES` replicates, and names that
are not safe as a directory name (the default output is runs/<name>).
"""

from __future__ import annotations

import math
import re
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

MIN_AGE_AT_ENTRY = 14  # assumption: nobody enters the service younger
# sim.model.profiles.party_year draws a party-join year up to 4 years past age 16
# (MIN_JOINING_AGE) or up to the entry year, whichever is later; with entry
# at 14 or older, a join comes at most 16 + 4 - 14 = 6 years after entry.
PARTY_YEAR_TABLE_END = 2100  # sim.model.generations.COHORT_BY_YEAR covers party-join years 0 (never) to 2099
# Party-join years index sim.model.generations.COHORT_BY_YEAR, which ends in 2099,
# so the last year anyone may enter is 2093 (tests/experiments/test_limits.py draws it).
JOIN_AFTER_ENTRY_YEARS = 6
LAST_YEAR = PARTY_YEAR_TABLE_END - 1 - JOIN_AFTER_ENTRY_YEARS
# The party's founding: the model's party-join years begin here
# (sim.model.profiles.party_year). From 1898 on, births (entry minus age at entry,
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


# Units of the scenario reference (sim/scenario/reference.py); a rate is an annual hazard.
PER_YEAR = "per year"
MONTHS = "months"
YEARS = "years"
SHARE = "share 0–1"
PROBABILITY = "probability 0–1"
MONTHLY_PROBABILITY = "monthly probability 0–1"
MULTIPLIER = "multiplier"
EXPONENT = "exponent 0–1"
ODDS_RATIO = "odds ratio"
YEAR_MONTH = 'year-month "YYYY-MM"'
PEOPLE = "people"
POSTS = "posts"


def about(meaning: str, unit: str = "") -> Any:
    """A key's meaning and unit: `Field(description=meaning)`, the unit in the JSON schema's "unit"."""
    return Field(description=meaning, json_schema_extra={"unit": unit} if unit else None)


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
    pre_1917: Annotated[Share, about("Joined the party before 1917: the Old Bolsheviks (F5: a quarter of the veterans).", SHARE)]
    civil_war: Annotated[
        Share, about("Joined in 1917–1920 (F5: another 30% of the veterans joined in the early Soviet years).", SHARE)
    ]
    later: Annotated[
        Share, about("Joined from 1921 on, perhaps only after entering the service (F6: many had joined recently).", SHARE)
    ]
    none: Annotated[Share, about("Not a party member.", SHARE)]


class OriginShares(Distribution):
    middle_class: Annotated[Share, about("Middle class (F5: about 70% of the veterans).", SHARE)]
    nobility: Annotated[Share, about("Nobility (F5: 17% of the veterans).", SHARE)]
    workers: Annotated[
        Share, about("Workers (F5: 5% of the veterans; F6: sons of workers and peasants far outnumbered all others).", SHARE)
    ]
    peasants: Annotated[Share, about("Peasants (F5: 8% of the veterans).", SHARE)]


class EducationShares(Distribution):
    graduate: Annotated[Share, about("Graduate or professional schooling (F5: about a third of the veterans).", SHARE)]
    college: Annotated[Share, about("College education (F5: another third of the veterans).", SHARE)]
    technical: Annotated[
        Share, about("A technical institute (F6: the new generation's post-secondary schooling was mostly technical).", SHARE)
    ]
    secondary: Annotated[Share, about("No post-secondary schooling (F6: many of the new generation had none).", SHARE)]


class NationalityShares(Distribution):
    great_russian: Annotated[Share, about("Great Russian (F5: 43% of the veterans; F6: 80% of the new generation).", SHARE)]
    jewish: Annotated[Share, about("Jewish (F5: 17% of the veterans).", SHARE)]
    ukrainian: Annotated[Share, about("Ukrainian (F5: 10% of the veterans).", SHARE)]
    armenian: Annotated[Share, about("Armenian (one of F5's other groups of the former empire; its share: assumption).", SHARE)]
    other: Annotated[Share, about("The other groups of the former empire (F5: the rest of the veterans).", SHARE)]


class AgeAtEntry(Strict):
    """Shifted gamma distribution given by its minimum, mean and mode (years), cut off at `maximum`.

    Mean and mode are those of the gamma before the cut; with no `maximum`
    there is no cut.
    """

    minimum: Annotated[float, Field(ge=MIN_AGE_AT_ENTRY, le=70), about("The youngest age at entry: the gamma's shift.", YEARS)]
    mean: Annotated[
        float,
        Field(ge=MIN_AGE_AT_ENTRY, le=80),
        about("Mean age at entry, of the gamma before the cut (F6: 33 for the new generation).", YEARS),
    ]
    mode: Annotated[
        float,
        Field(ge=MIN_AGE_AT_ENTRY, le=80),
        about("Modal age at entry, of the gamma before the cut (F6: 31 for the new generation); minimum ≤ mode < mean.", YEARS),
    ]
    maximum: Annotated[
        Annotated[float, Field(le=90)] | None,
        about("The age at which the distribution is cut off, above the mode; none: no cut.", YEARS),
    ] = None

    @model_validator(mode="after")
    def _ordered(self) -> AgeAtEntry:
        if not self.minimum <= self.mode < self.mean:
            raise ValueError("expected minimum <= mode < mean")
        if self.maximum is not None and self.maximum <= self.mode:
            raise ValueError(f"maximum: expected an age above the mode ({self.mode}), got {self.maximum}")
        return self


class Profile(Strict):
    """Who a person is when they enter the service."""

    age_at_entry: Annotated[
        AgeAtEntry,
        about("Age at entry: a shifted gamma distribution given by its minimum, mean and mode, cut off at its maximum."),
    ]
    party: Annotated[
        PartyShares,
        about("Party membership: shares of the party categories, adding up to 1; a year of joining is drawn within each."),
    ]
    origin: Annotated[OriginShares, about("Social origin: shares adding up to 1 (recorded; no rule uses it).")]
    education: Annotated[
        EducationShares, about("Education: shares adding up to 1 (graduate education counts towards prominence).")
    ]
    nationality: Annotated[
        NationalityShares, about("Nationality: shares adding up to 1 (the purge's nationality multipliers use it).")
    ]
    languages: Annotated[
        Share,
        about(
            'Share who speak foreign languages (F5 "polyglot", F6 "few"; the shares are assumptions); counts towards prominence.',
            SHARE,
        ),
    ]
    abroad: Annotated[
        Share,
        about(
            'Share who have lived abroad (F5 "long exile abroad", F6 "fewer had been abroad"; the shares are assumptions);'
            " counts towards prominence.",
            SHARE,
        ),
    ]


class Profiles(Strict):
    veterans: Annotated[
        Profile,
        about(
            "The veterans, the 1920s corps (F5): the staff at the start, and the recruits whom"
            " replacement.new_generation_share does not draw from the new generation."
        ),
    ]
    new_generation: Annotated[
        Profile,
        about(
            "The new generation (F6): recruits drawn with replacement.new_generation_share (the trickle from 1931 and"
            " the deluge from 1937, F7) or by the transition policy's quota."
        ),
    ]


class Time(Strict):
    start: Annotated[YearMonth, about("The first simulated month.", YEAR_MONTH)] = "1921-01"
    end: Annotated[YearMonth, about("The last simulated month, not before time.start.", YEAR_MONTH)] = "1945-12"

    @model_validator(mode="after")
    def _ordered(self) -> Time:
        if month_index(self.end) < month_index(self.start):
            raise ValueError(f"expected end ({self.end}) not before start ({self.start})")
        return self


class UnitPosts(Strict):
    middle: Annotated[
        int, Field(ge=1), about("Middle-rank posts of one unit (in a department the first of them heads it).", POSTS)
    ]
    junior: Annotated[Count, about("Junior posts of one unit.", POSTS)]


class Institution(Strict):
    """The posts of the commissariat (see sim/model/posts.py for who heads which unit)."""

    hq_elite_posts: Annotated[
        int,
        Field(ge=1),
        about("Elite posts at headquarters: the commissar's (the first), then his deputies' and the collegium members'.", POSTS),
    ]
    deputy_commissars: Annotated[
        Count | None,
        about(
            "How many of the HQ elite posts after the commissar's are his deputies, the rest being collegium members;"
            " at most hq_elite_posts - 1; none: up to 3.",
            POSTS,
        ),
    ] = None
    hq_departments: Annotated[Count, about("Departments at headquarters.", "departments")]
    department_posts: Annotated[UnitPosts, about("The posts of one HQ department; its first middle post heads it.")]
    missions: Annotated[Count, about("Missions abroad, each headed by an elite post (the head of mission).", "missions")]
    mission_posts: Annotated[UnitPosts, about("The posts of one mission below its head (an elite post).")]
    initial_fill: Annotated[Share, about("Share of posts filled at the start, each post independently.", SHARE)]

    def unit_posts(self) -> tuple[int, int]:
        """Posts of one HQ department and of one mission (its elite head included)."""
        department = self.department_posts.middle + self.department_posts.junior
        return department, 1 + self.mission_posts.middle + self.mission_posts.junior

    @property
    def post_count(self) -> int:
        """Number of posts, as sim.model.posts.build_posts lays them out."""
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

    entry_from: Annotated[
        YearMonth, about("The earliest entry month of the staff at the start (drawn uniformly up to entry_to).", YEAR_MONTH)
    ]
    entry_to: Annotated[
        YearMonth,
        about("The latest entry month of the staff at the start: before time.start, not before entry_from.", YEAR_MONTH),
    ]
    elite_by_prominence: Annotated[
        bool,
        about(
            "Give the staff at the start their posts by a prominence score (a pre-1917 party card, languages, life abroad,"
            " graduate education, and chance), the most prominent to the elite posts (F5: the most important posts went"
            " to the polyglot pre-revolutionary intelligentsia; the scoring is an assumption); false: at random."
        ),
    ] = True

    @model_validator(mode="after")
    def _ordered(self) -> Initial:
        if month_index(self.entry_to) < month_index(self.entry_from):
            raise ValueError(f"expected entry_to ({self.entry_to}) not before entry_from ({self.entry_from})")
        return self


class Mortality(Strict):
    """Gompertz mortality: annual hazard = exp(log_baseline + age_slope * age)."""

    log_baseline: Annotated[
        float, Field(le=0), about("The log of the annual death hazard at age 0 (alpha).", "log of a hazard per year")
    ]
    age_slope: Annotated[
        float,
        Field(ge=0, le=0.3),
        about("The growth of the log death hazard with each year of age (beta).", "per year of age"),
    ]


class Attrition(Strict):
    mortality: Annotated[Mortality, about("Gompertz mortality: annual death hazard exp(log_baseline + age_slope * age).")]
    retirement_age: Annotated[float, Field(ge=30, le=100), about("The age from which people retire at retirement_rate.", YEARS)]
    retirement_rate: Annotated[Rate, about("Annual retirement hazard from retirement_age on.", PER_YEAR)]
    retirement_age_limit: Annotated[
        Annotated[float, Field(ge=30, le=110)] | None,
        about(
            "The age at which everyone still serving retires (the appointed commissar excepted); at least"
            " retirement_age; none: no limit.",
            YEARS,
        ),
    ] = None
    transfer_out_rate: Annotated[
        Rate, about("Annual hazard of a transfer to other commissariats or party work; those transferred are followed.", PER_YEAR)
    ]
    elite_transfer_out_rate: Annotated[
        Schedule | None,
        about(
            "Annual hazard of a transfer out for the holders of elite posts (deputies, collegium, heads of mission; the"
            " appointed commissar excepted), as a schedule: the rotation of the elite; none: transfer_out_rate for them too.",
            PER_YEAR,
        ),
    ] = None
    defection_rate_abroad: Annotated[
        Rate,
        about(
            "Annual hazard of defection of those posted abroad, outside any purge (F8 has only defections in the purge).",
            PER_YEAR,
        ),
    ]

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
    elite: Annotated[
        Multiplier,
        about("The elite: commissar, deputies, collegium, heads of mission (F2 vs F1: the elite was hit harder).", MULTIPLIER),
    ] = 1.0
    middle: Annotated[Multiplier, about("Middle-rank staff.", MULTIPLIER)] = 1.0
    junior: Annotated[Multiplier, about("Junior staff (the baseline person's rank).", MULTIPLIER)] = 1.0


class PartyMultipliers(Strict):
    pre_1917: Annotated[Multiplier, about("Joined before 1917, the Old Bolsheviks (F9: denounced most often).", MULTIPLIER)] = 1.0
    civil_war: Annotated[Multiplier, about("Joined in 1917–1920.", MULTIPLIER)] = 1.0
    nep: Annotated[Multiplier, about("Joined in 1921–1930 (the baseline person's cohort).", MULTIPLIER)] = 1.0
    recent: Annotated[
        Multiplier, about("Joined in 1931 or later (F7: the purge took recruits of 1931–1936 too).", MULTIPLIER)
    ] = 1.0
    none: Annotated[Multiplier, about("Not a party member, or not yet: the cohort is that of the current year.", MULTIPLIER)] = (
        1.0
    )


class PostingMultipliers(Strict):
    hq: Annotated[Multiplier, about("Serving at headquarters (the baseline person's posting).", MULTIPLIER)] = 1.0
    abroad: Annotated[
        Multiplier, about("Serving in a mission abroad (F3: the diplomats in the field were purged first).", MULTIPLIER)
    ] = 1.0


class NationalityMultipliers(Strict):
    great_russian: Annotated[Multiplier, about("Great Russian (the baseline person's nationality).", MULTIPLIER)] = 1.0
    jewish: Annotated[Multiplier, about("Jewish (F9: minorities were denounced most often).", MULTIPLIER)] = 1.0
    ukrainian: Annotated[Multiplier, about("Ukrainian (F9: minorities were denounced most often).", MULTIPLIER)] = 1.0
    armenian: Annotated[Multiplier, about("Armenian (F9: minorities were denounced most often).", MULTIPLIER)] = 1.0
    other: Annotated[Multiplier, about("The other nationalities (F9: the foreign-born and minorities).", MULTIPLIER)] = 1.0


class Association(Strict):
    """Raised risk of those serving under a superior who was just purged."""

    multiplier: Annotated[Multiplier, about("The raised risk of someone whose superior was just purged.", MULTIPLIER)] = 1.0
    months: Annotated[Count, about("Months the raised risk lasts after the superior's purge.", MONTHS)] = 0


class EntrantsMultiplier(Strict):
    """Risk of those who entered the service from `since` on, relative to everyone else."""

    since: Annotated[
        YearMonth, about("The first entry month of the entrants (F7: the deluge of recruits from 1937).", YEAR_MONTH)
    ] = "1937-01"
    multiplier: Annotated[
        Multiplier,
        about(
            "Their purge risk, in service and after leaving, and the chance that the HQ wave arrests rather than dismisses"
            ' them (F7: the purge took "even some" of the recruits of the terror).',
            MULTIPLIER,
        ),
    ] = 1.0


class PurgeMultipliers(Strict):
    rank: Annotated[RankMultipliers, about("By rank (of the post held).")] = RankMultipliers()
    party: Annotated[PartyMultipliers, about("By party cohort, as of the current year.")] = PartyMultipliers()
    posting: Annotated[PostingMultipliers, about("By posting: at headquarters or abroad.")] = PostingMultipliers()
    nationality: Annotated[NationalityMultipliers, about("By nationality.")] = NationalityMultipliers()
    association: Annotated[
        Association,
        about(
            "The raised risk of those serving under a superior who was just purged (F8: little correlation between"
            " survival and past associations, so a modest one)."
        ),
    ] = Association()
    left_service: Annotated[
        Multiplier,
        about(
            "The purge risk of those who have left the service and are followed (retired, transferred, dismissed).", MULTIPLIER
        ),
    ] = 1.0
    rank_kept_after_leaving: Annotated[
        Share,
        about(
            "How much of the rank multiplier of the highest post held stays with a person who has left: the followed's"
            " hazard is multiplied by rank[highest rank] ** this (0: none, the followed are alike whatever they held;"
            " 1: all of it, prominence follows the person out of the service).",
            EXPONENT,
        ),
    ] = 0.0
    entrants: Annotated[
        EntrantsMultiplier, about("The risk of those who entered the service from `since` on, relative to everyone else.")
    ] = EntrantsMultiplier()


class PurgeOutcomes(Distribution):
    executed: Annotated[Share, about("Share of purge victims executed.", SHARE)] = 1.0
    imprisoned: Annotated[Share, about("Share imprisoned.", SHARE)] = 0.0
    exiled: Annotated[Share, about("Share exiled.", SHARE)] = 0.0


def _scale_of(schedule: str) -> Any:
    return about(
        f"A multiplier on the value of every knot of purge.{schedule}, as the extends chain leaves the knots (a file may"
        f" scale its parent's schedule without copying it: 0.5 halves it); 1: the knots as written.",
        MULTIPLIER,
    )


class Purge(Strict):
    """The purge's parameters.

    A schedule `S` of SCALED has a sibling key `S_scale` that multiplies
    every knot's value. The validated model holds the scaled knots (what the
    rules use); its dump gives the knots as written and the scale (left out
    when 1), so that validating a dump again gives the same model.
    """

    SCALED: ClassVar[tuple[str, ...]] = ("intensity", "hq_wave")

    enabled: Annotated[bool, about("Whether the purge acts at all.")] = False
    intensity: Annotated[
        Schedule,
        about(
            "The annual purge hazard of a baseline person (junior, at headquarters, a party member since the NEP years,"
            " Great Russian, entered before multipliers.entrants.since, frailty 1), month by month; the historical"
            " knots' dates follow F9 and F3, their values are assumptions calibrated against F1–F4.",
            PER_YEAR,
        ),
    ] = [("1921-01", 0.0)]
    intensity_scale: Annotated[Multiplier, _scale_of("intensity")] = 1.0
    hq_wave: Annotated[
        Schedule,
        about(
            "The 1939 headquarters wave: an annual hazard, without multipliers, for the HQ staff who entered before it"
            " first turns positive (F3, F4; the values are assumptions).",
            PER_YEAR,
        ),
    ] = [("1921-01", 0.0)]
    hq_wave_scale: Annotated[Multiplier, _scale_of("hq_wave")] = 1.0
    hq_wave_dismissal_share: Annotated[
        Share,
        about(
            'Share of the wave\'s hits that are dismissals rather than arrests (F4: "replaced" is wider than "purged");'
            " for those who entered from multipliers.entrants.since on, the arrests' share is scaled by the entrants"
            " multiplier (at most 1).",
            SHARE,
        ),
    ] = 0.0
    recall_defection_probability: Annotated[
        Share,
        about(
            "Probability that someone abroad, recalled to be arrested, refuses and defects (F8: a few refused and defected).",
            PROBABILITY,
        ),
    ] = 0.0
    frailty_variance: Annotated[
        float,
        Field(ge=0, le=20),
        about(
            "The variance of each person's purge-risk multiplier, gamma-distributed with mean 1 and fixed for life;"
            " 0: everyone alike (F8: a tiny nucleus survived, with little correlation to the observed traits).",
            "variance",
        ),
    ] = 0.0
    multipliers: Annotated[
        PurgeMultipliers, about("Multipliers of the purge hazard by a person's traits (1: as the baseline person).")
    ] = PurgeMultipliers()
    outcomes: Annotated[
        PurgeOutcomes,
        about("What becomes of a purge victim: shares adding up to 1 (recorded only; every victim leaves for good)."),
    ] = PurgeOutcomes()
    # For each scaled schedule: (the knots as written, the scaled knots set in their place).
    _written: dict[str, tuple[list, list]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _scale_schedules(self) -> Purge:
        for name in self.SCALED:
            scale = getattr(self, f"{name}_scale")
            if scale == 1.0:
                continue
            written = getattr(self, name)
            scaled = [(date, value * scale) for date, value in written]
            if not all(math.isfinite(value) for _, value in scaled):
                raise ValueError(f"{name}_scale: expected a scale that keeps every knot of {name} finite, got {scale}")
            object.__setattr__(self, name, scaled)  # the model is frozen: set once, while it is validated
            self._written[name] = (written, scaled)
        return self

    @model_serializer(mode="wrap")
    def _dump_as_written(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        data = handler(self)
        for name in self.SCALED:
            written, scaled = self._written.get(name, (None, None))
            if scaled is None or getattr(self, name) is not scaled:
                # Scale 1, or knots put in place since (model_copy): the knots in force, unscaled.
                data.pop(f"{name}_scale", None)
            elif name in data:
                data[name] = [list(knot) for knot in written] if info.mode == "json" else list(written)
        return data


class OutsideEntry(Strict):
    """Monthly probability that a vacancy of this rank, not filled by promotion, is opened to outside recruits."""

    elite: Annotated[ShareSchedule, about("For an elite vacancy.", MONTHLY_PROBABILITY)]
    middle: Annotated[ShareSchedule, about("For a middle-rank vacancy.", MONTHLY_PROBABILITY)]
    junior: Annotated[ShareSchedule, about("For a junior vacancy (closed, they could never be filled).", MONTHLY_PROBABILITY)]


class Replacement(Strict):
    promotion_probability: Annotated[
        ShareSchedule,
        about(
            "Probability that an elite or middle vacancy is offered to promotion from the rank below, drawn each month it"
            " is not yet open to outside recruits (F6: from 1937 recruits were brought in from outside, not promoted;"
            " F10: in the gradual scenarios, promotion from below).",
            PROBABILITY,
        ),
    ]
    min_months_in_rank: Annotated[
        Count, about("Months in a rank before a promotion (F10: training under veterans in the gradual scenarios).", MONTHS)
    ]
    promotion_order: Annotated[
        Literal["random", "seniority"],
        about('The order of the eligible candidates: "random", or "seniority" (the earliest entry first).'),
    ] = "random"
    outside_entry: Annotated[
        OutsideEntry,
        about(
            "Monthly probability, by rank, that a vacancy not filled by promotion is opened to outside recruits (F10: in"
            " the gradual scenarios the new men begin in lesser positions)."
        ),
    ]
    recruitment_capacity: Annotated[
        Schedule,
        about(
            "At most this many outside recruits a month, fractions carried over (the 1937 deluge, F7; the 1939"
            " replacement at headquarters, F4).",
            "people per month",
        ),
    ]
    recruitment_lag_months: Annotated[
        Count | Schedule,
        about(
            "Months from a vacancy's opening to outside recruits to its recruit: a number, or a schedule of them rounded"
            " to whole months (F4: the 1939 replacement was staffed at once).",
            MONTHS,
        ),
    ]
    new_generation_share: Annotated[
        ShareSchedule,
        about(
            "Share of outside recruits drawn from the new generation's profile (F7: a trickle from 1931, a deluge from 1937).",
            SHARE,
        ),
    ]


class Appointments(Strict):
    """The commissar's post as a political appointment, changed by dated decisions."""

    commissar_appointed: Annotated[
        bool,
        about(
            "The commissar's post is a political appointment: its holder is exempt from the purge, the HQ wave,"
            " retirement and transfer out (F4, F8)."
        ),
    ] = False
    commissar_changes: Annotated[
        list[YearMonth],
        about(
            "Months in which an outside appointee replaces the commissar, who is dismissed (F4: Molotov for Litvinov in"
            " May 1939); distinct, in increasing order, with commissar_appointed = true.",
            YEAR_MONTH,
        ),
    ] = []
    appointee_age: Annotated[
        AgeAtEntry,
        about(
            "The age of an outside appointee to the commissar's post. Default, an assumption: a party leader of the Old"
            " Bolshevik generation (Molotov, commissar from May 1939, F4, was 49), aged 40 to 60."
        ),
    ] = AgeAtEntry(minimum=40, mean=50, mode=49, maximum=60)

    @model_validator(mode="after")
    def _changes_need_appointment(self) -> Appointments:
        if self.commissar_changes and not self.commissar_appointed:
            raise ValueError("commissar_changes: expected commissar_appointed = true alongside")
        months = [month_index(date) for date in self.commissar_changes]
        if months != sorted(set(months)):
            raise ValueError("commissar_changes: expected distinct dates in increasing order")
        return self


class Transition(Strict):
    """A gradual transition (F10) as a policy: what the institution controls from `start` (sim/model/rules/transition.py).

    The posts recruits may enter and their training before promotion are
    `replacement.outside_entry` and `replacement.min_months_in_rank`. The
    policy is a counterfactual of the purge (F10: "even without the purge"):
    a scenario may not enable both (`Scenario._transition_without_purge`).
    """

    enabled: Annotated[
        bool,
        about(
            "Whether the transition policy acts; only without the purge (purge.enabled = false): the policy is the"
            " counterfactual of a gradual transition without it (F10)."
        ),
    ] = False
    start: Annotated[
        YearMonth, about("The policy's first month (in the gradual scenarios: when the purge began, F10).", YEAR_MONTH)
    ] = "1937-01"
    new_generation_recruits_per_year: Annotated[
        float,
        Field(ge=0, le=MAX_POSTS),
        about(
            "The quota: new-generation recruits a year, due month by month, owed while vacancies cannot take them.",
            "people per year",
        ),
    ] = 0.0
    veteran_retirement_age: Annotated[
        Annotated[float, Field(ge=18, le=100)] | None,
        about("Veterans (anyone not of the new generation) retire at this age; none: no such rule.", YEARS),
    ] = None
    veteran_retirement_service_years: Annotated[
        Annotated[float, Field(ge=0, le=60)] | None,
        about("Veterans retire after this many years of service; none: no such rule.", YEARS),
    ] = None
    veteran_retirements_per_year: Annotated[
        Annotated[float, Field(ge=0, le=MAX_POSTS)] | None,
        about(
            "At most this many of the policy's retirements a year, due month by month, the oldest first; none: no cap.",
            "people per year",
        ),
    ] = None


class Mentoring(Strict):
    mentor_min_service_months: Annotated[
        Count,
        about("Months of service that make an elite or middle member the mentor of the juniors of their unit.", MONTHS),
    ]
    full_competence_months: Annotated[
        int, Field(ge=1), about("Months of service to full experience (the experience-weighted capacity).", MONTHS)
    ]


class Scenario(Strict):
    """A complete, validated scenario."""

    @property
    def title(self) -> str:
        """The scenario's label, or its name if it has none."""
        return self.label or self.name

    name: Annotated[
        str,
        AfterValidator(_check_name),
        about(
            "The scenario's name, and its results' default directory runs/<name>; a file that sets none is named after its file."
        ),
    ]
    label: Annotated[
        str, Field(max_length=80), about("The scenario in words, for tables, legends and the findings page; empty: its name.")
    ] = ""
    description: Annotated[str, about("What the scenario is, in a sentence.")] = ""
    seed: Annotated[
        int,
        Field(ge=0),
        about("The seed of `cadres run` (`--seed` overrides it), and the root of an ensemble's replicate seeds."),
    ] = 0
    replicates: Annotated[
        int, Field(ge=1, le=MAX_REPLICATES), about("Runs of the scenario's ensemble (`--replicates` overrides it).", "runs")
    ] = 1
    time: Annotated[Time, about("The simulated months, one step a month.")] = Time()
    institution: Annotated[
        Institution, about("The posts of the commissariat, a structure fixed for the whole run (sim/model/posts.py).")
    ]
    profiles: Annotated[
        Profiles, about("Who people are when they enter the service: the veterans' profile (F5) and the new generation's (F6).")
    ]
    initial: Annotated[Initial, about("The staff at the start: their entry dates and how they are given their posts.")]
    attrition: Annotated[
        Attrition,
        about("Ordinary attrition: competing annual hazards of death, retirement, transfer out and defection abroad."),
    ]
    purge: Annotated[
        Purge,
        about(
            "The purge hazard (sim/model/rules/purge.py); its defaults are neutral (no intensity, multipliers 1), so that a"
            " scenario without a purge need not spell them out."
        ),
    ] = Purge()
    replacement: Annotated[
        Replacement, about("How vacancies are filled: promotion from below along vacancy chains, and outside recruitment.")
    ]
    appointments: Annotated[
        Appointments, about("The commissar's post as a political appointment, changed by dated decisions (F4, F8).")
    ] = Appointments()
    transition: Annotated[
        Transition,
        about(
            "A gradual transition as a policy (F10): new-generation recruits a year and the veterans' retirement"
            " (sim/model/rules/transition.py)."
        ),
    ] = Transition()
    mentoring: Annotated[Mentoring, about("The measures of mentoring and experience (recorded; no rule uses them).")]
    calibration: Annotated[
        CalibrationSpec | None,
        about("What a calibration infers and from what (`cadres calibrate`, `cadres validate`); it does not change a run."),
    ] = None

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

    @model_validator(mode="after")
    def _transition_without_purge(self) -> Scenario:
        # The transition policy answers F10's "even without the purge"; under a purge its quota and
        # retirements would run beside the purge's deluge and the 1939 wave, which no question asks.
        if self.transition.enabled and self.purge.enabled:
            raise ValueError(
                "transition.enabled: expected false while purge.enabled is true: the transition policy is a"
                " counterfactual without the purge; extend a scenario with the purge switched off"
                " (e.g. scenarios/no_purge.toml) or set purge.enabled = false"
            )
        return self


# -- The calibration section (read by the `calibration` package) ------------
# Defined after Scenario and resolved by `Scenario.model_rebuild()` below.


class Prior(Strict):
    """A free parameter: its prior, and the scenario keys it sets.

    Keys are dotted paths into the scenario's key tree; list positions are
    numbers, e.g. "purge.intensity.5.1" is the value of the sixth knot.
    Several keys receive the same value (a plateau of two knots).
    """

    distribution: Annotated[
        Literal["uniform", "loguniform"],
        about('The prior: "uniform", or "loguniform" (uniform in the logarithm, which is where it is sampled).'),
    ] = "uniform"
    low: Annotated[float, about("The prior's lower bound (above 0 for a loguniform prior).")]
    high: Annotated[float, about("The prior's upper bound, above low.")]
    keys: Annotated[
        list[str],
        Field(min_length=1),
        about(
            "The dotted scenario keys set to the value; list positions are numbers (purge.intensity.5.1: the sixth knot's value)."
        ),
    ]

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"expected low > 0 for a loguniform prior, got {self.low}")
        return self


class RankShares(Strict):
    elite: Annotated[Share, about("For the 1920s elite.", PROBABILITY)]
    middle: Annotated[Share, about("For those whose highest 1920s rank was middle.", PROBABILITY)]
    junior: Annotated[Share, about("For those whose highest 1920s rank was junior.", PROBABILITY)]


class FateShares(Strict):
    purged: Annotated[Share, about("For a purge victim: the arrest on record.", PROBABILITY)]
    survived: Annotated[Share, about("For a survivor.", PROBABILITY)]
    died_or_defected: Annotated[
        Share, about("For someone who died or defected before the purges (on record even without career data).", PROBABILITY)
    ]


class Historian(Strict):
    """The observation submodel: who the source documents, and how well (docs/ODD.md, "observation")."""

    served_until: Annotated[
        YearMonth,
        about("The observed are those who held a post up to this month (F1, F2: who served during the 1920s).", YEAR_MONTH),
    ] = "1929-12"
    purges_begin: Annotated[
        YearMonth,
        about(
            'A death or defection before this month is "before the Great Purges" (assumption: the first show trial, F9).',
            YEAR_MONTH,
        ),
    ] = "1936-08"
    likely_from: Annotated[
        YearMonth,
        about(
            'A career record that stops from this month on, up to likely_to, reads as "likely purged" (F1: 1937 or 1938).',
            YEAR_MONTH,
        ),
    ] = "1937-01"
    likely_to: Annotated[YearMonth, about('The last month of a record that reads as "likely purged" (F1).', YEAR_MONTH)] = (
        "1938-12"
    )
    career: Annotated[
        RankShares,
        about(
            "Chance of career data for the 1930s, by highest 1920s rank, of a non-victim who served at home and is no"
            " Old Bolshevik (the odds ratios below raise it)."
        ),
    ]
    victim_odds: Annotated[
        Multiplier, about("Odds ratio of career data for purge victims (over-represented, Uldricks 1977).", ODDS_RATIO)
    ]
    abroad_odds: Annotated[
        Multiplier, about("Odds ratio of career data for those who served abroad in the 1920s (Uldricks 1977).", ODDS_RATIO)
    ]
    prominence_odds: Annotated[
        Multiplier,
        about("Odds ratio of career data for Old Bolsheviks, the prominent opponents of Stalin (Uldricks 1977).", ODDS_RATIO),
    ]
    fate_known: Annotated[FateShares, about("Chance, given career data, that the fate itself is on record, by true fate.")]
    elite_fate_odds: Annotated[
        Multiplier,
        about(
            "Odds ratio of the fate being on record for the 1920s elite (F2: 8% insufficient information, against F1's 45%"
            " unaccounted for).",
            ODDS_RATIO,
        ),
    ] = 1.0


class AbcSettings(Strict):
    """Budget of an ABC-SMC run and of the posterior-predictive check."""

    population_size: Annotated[int, Field(ge=10), about("Accepted particles per generation.", "particles")] = 200
    max_generations: Annotated[int, Field(ge=1), about("Generations at most.", "generations")] = 15
    max_simulations: Annotated[
        int, Field(ge=10), about("Simulations at most: the budget, checked between generations.", "simulations")
    ] = 4000
    max_minutes: Annotated[
        float, Field(gt=0), about("Wall time at most, a hard limit: a generation unfinished by then is dropped.", "minutes")
    ] = 13.0
    min_acceptance_rate: Annotated[
        float,
        Field(gt=0, le=1),
        about(
            "The run stops below this acceptance rate; a generation also stops after population_size / this many runs.",
            SHARE,
        ),
    ] = 0.02
    kernel_variance: Annotated[
        float,
        Field(gt=0),
        about("The proposal kernels' covariance as a multiple of the population's (Beaumont et al. 2009).", MULTIPLIER),
    ] = 2.0
    ancestor_power: Annotated[
        float,
        Field(ge=0, le=1),
        about(
            "Proposals' ancestors are drawn with probability proportional to their weight to this power, and the"
            " kernels' covariance uses the same tempered weights (1: the weights, pyabc's; 0: all alike;"
            " calibration/proposal.py).",
            "power",
        ),
    ] = 1.0
    shared_history_until: Annotated[
        YearMonth | None,
        about(
            "Simulations continue stored runs from this month (sim/model/branch.py); none: each runs from the start.", YEAR_MONTH
        ),
    ] = None
    shared_histories: Annotated[int, Field(ge=1), about("How many stored runs are continued.", "runs")] = 200
    predictive_draws: Annotated[int, Field(ge=2), about("Posterior-predictive runs for the fit report.", "runs")] = 100
    replicates: Annotated[int, Field(ge=2), about("Runs of one `cadres validate`.", "runs")] = 40
    horizon: Annotated[
        YearMonth, about("The last simulated month of a calibration's runs: every target is measured by then.", YEAR_MONTH)
    ] = "1939-12"


class CalibrationSpec(Strict):
    """What a calibration infers and from what; paths relative to the scenario file."""

    targets: Annotated[
        str | None, about("The targets file, relative to the scenario file; none: the package's calibration/targets.toml.")
    ] = None
    historian: Annotated[
        Historian | None, about('The observation submodel: whom the source documents, and how well (docs/ODD.md, "Observation").')
    ] = None
    priors: Annotated[
        dict[str, Prior],
        about("The free parameters: a table for each, named after the parameter (e.g. [calibration.priors.purge_peak])."),
    ] = {}
    fixed: Annotated[
        list[str], about("Names of priors kept at the scenario's own values instead of inferred (an ablation).")
    ] = []
    abc: Annotated[AbcSettings, about("The budget of an ABC-SMC run and of the posterior-predictive check.")] = AbcSettings()
    write_to: Annotated[
        str | None,
        about("The scenario file the posterior medians are written to, relative to this one; none: they are not written."),
    ] = None
    write_extends: Annotated[str | None, about("The file that the written scenario extends (needed with write_to).")] = None

    @model_validator(mode="after")
    def _fixed_are_priors(self) -> CalibrationSpec:
        unknown = [name for name in self.fixed if name not in self.priors]
        if unknown:
            raise ValueError(f"fixed: expected names of priors ({', '.join(self.priors)}), got {', '.join(unknown)}")
        return self


Scenario.model_rebuild()
