"""The virtual historian's classification on hand-built biographies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.historian import CATEGORIES, observe
from calibration.spells import ONGOING, Spells, serving_at
from calibration.statistics import measure
from sim.model.streams import RandomStreams
from sim.scenario.config import Historian, month_index

NOT = pd.NaT


def person(history, entry, exit=NOT, reason=None, later=None, later_date=NOT, party="nep", birth="1895-01", profile="veterans"):
    """One biography row; dates as "YYYY-MM"."""
    purged = reason == "purged" or later == "purged"
    return {
        "post_history": history,
        "profile": profile,
        "birth": pd.Timestamp(birth),
        "entry": pd.Timestamp(entry),
        "exit": pd.Timestamp(exit) if exit is not NOT else NOT,
        "exit_reason": reason,
        "later_fate": later,
        "later_fate_date": pd.Timestamp(later_date) if later_date is not NOT else NOT,
        "purged": purged,
        "party_cohort": party,
        "recalled": False,
    }


PEOPLE = {
    "elite_purged_1937": person("1922-01 hq0 elite", "1922-01", "1937-05", "purged"),
    "middle_purged_1935": person("1925-01 hq3 middle", "1925-01", "1935-03", "purged"),
    "junior_left_then_purged_1938": person(
        "1926-01 mission20 junior", "1926-01", "1932-01", "transferred_out", "purged", "1938-02"
    ),
    "junior_died_1930": person("1921-03 hq5 junior", "1921-03", "1930-06", "died"),
    "junior_died_after_leaving_1933": person("1921-03 hq5 junior", "1921-03", "1928-06", "retired", "died", "1933-01"),
    "middle_defected_1929": person("1924-01 mission12 middle", "1924-01", "1929-11", "defected"),
    "middle_survivor_serving": person("1923-01 hq2 middle; 1930-01 hq2 elite", "1923-01"),
    "junior_survivor_left_1938": person("1927-01 hq4 junior", "1927-01", "1938-04", "transferred_out"),
    "junior_survivor_dismissed_1939": person("1928-01 hq4 junior", "1928-01", "1939-06", "dismissed"),
    "promoted_to_elite_1933": person("1929-06 hq6 middle; 1933-01 hq0 elite", "1929-06"),
    "entered_1931": person("1931-02 hq1 junior", "1931-02", "1937-08", "purged"),
}


@pytest.fixture
def biographies() -> pd.DataFrame:
    frame = pd.DataFrame(list(PEOPLE.values()))
    frame.insert(0, "person_id", np.arange(len(frame)))
    frame.index = list(PEOPLE)
    return frame


def historian(career=1.0, purged=1.0, survived=1.0, died=1.0, **odds) -> Historian:
    return Historian(
        career={"elite": career, "middle": career, "junior": career},
        victim_odds=odds.get("victim_odds", 1.0),
        abroad_odds=odds.get("abroad_odds", 1.0),
        prominence_odds=odds.get("prominence_odds", 1.0),
        fate_known={"purged": purged, "survived": survived, "died_or_defected": died},
        elite_fate_odds=odds.get("elite_fate_odds", 1.0),
    )


def categories(biographies: pd.DataFrame, observer: Historian, seed: int = 0) -> dict[str, str]:
    observed = observe(biographies, observer, seed)
    names = dict(zip(biographies["person_id"], biographies.index, strict=True))
    return {names[pid]: str(category) for pid, category in zip(observed["person_id"], observed["category"], strict=True)}


def test_population_is_everyone_who_held_a_post_in_the_1920s(biographies):
    observed = observe(biographies, historian(), 0)
    names = set(biographies.index[observed["person_id"]])
    assert names == set(PEOPLE) - {"entered_1931"}
    elite = set(biographies.index[observed.loc[observed["elite"], "person_id"]])
    assert elite == {"elite_purged_1937"}  # promoted to elite only in 1930 or 1933: not the 1920s elite
    abroad = set(biographies.index[observed.loc[observed["abroad"], "person_id"]])
    assert abroad == {"junior_left_then_purged_1938", "middle_defected_1929"}


def test_full_documentation_reports_the_true_fates(biographies):
    seen = categories(biographies, historian())
    assert seen["elite_purged_1937"] == seen["middle_purged_1935"] == seen["junior_left_then_purged_1938"] == "definitely_purged"
    assert (
        seen["junior_died_1930"] == seen["junior_died_after_leaving_1933"] == seen["middle_defected_1929"] == "died_or_defected"
    )
    for name in (
        "middle_survivor_serving",
        "junior_survivor_left_1938",
        "junior_survivor_dismissed_1939",
        "promoted_to_elite_1933",
    ):
        assert seen[name] == "not_purged", name


def test_career_without_fate_is_read_from_where_the_record_stops(biographies):
    seen = categories(biographies, historian(purged=0.0, survived=0.0, died=0.0))
    assert seen["elite_purged_1937"] == "likely_purged"  # stops at the arrest, 1937
    assert seen["junior_left_then_purged_1938"] == "likely_purged"  # followed into another post until 1938
    assert seen["middle_purged_1935"] == "unaccounted"  # stops in 1935: not at the height of the terror
    assert seen["junior_survivor_left_1938"] == "likely_purged"  # the historian's mistake the source warns of
    assert seen["junior_survivor_dismissed_1939"] == "unaccounted"
    assert seen["middle_survivor_serving"] == seen["promoted_to_elite_1933"] == "not_purged"  # still serving in 1940
    assert seen["junior_died_1930"] == seen["middle_defected_1929"] == "unaccounted"


def test_no_career_data_leaves_only_recorded_deaths_and_defections(biographies):
    seen = categories(biographies, historian(career=0.0))
    died = {"junior_died_1930", "junior_died_after_leaving_1933", "middle_defected_1929"}
    assert {name for name, category in seen.items() if category == "died_or_defected"} == died
    assert all(category == "unaccounted" for name, category in seen.items() if name not in died)


def test_draws_come_from_the_observation_stream(biographies):
    observer = historian(career=0.5, purged=0.5, survived=0.5, died=0.5)
    observed = observe(biographies, observer, 42)
    draws = RandomStreams(42).generator("observation", 0)
    career_draw, fate_draw = draws.random(len(biographies)), draws.random(len(biographies))
    positions = observed["person_id"].to_numpy()
    non_death = observed["fate"].to_numpy() != "died_or_defected"
    np.testing.assert_array_equal(observed["career_data"], career_draw[positions] < 0.5)
    expected_known = (career_draw[positions] < 0.5) & (fate_draw[positions] < 0.5)
    np.testing.assert_array_equal(observed["fate_known"][non_death], expected_known[non_death])
    pd.testing.assert_frame_equal(observed, observe(biographies, observer, 42))


def test_odds_raise_documentation_of_victims():
    many = pd.DataFrame([person("1925-01 hq3 junior", "1925-01", "1937-05", "purged")] * 4000)
    many.insert(0, "person_id", np.arange(len(many)))
    plain = observe(many, historian(career=0.2), 3)["career_data"].mean()
    favoured = observe(many, historian(career=0.2, victim_odds=4.0), 3)["career_data"].mean()
    assert plain == pytest.approx(0.2, abs=0.02)
    assert favoured == pytest.approx(0.5, abs=0.02)  # odds 0.25 x 4 = 1


def test_elite_fate_odds_raise_documentation_of_elite_fates_only():
    elite = person("1925-01 hq0 elite", "1925-01", "1937-05", "purged")
    junior = person("1925-01 hq3 junior", "1925-01", "1937-05", "purged")
    many = pd.DataFrame([elite, junior] * 2000)
    many.insert(0, "person_id", np.arange(len(many)))
    for odds, expected_elite in ((1.0, 0.2), (4.0, 0.5)):  # odds 0.25 x 4 = 1
        observed = observe(many, historian(purged=0.2, elite_fate_odds=odds), 3)
        known = observed.groupby("elite")["fate_known"].mean()
        assert known[True] == pytest.approx(expected_elite, abs=0.03)
        assert known[False] == pytest.approx(0.2, abs=0.03)


def test_spells_give_post_at_a_date(biographies):
    spells = Spells.from_biographies(biographies)
    abroad, rank = spells.at("1931-01")
    position = list(PEOPLE).index("middle_survivor_serving")
    assert rank[position] == 0 and not abroad[position]  # elite since 1930
    assert rank[list(PEOPLE).index("entered_1931")] == -1


def frame(*people: dict) -> pd.DataFrame:
    """Biographies of `people`, person ids their row positions."""
    rows = pd.DataFrame(list(people))
    rows.insert(0, "person_id", np.arange(len(rows)))
    return rows


def test_f4_population_of_1_may_1939_leaves_out_who_entered_in_may():
    """Serving on the first of a month: entered before it, not left before it (the model's stocks)."""
    people = frame(
        person("1930-01 hq1 middle", "1930-01", "1939-06", "dismissed"),  # left in June: gone by 1 Sep
        person("1939-05 hq2 junior", "1939-05"),  # entered in May 1939: not serving on 1 May, stays
        person("1931-01 hq3 junior", "1931-01", "1939-05", "dismissed"),  # left in May: serving on 1 May
    )
    np.testing.assert_array_equal(serving_at(people, "1939-05"), [True, False, True])
    np.testing.assert_array_equal(serving_at(people, "1939-06"), [True, True, False])
    values = measure(people, historian(), 0)
    assert values["hq_staff_1939_05:gone_by_1939_08"] == 1.0  # counting the May entrant: 2 of 3
    assert values["hq_minor_1939_05:gone_by_1939_08"] == 1.0


def test_the_post_on_the_first_of_a_month_is_the_one_begun_before_it():
    people = frame(
        person("1932-01 hq1 junior; 1939-05 mission2 middle", "1932-01"),  # sent abroad in May: at HQ on 1 May
        person("1939-05 hq2 junior", "1939-05"),
    )
    spells = Spells.from_biographies(people)
    abroad, rank = spells.at("1939-05")
    np.testing.assert_array_equal(rank, [2, -1])
    np.testing.assert_array_equal(abroad, [False, False])
    abroad, rank = spells.at("1939-06")
    np.testing.assert_array_equal(rank, [1, 2])
    np.testing.assert_array_equal(abroad, [True, False])
    np.testing.assert_array_equal(spells.end, [month_index("1939-05"), ONGOING, ONGOING])


def test_measure_shares_add_up(biographies):
    values = measure(biographies, historian(career=0.5, purged=0.5, survived=0.5, died=0.5), 7)
    assert sum(values[f"staff_1920s:{name}"] for name in CATEGORIES) == pytest.approx(1.0)
    assert values["staff_1920s:purged_true"] == pytest.approx(3 / 10)
    assert values["purge_arrests:first_year"] == pytest.approx(1935 + 2 / 12)
