"""The pattern statistics (calibration/patterns.py) on hand-built biographies whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_historian import frame, historian, person

from calibration import patterns
from calibration.measures import MEASURES
from calibration.spells import Spells
from calibration.statistics import measure


def spells(people):
    return Spells.from_biographies(people)


# -- F4, F8: the commissar --

LITVINOV = person("1921-01 hq0 elite; 1930-07 commissar elite", "1921-01", "1939-05", "dismissed")
MOLOTOV = person("1939-05 commissar elite", "1939-05")


def test_the_commissar_kept_to_may_1939_and_surviving_is_continuity():
    people = frame(LITVINOV, MOLOTOV)
    assert patterns.commissar_continuity(people, spells(people)) == 1.0
    assert patterns.commissar_vacant_months(spells(people), "1937-01", "1939-12") == 0.0  # handed over within May


def test_a_commissar_interrupted_replaced_early_or_late_or_purged_breaks_continuity():
    interrupted = person(
        "1930-07 commissar elite; 1938-03 deputy elite; 1938-06 commissar elite", "1930-07", "1939-05", "dismissed"
    )
    early = person("1930-07 commissar elite", "1930-07", "1939-04", "dismissed")
    late = person("1930-07 commissar elite", "1930-07", "1939-06", "dismissed")
    purged_later = person("1930-07 commissar elite", "1930-07", "1939-05", "dismissed", "purged", "1941-02")
    for commissar in (interrupted, early, late, purged_later):
        people = frame(commissar, MOLOTOV)
        assert patterns.commissar_continuity(people, spells(people)) == 0.0, commissar["post_history"]


def test_vacant_months_are_the_months_that_begin_with_no_commissar():
    gone = person("1930-07 commissar elite; 1938-03 deputy elite", "1930-07")  # deputy from March 1938
    successor = person("1938-05 commissar elite", "1938-05")  # counts from 1 Jun 1938
    people = frame(gone, successor)
    assert patterns.commissar_continuity(people, spells(people)) == 0.0
    assert patterns.commissar_vacant_months(spells(people), "1937-01", "1939-12") == 2.0  # 1 Apr and 1 May 1938


def test_no_commissar_on_1_january_1937_is_nan():
    appointed_in_january = person("1937-01 commissar elite", "1937-01")  # not in post on the first of the month
    people = frame(appointed_in_january, person("1925-01 hq2 middle", "1925-01"))
    assert math.isnan(patterns.commissar_continuity(people, spells(people)))
    assert patterns.commissar_vacant_months(spells(people), "1937-01", "1939-12") == 1.0
    assert patterns.commissar_vacant_months(spells(frame(person("1925-01 hq2 middle", "1925-01"))), "1937-01", "1939-12") == 36


# -- F8: the surviving nucleus --


def test_the_surviving_nucleus_counts_the_elite_of_1937_neither_purged_nor_defected_by_1940():
    people = frame(
        LITVINOV,  # dismissed 1939: survives
        person("1930-01 mission1 elite", "1930-01", "1937-08", "purged"),
        person("1930-01 mission2 elite", "1930-01", "1938-07", "defected"),
        person("1930-01 mission3 elite", "1930-01", "1938-01", "transferred_out", "purged", "1939-03"),  # purged later
        person("1930-01 mission4 elite", "1930-01", "1938-01", "retired", "purged", "1941-02"),  # purged after 1939
        person("1930-01 hq2 elite", "1930-01", "1938-04", "died"),  # death counts as survival
        person("1930-01 hq2 middle; 1937-06 hq2 elite", "1930-01"),  # elite only from June 1937
        person("1937-01 mission5 elite", "1937-01"),  # entered in January 1937: not in post on the first
        person("1930-01 mission6 elite", "1930-01", "1936-12", "retired"),  # gone before 1937
        person("1930-01 mission7 elite", "1930-01", "1937-01", "dismissed"),  # left in January: in post on the first
    )
    assert patterns.surviving_elite(people, spells(people), "1937-01", "1939-12") == 4.0  # rows 0, 4, 5 and 9


def test_no_elite_on_1_january_1937_is_nan():
    people = frame(person("1930-01 hq2 middle", "1930-01"), person("1937-03 hq0 elite", "1937-03"))
    assert math.isnan(patterns.surviving_elite(people, spells(people), "1937-01", "1939-12"))


# -- F7: purged by date of entry --


def test_entrants_purged_by_1939_by_year_of_entry():
    people = frame(
        person("1931-01 hq1 junior", "1931-01", "1937-05", "purged"),
        person("1933-06 hq1 junior", "1933-06", "1938-01", "transferred_out", "purged", "1939-12"),  # later, by 1939
        person("1935-06 hq1 junior", "1935-06", "1938-01", "transferred_out", "purged", "1940-01"),  # too late
        person("1936-12 hq1 junior", "1936-12"),
        person("1930-12 hq1 junior", "1930-12", "1937-05", "purged"),  # entered before 1931
        person("1937-01 hq1 junior", "1937-01", "1938-05", "purged"),
        person("1938-12 hq1 junior", "1938-12"),
        person("1939-01 hq1 junior", "1939-01", "1939-06", "purged"),  # entered after 1938
    )
    assert patterns.entrants_purged(people, "1931-01", "1936-12", "1939-12") == 0.5
    assert patterns.entrants_purged(people, "1937-01", "1938-12", "1939-12") == 0.5
    assert math.isnan(patterns.entrants_purged(people, "1920-01", "1929-12", "1939-12"))


# -- F9: the peak of the arrests --


def test_the_peak_is_the_month_of_most_arrests_in_service_the_earliest_of_ties():
    arrests = ["1936-01", "1938-02", "1937-03", "1938-02", "1937-03"]
    later = [person("1930-01 hq1 junior", "1930-01", "1935-01", "retired", "purged", "1939-01")] * 3  # not in service
    people = frame(*[person("1930-01 hq1 junior", "1930-01", month, "purged") for month in arrests], *later)
    assert patterns.purge_peak(people) == pytest.approx(1937 + 2 / 12)
    one_more = frame(*[person("1930-01 hq1 junior", "1930-01", month, "purged") for month in [*arrests, "1938-02"]])
    assert patterns.purge_peak(one_more) == pytest.approx(1938 + 1 / 12)
    assert math.isnan(patterns.purge_peak(frame(*later)))

    # Outside 1937-01..1938-06 the busiest month has 1 arrest (1936-01), inside 2 (1938-02 and 1937-03).
    assert patterns.peak_outside_ratio(people, "1937-01", "1938-06") == pytest.approx(0.5)
    wave = frame(*[person("1930-01 hq1 junior", "1930-01", m, "purged") for m in [*arrests, *["1939-05"] * 3]])
    assert patterns.peak_outside_ratio(wave, "1937-01", "1938-06") == pytest.approx(1.5)  # the peak is outside
    assert math.isnan(patterns.peak_outside_ratio(frame(*later), "1937-01", "1938-06"))


# -- F4: the re-staffing of headquarters in 1939 --

RESTAFFING = (
    person("1930-01 hq1 middle", "1930-01", "1939-06", "dismissed"),  # May: HQ; August: gone
    person("1930-01 hq1 middle", "1930-01"),  # both dates, an old post
    person("1930-01 mission3 elite; 1939-06 hq1 middle", "1930-01"),  # May: abroad; August: HQ, new post
    person("1939-05 hq2 junior", "1939-05"),  # entered in May: August only, new
    person("1935-01 hq2 junior", "1935-01", "1939-05", "purged"),  # left in May: May only
    person("1936-01 hq2 junior; 1939-07 hq3 middle", "1936-01"),  # both dates, a new post in July
    person("1939-08 hq2 junior", "1939-08"),  # entered in August: neither date
    person("1930-01 hq1 middle; 1939-04 hq2 middle", "1930-01"),  # both dates, post begun in April: not new
    person("1930-01 mission2 middle", "1930-01"),  # abroad throughout
)


def test_headquarters_headcount_ratio_and_new_incumbents():
    people = frame(*RESTAFFING)
    np.testing.assert_array_equal(np.flatnonzero(patterns.headquarters(people, spells(people), "1939-05")), [0, 1, 4, 5, 7])
    np.testing.assert_array_equal(np.flatnonzero(patterns.headquarters(people, spells(people), "1939-08")), [1, 2, 3, 5, 7])
    assert patterns.headquarters_ratio(people, spells(people), "1939-08", "1939-05") == 1.0
    assert patterns.new_incumbents(people, spells(people), "1939-08", "1939-05") == pytest.approx(3 / 5)
    fewer = frame(*RESTAFFING[:3], *RESTAFFING[4:])  # without the May entrant
    assert patterns.headquarters_ratio(fewer, spells(fewer), "1939-08", "1939-05") == pytest.approx(4 / 5)
    assert patterns.new_incumbents(fewer, spells(fewer), "1939-08", "1939-05") == pytest.approx(2 / 4)


def test_no_headquarters_staff_is_nan():
    people = frame(person("1930-01 mission2 middle", "1930-01"))
    assert math.isnan(patterns.headquarters_ratio(people, spells(people), "1939-08", "1939-05"))
    assert math.isnan(patterns.new_incumbents(people, spells(people), "1939-08", "1939-05"))


# -- F6: the recruits' ages --


def test_recruits_ages_at_entry():
    people = frame(
        person("1937-01 hq1 junior", "1937-01", birth="1905-01", profile="new_generation"),  # 32
        person("1938-07 hq1 junior", "1938-07", birth="1903-07", profile="new_generation"),  # 35
        person("1937-03 hq1 junior", "1937-03", birth="1887-03"),  # a veteran of exactly 50
        person("1937-03 hq1 junior", "1937-03", birth="1887-04"),  # 49 and 11 months
        person("1939-02 hq1 junior", "1939-02", birth="1899-02", profile="new_generation"),  # 40, but in 1939
        person("1936-12 hq1 junior", "1936-12", birth="1876-12", profile="new_generation"),  # 60, but in 1936
    )
    assert patterns.mean_age_at_entry(people, "1937-01", "1938-12", "new_generation") == pytest.approx(33.5)
    assert patterns.share_entering_aged(people, "1937-01", "1939-12", 50) == pytest.approx(1 / 5)
    assert math.isnan(patterns.mean_age_at_entry(people, "1937-01", "1938-12", "nobody"))
    assert math.isnan(patterns.share_entering_aged(people, "1940-01", "1940-12", 50))


# -- the registry --


def test_measure_gives_every_population_and_category_of_measures():
    people = frame(LITVINOV, MOLOTOV, *RESTAFFING)
    values = measure(people, historian(), 0)
    assert set(values) == {f"{population}:{category}" for population, categories in MEASURES.items() for category in categories}
    assert values["commissar_1937_01:holds_to_1939_05"] == 1.0
    assert values["hq_staff_1939_05:headcount_ratio_1939_08"] == 1.0
    assert values["hq_staff_1939_08:new_since_1939_05"] == pytest.approx(4 / 6)  # Molotov too
    assert values["elite_1937_01:survivors_1939"] == 2.0  # Litvinov and the elite abroad of RESTAFFING (index 2)
