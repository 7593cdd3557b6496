"""The submodels: ordinary attrition, the purge and replacement (the transition policy: tests/model/test_transition.py).

Most tests use tests/data/homogeneous.toml: 2608 posts, all filled, and no
hazard at all until a test turns one on. Statistical tests compare with the
exact probability and allow 4 binomial standard errors: for a fresh seed such
a test fails by chance with probability about 6e-5 (two-sided normal tail),
about once in 16,000 runs; with the fixed seeds used here it is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.model.categories import ELITE, EXIT_REASONS, NATIONALITIES, POSTINGS, RANKS
from sim.model.engine import Engine
from sim.model.roster import LEFT, SERVING
from sim.model.rules.attrition import death_hazard
from sim.records.run_records import collect
from sim.scenario.config import month_index
from sim.scenario.loader import load_scenario

START = "1930-01"  # time.start of homogeneous.toml
Z = 4.0  # standard errors allowed in the statistical tests (see the module docstring)


def year_month(month: int) -> str:
    return f"{month // 12}-{month % 12 + 1:02d}"


def homogeneous(data_dir, months: int, **overrides):
    """The homogeneous scenario over `months` months from 1930-01, with overrides.

    A transfer rate given without the elite's own applies to the elite as well.
    """
    attrition = overrides.get("attrition", {})
    if "transfer_out_rate" in attrition and "elite_transfer_out_rate" not in attrition:
        overrides["attrition"] = {**attrition, "elite_transfer_out_rate": [["1921-01", attrition["transfer_out_rate"]]]}
    tree = {"time": {"end": year_month(month_index(START) + months - 1)}, **overrides}
    return load_scenario(data_dir / "homogeneous.toml", overrides=tree)


def run(scenario, seed=None):
    """Run a scenario; also return who was posted abroad at the start."""
    engine = Engine(scenario, seed).populate()
    abroad_at_start = engine.roster.view("abroad").copy()
    engine.run()
    return engine, collect(engine), abroad_at_start


def assert_binomial(observed_share: float, probability: float, n: int) -> None:
    error = math.sqrt(probability * (1 - probability) / n)
    assert abs(observed_share - probability) <= Z * error, (observed_share, probability, error)


# -- exit shares under constant hazards --------------------------------------


@pytest.mark.parametrize(("hazard", "months"), [(0.3, 24), (1.2, 6), (0.05, 24)])
def test_purged_share_under_a_constant_homogeneous_purge_hazard(data_dir, accounting, hazard, months):
    scenario = homogeneous(data_dir, months, purge={"enabled": True, "intensity": [["1921-01", hazard]]})
    engine, records, _ = run(scenario)
    bio = records.biographies
    assert (accounting.month_of(bio["entry"]) < month_index(START)).all(), "no recruits expected"
    assert bio["exit_reason"].isna().sum() + (bio["exit_reason"] == "purged").sum() == len(bio), "only the purge acts"
    expected = 1 - math.exp(-hazard * months / 12)
    assert_binomial((bio["exit_reason"] == "purged").mean(), expected, len(bio))
    # Halfway through, from the monthly stocks.
    headcount = accounting.series(records, "headcount", "all")
    half = months // 2
    assert_binomial(1 - headcount.iloc[half] / len(bio), 1 - math.exp(-hazard * half / 12), len(bio))
    # Abroad, the purged are recalled first; none defect with probability 0.
    assert bio["recalled"].sum() == accounting.series(records, "recalls").sum() > 0


@pytest.mark.parametrize(
    ("cause", "reason"),
    [("transfer_out_rate", "transferred_out"), ("mortality", "died"), ("defection_rate_abroad", "defected")],
)
def test_exit_share_under_a_constant_ordinary_hazard(data_dir, cause, reason):
    hazard, months = 0.4, 24
    if cause == "mortality":  # Gompertz with no age slope is a constant hazard
        attrition = {"mortality": {"log_baseline": math.log(hazard), "age_slope": 0.0}}
    else:
        attrition = {cause: hazard}
    # No promotions: nobody moves between HQ and the missions, so "abroad at the start" is who was at risk.
    scenario = homogeneous(data_dir, months, attrition=attrition, replacement={"promotion_probability": [["1921-01", 0.0]]})
    _, records, at_risk_abroad = run(scenario)
    bio = records.biographies
    assert set(bio["exit_reason"].dropna()) == {reason}
    at_risk = at_risk_abroad if cause == "defection_rate_abroad" else np.ones(len(bio), dtype=bool)
    left = bio["exit_reason"].eq(reason).to_numpy()
    assert_binomial(left[at_risk].mean(), 1 - math.exp(-hazard * months / 12), int(at_risk.sum()))
    assert not left[~at_risk].any()


@pytest.mark.parametrize("compiled", [True, False])
def test_the_holders_of_elite_posts_transfer_out_at_their_own_rate(data_dir, compiled):
    elite_rate, staff_rate, months = 1.5, 0.1, 24
    scenario = homogeneous(
        data_dir,
        months,
        attrition={"transfer_out_rate": staff_rate, "elite_transfer_out_rate": [["1921-01", elite_rate]]},
        replacement={"promotion_probability": [["1921-01", 0.0]]},  # nobody changes rank
    )
    engine = Engine(scenario, seed=5, compiled=compiled).populate()
    engine.run()
    bio = collect(engine).biographies
    at_start = (bio["entry"] < START).to_numpy()
    elite = (bio["first_rank"] == "elite").to_numpy() & at_start
    staff = (bio["first_rank"] != "elite").to_numpy() & at_start
    transferred = bio["exit_reason"].eq("transferred_out").to_numpy()
    assert elite.sum() == 48  # every elite post of homogeneous.toml held at the start
    assert_binomial(transferred[elite].mean(), 1 - math.exp(-elite_rate * months / 12), int(elite.sum()))
    assert_binomial(transferred[staff].mean(), 1 - math.exp(-staff_rate * months / 12), int(staff.sum()))


def test_ordinary_attrition_comes_before_the_purge_within_a_month(data_dir):
    # Transfer out (r) is applied first each month, then the purge (h) to those
    # still serving. Over T months, with q1 = exp(-r/12), q2 = exp(-h/12):
    #   P(purged)      = q1 (1 - q2) (1 - (q1 q2)^T) / (1 - q1 q2)
    #   P(transferred) =    (1 - q1) (1 - (q1 q2)^T) / (1 - q1 q2)
    # With r = h = 2 and T = 12 this gives 0.450 purged; the purge first would
    # give 0.532 and simultaneous competing risks 0.491 (SE here 0.010).
    rate, hazard, months = 2.0, 2.0, 12
    scenario = homogeneous(
        data_dir,
        months,
        attrition={"transfer_out_rate": rate},
        purge={"enabled": True, "intensity": [["1921-01", hazard]], "multipliers": {"left_service": 0.0}},
    )
    _, records, _ = run(scenario)
    bio = records.biographies
    q1, q2 = math.exp(-rate / 12), math.exp(-hazard / 12)
    ever = (1 - (q1 * q2) ** months) / (1 - q1 * q2)
    assert_binomial((bio["exit_reason"] == "purged").mean(), q1 * (1 - q2) * ever, len(bio))
    assert_binomial((bio["exit_reason"] == "transferred_out").mean(), (1 - q1) * ever, len(bio))
    assert bio["later_fate"].ne("purged").all(), "left_service = 0: the followed are safe"


def test_attrition_bound_leaves_out_no_one_who_would_leave(scenarios_dir):
    # Attrition works out hazards only for draws under a bound on anyone's
    # probability; checked month by month against the full formula over all.
    engine = Engine(load_scenario(scenarios_dir / "historical.toml"), seed=3).populate()
    config = engine.scenario.attrition
    full_formula_apply = engine.attrition.apply
    counts = {"left": 0, "died later": 0}

    def checked_apply(eng: Engine, month: int) -> None:
        roster = eng.roster
        draw = eng.streams.uniforms("attrition", month, roster.size)[0]
        serving, followed = roster.with_status(SERVING).copy(), roster.with_status(LEFT).copy()
        free = ~eng.posts.appointed[roster.post[serving]]  # the commissar neither retires nor transfers out
        age = month - roster.birth[serving]
        elite = roster.rank[serving] == ELITE  # the elite's own transfer rate (the rotation of the 1920s)
        total = (
            death_hazard(eng, serving, month)
            + np.where((age >= 12 * config.retirement_age) & free, config.retirement_rate, 0.0)
            + np.where(free, np.where(elite, eng.attrition.elite_transfer.at(month), config.transfer_out_rate), 0.0)
            + np.where(roster.abroad[serving], config.defection_rate_abroad, 0.0)
        )
        by_hazard = draw[serving] < -np.expm1(-total / 12.0)
        at_limit = (age >= 12 * config.retirement_age_limit) & free
        leaves = serving[by_hazard | at_limit]
        dies = followed[draw[followed] < -np.expm1(-death_hazard(eng, followed, month) / 12.0)]
        full_formula_apply(eng, month)
        assert np.array_equal(serving[roster.exit[serving] == month], leaves)
        assert np.array_equal(followed[roster.later_fate_month[followed] == month], dies)
        counts["left"] += len(leaves)
        counts["died later"] += len(dies)

    engine.attrition.apply = checked_apply
    engine.run()
    assert counts["left"] > 500 and counts["died later"] > 50  # the check saw plenty of events


# -- gating: who is at risk of what --------------------------------------------

CERTAIN = 1000.0  # an annual hazard that strikes within the month: 1 - exp(-1000/12) == 1.0


def test_retirement_only_from_the_retirement_age(data_dir):
    scenario = homogeneous(data_dir, 1, attrition={"retirement_age": 45, "retirement_rate": CERTAIN})
    engine, records, _ = run(scenario)
    bio = records.biographies
    age = (month_index(START) - engine.roster.view("birth")) / 12
    assert (bio["exit_reason"].eq("retired").to_numpy() == (age >= 45)).all()
    assert 0 < (age >= 45).sum() < len(bio)


def test_defection_rate_applies_only_abroad(data_dir):
    scenario = homogeneous(data_dir, 1, attrition={"defection_rate_abroad": CERTAIN})
    _, records, abroad = run(scenario)
    defected = records.biographies["exit_reason"].eq("defected").to_numpy()
    assert (defected == abroad).all()
    assert 0 < defected.sum() < len(defected)


@pytest.mark.parametrize(
    ("table", "category", "column", "label"),
    [
        ("rank", "elite", "first_rank", "elite"),
        ("posting", "abroad", None, "abroad"),
        ("party", "pre_1917", "party_cohort", "pre_1917"),
        ("nationality", "jewish", "nationality", "jewish"),
    ],
)
def test_a_zero_multiplier_spares_its_category(data_dir, table, category, column, label):
    purge = {"enabled": True, "intensity": [["1921-01", CERTAIN]], "multipliers": {table: {category: 0.0}}}
    scenario = homogeneous(data_dir, 1, purge=purge)
    _, records, abroad = run(scenario)
    bio = records.biographies
    if column is None:
        in_category = abroad
    else:
        in_category = bio[column].eq(label).to_numpy()
    purged = bio["exit_reason"].eq("purged").to_numpy()
    assert in_category.any()
    assert not purged[in_category].any(), f"{table}.{category} = 0 but some were purged"
    assert purged[~in_category].all(), "everyone else faces a certain hazard"


def test_purge_hazard_is_intensity_times_the_multipliers(scenarios_dir):
    scenario = load_scenario(scenarios_dir / "historical.toml")
    engine = Engine(scenario, seed=4).populate()
    month = month_index("1937-09")  # the peak of the purge (F9)
    knots = scenario.purge.intensity
    intensity = np.interp(month, [month_index(d) for d, _ in knots], [v for _, v in knots])
    assert intensity > 0
    serving = engine.roster.with_status(SERVING)
    multipliers = scenario.purge.multipliers
    roster = engine.roster
    engine.purge._set_frailty(engine)
    assert roster.frailty[serving].std() > 0.5  # the historical scenario's risk is unequal

    def cohort(year: int) -> str:  # as of 1937: join year 0 = never
        if year == 0 or year > 1937:
            return "none"
        return "pre_1917" if year < 1917 else "civil_war" if year <= 1920 else "nep" if year < 1931 else "recent"

    expected = np.array(
        [
            intensity
            * getattr(multipliers.rank, RANKS[roster.rank[s]])
            * getattr(multipliers.party, cohort(int(roster.party_year[s])))
            * getattr(multipliers.posting, POSTINGS[int(roster.abroad[s])])
            * getattr(multipliers.nationality, NATIONALITIES[roster.nationality[s]])
            * roster.frailty[s]
            * (0.0 if engine.posts.appointed[roster.post[s]] else 1.0)  # the commissar: an appointment
            for s in serving
        ]
    )
    np.testing.assert_allclose(engine.purge.hazard(engine, serving, month), expected)
    # Association: those serving under a purged superior, for `months` months.
    head = int(np.flatnonzero(engine.posts.superior == 0)[-1])  # a head of mission
    under = engine.posts.holder[(engine.posts.superior == head) & (engine.posts.holder >= 0)]
    engine.purge._raise_association(engine, np.array([head]), month)
    others = np.setdiff1d(serving, under)
    after = engine.purge.hazard(engine, serving, month)
    position = np.searchsorted(serving, under)
    np.testing.assert_allclose(after[position], expected[position] * multipliers.association.multiplier)
    np.testing.assert_allclose(after[np.searchsorted(serving, others)], expected[np.searchsorted(serving, others)])
    later = engine.purge.hazard(engine, serving, month + multipliers.association.months + 1)
    np.testing.assert_allclose(later, expected)
    assert len(under) > 0


@pytest.mark.parametrize("dismissal_share", [0.0, 1.0])
def test_hq_wave_strikes_hq_staff_who_entered_before_it(data_dir, dismissal_share):
    # A two-month wave, 1930-03 and 1930-04. Transfers out make room for
    # recruits before the wave and during it.
    wave = [["1930-02", 0.0], ["1930-03", CERTAIN], ["1930-04", CERTAIN], ["1930-05", 0.0]]
    scenario = homogeneous(
        data_dir,
        5,
        attrition={"transfer_out_rate": 3.0},
        purge={"enabled": True, "hq_wave": wave, "hq_wave_dismissal_share": dismissal_share},
        replacement={"recruitment_capacity": [["1921-01", 100.0]], "recruitment_lag_months": 0},
    )
    wave_start = month_index("1930-03")
    engine = Engine(scenario).populate()
    roster = engine.roster
    struck_total = spared_recruits = 0
    while not engine.done:
        month = engine.month
        serving = roster.with_status(SERVING)
        exposed = serving[~roster.abroad[serving] & (roster.entry[serving] < wave_start)]
        engine.step()
        left = np.flatnonzero(roster.view("exit") == month)
        reasons = roster.exit_reason[left]
        struck = left[(reasons == EXIT_REASONS.index("dismissed")) | (reasons == EXIT_REASONS.index("purged"))]
        if month in (wave_start, wave_start + 1):
            # Everyone exposed left this month: struck by the wave, or transferred out just before it.
            assert np.isin(exposed, left).all()
            spared_recruits += int((roster.entry[serving] >= wave_start).sum())
        assert np.isin(struck, exposed).all(), "the wave struck someone abroad or one of its own recruits"
        expected_reason = "dismissed" if dismissal_share == 1.0 else "purged"
        assert (roster.exit_reason[struck] == EXIT_REASONS.index(expected_reason)).all()
        struck_total += len(struck)
    assert struck_total > 500
    assert spared_recruits > 0, "recruits of the wave's own months were serving during it"


def test_hq_wave_arrests_the_entrants_the_purge_spares_less_often(data_dir):
    # Everyone the wave strikes would be arrested (no dismissals), except that those who entered from 1929-01 on are
    # arrested with the entrants multiplier's chance, 0.5, and dismissed otherwise.
    wave = [["1930-02", 0.0], ["1930-03", CERTAIN], ["1930-04", CERTAIN], ["1930-05", 0.0]]
    scenario = homogeneous(
        data_dir,
        5,
        attrition={"transfer_out_rate": 3.0},
        purge={
            "enabled": True,
            "hq_wave": wave,
            "hq_wave_dismissal_share": 0.0,
            "multipliers": {"entrants": {"since": "1929-01", "multiplier": 0.5}},
        },
        replacement={"recruitment_capacity": [["1921-01", 100.0]], "recruitment_lag_months": 0},
    )
    _, records, _ = run(scenario)
    bio = records.biographies
    struck = bio[bio["exit_reason"].isin(["purged", "dismissed"])]
    entrants = struck["entry"] >= pd.Timestamp("1929-01-01")
    assert (struck.loc[~entrants, "exit_reason"] == "purged").all()
    arrested = (struck.loc[entrants, "exit_reason"] == "purged").mean()
    assert entrants.sum() > 100 and (~entrants).sum() > 100
    assert 0.35 < arrested < 0.65, f"{arrested:.2f} of the entrants struck by the wave were arrested, not about half"


@pytest.mark.parametrize("defection", [0.0, 1.0])
def test_recalled_from_abroad_defect_or_return_to_arrest(data_dir, defection):
    scenario = homogeneous(
        data_dir,
        1,
        purge={
            "enabled": True,
            "intensity": [["1921-01", CERTAIN]],
            "recall_defection_probability": defection,
            "outcomes": {"executed": 0.0, "imprisoned": 1.0, "exiled": 0.0},
        },
    )
    _, records, abroad = run(scenario)
    bio = records.biographies
    assert bio["recalled"].to_numpy().tolist() == abroad.tolist()
    assert (bio.loc[~abroad, "exit_reason"] == "purged").all()
    assert (bio.loc[abroad, "exit_reason"] == ("defected" if defection else "purged")).all()
    victims = bio["exit_reason"] == "purged"
    assert (bio.loc[victims, "purge_outcome"] == "imprisoned").all()
    assert bio.loc[~victims, "purge_outcome"].isna().all()


@pytest.mark.parametrize("left_service", [0.0, 1.0])
def test_the_followed_face_the_purge_times_left_service(data_dir, left_service):
    scenario = homogeneous(
        data_dir,
        12,
        attrition={"transfer_out_rate": 1.0},
        purge={"enabled": True, "intensity": [["1930-06", 0.0], ["1930-07", 2.0]], "multipliers": {"left_service": left_service}},
    )
    _, records, _ = run(scenario)
    bio = records.biographies
    later = bio["later_fate"] == "purged"
    if left_service == 0:
        assert not later.any()
    else:
        # Of those who transferred out before the purge began, a share
        # 1 - exp(-2 x 6 / 12) is caught in the six purge months.
        early = (bio["exit_reason"] == "transferred_out") & (bio["exit"] < pd.Timestamp("1930-07-01"))
        assert_binomial(later[early].mean(), 1 - math.exp(-2.0 * 6 / 12), int(early.sum()))
        assert (bio.loc[later, "later_fate_date"] >= pd.Timestamp("1930-07-01")).all()


@pytest.mark.parametrize("kept", [0.0, 0.5, 1.0])
def test_the_followed_keep_their_highest_rank_s_risk_to_the_power_rank_kept(data_dir, kept):
    rank = {"elite": 6.0, "middle": 3.0, "junior": 1.0}
    multipliers = {"left_service": 1.0, "rank": rank, "rank_kept_after_leaving": kept}
    scenario = homogeneous(
        data_dir,
        12,
        attrition={"transfer_out_rate": 5.0},  # most leave before the purge begins, the elite too
        purge={"enabled": True, "intensity": [["1930-06", 0.0], ["1930-07", 2.0]], "multipliers": multipliers},
    )
    _, records, _ = run(scenario)
    bio = records.biographies
    early = (bio["exit_reason"] == "transferred_out") & (bio["exit"] < pd.Timestamp("1930-07-01"))
    caught = bio["later_fate"] == "purged"
    for name, multiplier in rank.items():
        # Of those who held at most `name` and left before the purge, a share
        # 1 - exp(-2 x multiplier ** kept x 6 / 12) is caught in its six months.
        left = early & (bio["highest_rank"] == name)
        assert left.sum() > 50, name
        assert_binomial(caught[left].mean(), 1 - math.exp(-2.0 * multiplier**kept * 6 / 12), int(left.sum()))


# -- no purge in the no-purge scenario -----------------------------------------


@pytest.mark.parametrize("seed", [1, 8, 13])
def test_no_purge_scenario_has_no_purge_events(shipped_run, accounting, seed):
    _, records = shipped_run("no_purge", seed)
    bio = records.biographies
    assert not bio["exit_reason"].isin(["purged", "dismissed"]).any()
    assert not (bio["later_fate"] == "purged").any()
    assert not bio["recalled"].any()
    assert not bio["purged"].any()
    assert bio["purge_outcome"].isna().all()
    assert accounting.series(records, "recalls").sum() == 0
    exits = records.timeseries[records.timeseries["measure"] == "exits"]
    assert exits.loc[exits["series_group"].isin(["purged", "dismissed"]), "value"].sum() == 0
    # Ordinary attrition still runs, so the absence above is not vacuous.
    assert bio["exit_reason"].isin(["died", "retired", "transferred_out"]).sum() > 100


# -- replacement ---------------------------------------------------------------


def turnover(data_dir, months=24, **replacement):
    """Homogeneous scenario with heavy transfer out and the given replacement settings."""
    settings = {"recruitment_capacity": [["1921-01", 40.0]], **replacement}
    return homogeneous(data_dir, months, attrition={"transfer_out_rate": 0.6}, replacement=settings)


def test_recruits_enter_only_where_outside_entry_is_allowed(data_dir):
    closed, open_ = [["1921-01", 0.0]], [["1921-01", 1.0]]
    scenario = turnover(data_dir, outside_entry={"elite": closed, "middle": closed, "junior": open_})
    _, records, _ = run(scenario)
    bio = records.biographies
    recruits = bio[bio["entry"] >= pd.Timestamp(START + "-01")]
    assert len(recruits) > 100
    assert set(recruits["first_rank"]) == {"junior"}


def test_recruits_arrive_no_sooner_than_the_lag(data_dir, accounting):
    lag = 4
    engine, _, _ = run(turnover(data_dir, recruitment_lag_months=lag))
    intervals = accounting.post_intervals(engine).sort_values(["post", "start"])
    entry = engine.roster.view("entry")
    start = month_index(START)
    firsts = intervals.groupby("slot")["start"].transform("min") == intervals["start"]
    recruited = (entry[intervals["slot"]] >= start) & firsts
    previous_end = intervals.groupby("post")["end"].shift(1).fillna(start).to_numpy()  # never held: vacant from the start
    waited = intervals["start"].to_numpy() - np.maximum(previous_end, start)
    assert recruited.sum() > 100
    assert (waited[recruited.to_numpy()] >= lag).all()
    assert (waited[recruited.to_numpy()] == lag).any(), "with spare capacity some wait exactly the lag"


def test_recruitment_capacity_with_fractional_carry_over(data_dir, accounting):
    months = 24
    scenario = homogeneous(
        data_dir,
        months,
        attrition={"transfer_out_rate": 1.0},  # about 200 vacancies a month: the queue never empties
        replacement={
            "recruitment_capacity": [["1921-01", 2.5]],
            "recruitment_lag_months": 0,
            "promotion_probability": [["1921-01", 0.0]],
        },
    )
    _, records, _ = run(scenario)
    recruits = accounting.series(records, "recruits").to_numpy()
    assert set(recruits) == {2.0, 3.0}
    assert recruits.sum() == math.floor(2.5 * months)
    assert (np.cumsum(recruits) <= 2.5 * np.arange(1, months + 1)).all()


def test_new_generation_share_of_recruits(data_dir, accounting):
    share = 0.3
    _, records, _ = run(turnover(data_dir, new_generation_share=[["1921-01", share]]))
    new = accounting.series(records, "recruits", "new_generation").sum()
    total = accounting.series(records, "recruits").sum()
    assert_binomial(new / total, share, int(total))
    bio = records.biographies
    recruits = bio[bio["entry"] >= pd.Timestamp(START + "-01")]
    assert (recruits["profile"] == "new_generation").sum() == new


def test_promotion_waits_the_minimum_months_in_rank(data_dir, accounting):
    minimum = 18
    engine, records, _ = run(turnover(data_dir, min_months_in_rank=minimum, promotion_probability=[["1921-01", 1.0]]))
    intervals = accounting.post_intervals(engine)
    gap = intervals.groupby("slot")["start"].diff().dropna()
    assert accounting.series(records, "promotions").sum() == len(gap) > 50
    assert (gap >= minimum).all()


@pytest.mark.parametrize("order", ["seniority", "random"])
def test_promotion_order(data_dir, order):
    scenario = turnover(data_dir, min_months_in_rank=6, promotion_probability=[["1921-01", 1.0]], promotion_order=order)
    engine = Engine(scenario).populate()
    roster = engine.roster
    violations = checked = 0
    while not engine.done:
        month = engine.month
        engine.step()
        serving = roster.with_status(SERVING)
        moved_now = (roster.rank_since[serving] == month) & (roster.entry[serving] < month) & (roster.posts_held[serving] > 1)
        promoted = serving[moved_now]
        for rank in range(len(RANKS) - 1):
            moved = promoted[roster.rank[promoted] == rank]
            waiting = serving[(roster.rank[serving] == rank + 1) & (month - roster.rank_since[serving] >= 6)]
            if len(moved) and len(waiting):
                checked += 1
                violations += int(roster.entry[moved].max() > roster.entry[waiting].min())
    assert checked > 10
    if order == "seniority":
        assert violations == 0, "someone was promoted over a longer-serving eligible colleague"
    else:
        assert violations > 0, "random order should sometimes pass over seniority"
