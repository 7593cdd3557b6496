"""The accounting identities over many randomly generated valid scenarios (hypothesis).

Each example draws an institution, a horizon of one to four years, attrition
rates, a purge (intensity schedule, HQ wave, multipliers), replacement
settings and possibly a transition policy (only when the purge is off: the
schema refuses the two together); runs it with a per-month check of
the posts; and checks the identities of tests/conftest.py plus the
replacement rules (outside entry, recruitment lag, capacity, time in rank).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.categories import NATIONALITIES, PARTY_COHORTS, RANKS
from sim.model.engine import Engine
from sim.scenario.config import Scenario
from sim.scenario.loader import resolve_tree

EXAMPLES = 40
BASE = resolve_tree(Path(__file__).resolve().parents[2] / "scenarios" / "base.toml")  # for its profiles


def ym(month: int) -> str:
    return f"{month // 12}-{month % 12 + 1:02d}"


def fractions(n: int) -> st.SearchStrategy[list[float]]:
    """n shares on a 1/100 grid adding up to exactly 1."""
    return (
        st.lists(st.integers(0, 100), min_size=n - 1, max_size=n - 1)
        .map(lambda cuts: [b - a for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), 100], strict=True)])
        .map(lambda parts: [p / 100 for p in parts])
    )


@st.composite
def schedules(draw, first: int, last: int, low: float, high: float, max_knots: int = 4) -> list[list]:
    months = draw(st.lists(st.integers(first, last), min_size=1, max_size=max_knots, unique=True))
    values = draw(st.lists(st.floats(low, high, allow_nan=False), min_size=len(months), max_size=len(months)))
    return [[ym(m), v] for m, v in zip(sorted(months), values, strict=True)]


@st.composite
def appointments(draw, first: int, last: int) -> dict:
    if not draw(st.booleans()):
        return {}
    changes = draw(st.lists(st.integers(first, last), max_size=2, unique=True))
    return {"commissar_appointed": True, "commissar_changes": [ym(m) for m in sorted(changes)]}


@st.composite
def scenarios(draw) -> Scenario:
    start = draw(st.integers(1925 * 12, 1936 * 12))
    end = start + draw(st.integers(12, 48)) - 1
    entry_to = start - draw(st.integers(1, 60))
    entry_from = entry_to - draw(st.integers(0, 60))
    span = (start - 12, end + 12)
    outcomes = draw(fractions(3))
    purge_enabled = draw(st.booleans())
    tree = {
        "name": "generated",
        "time": {"start": ym(start), "end": ym(end)},
        "institution": {
            "hq_elite_posts": draw(st.integers(1, 4)),
            "hq_departments": draw(st.integers(0, 3)),
            "department_posts": {"middle": draw(st.integers(1, 3)), "junior": draw(st.integers(0, 6))},
            "missions": draw(st.integers(0, 4)),
            "mission_posts": {"middle": draw(st.integers(1, 3)), "junior": draw(st.integers(0, 4))},
            "initial_fill": draw(st.floats(0, 1)),
        },
        "profiles": BASE["profiles"],
        "initial": {"entry_from": ym(entry_from), "entry_to": ym(entry_to), "elite_by_prominence": draw(st.booleans())},
        "attrition": {
            "mortality": {"log_baseline": draw(st.floats(-12, -3)), "age_slope": draw(st.floats(0, 0.1))},
            "retirement_age": draw(st.floats(40, 80)),
            "retirement_rate": draw(st.floats(0, 1)),
            "retirement_age_limit": draw(st.one_of(st.none(), st.floats(80, 95))),
            "transfer_out_rate": draw(st.floats(0, 1)),
            "elite_transfer_out_rate": draw(st.one_of(st.none(), schedules(*span, 0, 2))),
            "defection_rate_abroad": draw(st.floats(0, 0.5)),
        },
        "purge": {
            "enabled": purge_enabled,
            "intensity": draw(schedules(*span, 0, 3)),
            "hq_wave": draw(schedules(*span, 0, 10)),
            "hq_wave_dismissal_share": draw(st.floats(0, 1)),
            "recall_defection_probability": draw(st.floats(0, 1)),
            "frailty_variance": draw(st.sampled_from([0.0, 0.5, 3.0])),
            "multipliers": {
                "rank": {rank: draw(st.floats(0, 3)) for rank in RANKS},
                "party": {cohort: draw(st.floats(0, 3)) for cohort in PARTY_COHORTS},
                "nationality": {nationality: draw(st.floats(0, 3)) for nationality in NATIONALITIES},
                "posting": {"hq": draw(st.floats(0, 3)), "abroad": draw(st.floats(0, 3))},
                "association": {"multiplier": draw(st.floats(0, 5)), "months": draw(st.integers(0, 12))},
                "left_service": draw(st.floats(0, 2)),
                "rank_kept_after_leaving": draw(st.floats(0, 1)),
                "entrants": {"since": ym(draw(st.integers(*span))), "multiplier": draw(st.floats(0, 2))},
            },
            "outcomes": dict(zip(("executed", "imprisoned", "exiled"), outcomes, strict=True)),
        },
        "replacement": {
            "promotion_probability": draw(schedules(*span, 0, 1)),
            "min_months_in_rank": draw(st.integers(0, 36)),
            "promotion_order": draw(st.sampled_from(["random", "seniority"])),
            "outside_entry": {rank: draw(schedules(*span, 0, 1, max_knots=2)) for rank in RANKS},
            "recruitment_capacity": draw(schedules(*span, 0, 12)),
            "recruitment_lag_months": draw(st.one_of(st.integers(0, 6), schedules(*span, 0, 6, max_knots=3))),
            "new_generation_share": draw(schedules(*span, 0, 1)),
        },
        "appointments": draw(appointments(*span)),
        "transition": {
            "enabled": draw(st.booleans()) and not purge_enabled,
            "start": ym(draw(st.integers(start - 12, end))),
            "new_generation_recruits_per_year": draw(st.floats(0, 60)),
            "veteran_retirement_age": draw(st.one_of(st.none(), st.floats(18, 100))),
            "veteran_retirement_service_years": draw(st.one_of(st.none(), st.floats(0, 60))),
            "veteran_retirements_per_year": draw(st.one_of(st.none(), st.floats(0, 60))),
        },
        "mentoring": {"mentor_min_service_months": draw(st.integers(0, 120)), "full_competence_months": draw(st.integers(1, 60))},
    }
    return Scenario.model_validate(tree)


RUN = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RUN
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_accounting_identities_hold_for_any_valid_scenario(accounting, scenario, seed):
    engine = Engine(scenario, seed)
    records = accounting.run_checked(engine)
    accounting.check_records(engine, records)
    bio = records.biographies
    if not scenario.purge.enabled:
        assert not (bio["exit_reason"] == "purged").any()
        # Without a purge only a dated change of commissar dismisses anyone.
        assert (bio["exit_reason"] == "dismissed").sum() <= len(scenario.appointments.commissar_changes)
        assert not (bio["later_fate"] == "purged").any()
        assert not bio["recalled"].any()


@RUN
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_replacement_rules_hold_for_any_valid_scenario(accounting, scenario, seed):
    engine = Engine(scenario, seed).populate().run()
    config = scenario.replacement
    start, months = scenario.start_month, np.arange(scenario.start_month, engine.month)
    roster = engine.roster
    entry = roster.view("entry")
    # Appointees of a dated change of commissar enter outside the recruitment machinery.
    slots, posts, when = engine.assignments()
    changes = [month_of(date) for date in scenario.appointments.commissar_changes]
    appointees = slots[(posts == 0) & np.isin(when, changes) & (entry[slots] == when)]
    recruited = entry >= start
    recruited[appointees] = False

    # Capacity: never more recruits than the schedule allows, fractions carried over.
    def at(knots, month):
        return np.interp(month, [month_of(d) for d, _ in knots], [v for _, v in knots])

    per_month = np.bincount(entry[recruited] - start, minlength=len(months))
    assert (np.cumsum(per_month) <= np.cumsum(at(config.recruitment_capacity, months)) + 1e-9).all()

    # Outside entry: no recruit into a rank whose schedule is zero throughout.
    first_rank = roster.view("first_rank")
    for code, rank in enumerate(RANKS):
        knots = getattr(config.outside_entry, rank)
        if all(v == 0 for _, v in knots):
            assert not (recruited & (first_rank == code)).any(), rank

    if not engine.post_history:
        return
    intervals = accounting.post_intervals(engine).sort_values(["post", "start"])
    slots = intervals["slot"].to_numpy()
    # Recruitment lag: a recruit arrives no sooner than `lag` months after the post fell vacant.
    first_holding = intervals.groupby("slot")["start"].transform("min").to_numpy() == intervals["start"].to_numpy()
    is_recruit = first_holding & recruited[slots]
    vacant_since = np.maximum(intervals.groupby("post")["end"].shift(1).fillna(start).to_numpy(), start)
    arrival = intervals["start"].to_numpy()[is_recruit]
    lag = config.recruitment_lag_months
    lags = lag if isinstance(lag, int) else np.array([round(float(at(lag, m))) for m in arrival])
    assert (arrival - vacant_since[is_recruit] >= lags).all()
    # Time in rank: a promotion comes at least min_months_in_rank after the last move.
    gaps = intervals.sort_values(["slot", "start"]).groupby("slot")["start"].diff().dropna()
    assert (gaps >= config.min_months_in_rank).all()


def month_of(date: str) -> int:
    year, month = date.split("-")
    return int(year) * 12 + int(month) - 1


@settings(max_examples=EXAMPLES, deadline=None)
@given(scenario=scenarios())
def test_generated_scenarios_are_valid_and_round_trip(scenario):
    # The generator itself: every draw validates, and validates again from its dump.
    again = Scenario.model_validate(scenario.model_dump(mode="json"))
    assert again == scenario
    assert math.isclose(sum(scenario.purge.outcomes.shares()), 1.0)
    assert pd.Timestamp(scenario.time.end + "-01") >= pd.Timestamp(scenario.time.start + "-01")
