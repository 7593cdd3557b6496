"""Party cohorts and generations at their boundaries (sim/model/generations.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.categories import GENERATIONS, PARTY_COHORTS
from sim.model.generations import generation, party_cohort
from sim.scenario.config import month_index


def cohort_of(year: int, as_of_year: int | None = None) -> str:
    return PARTY_COHORTS[int(party_cohort(np.array([year]), as_of_year=as_of_year)[0])]


def generation_of(party_year: int, entry: str, new_profile: bool = True) -> str:
    codes = generation(np.array([party_year]), np.array([month_index(entry)]), np.array([new_profile]))
    return GENERATIONS[int(codes[0])]


@pytest.mark.parametrize(
    ("year", "cohort"),
    [
        (1898, "pre_1917"),
        (1916, "pre_1917"),
        (1917, "civil_war"),
        (1920, "civil_war"),
        (1921, "nep"),
        (1930, "nep"),
        (1931, "recent"),
        (1938, "recent"),
        (0, "none"),
    ],
)
def test_party_cohort_boundaries(year, cohort):
    assert cohort_of(year) == cohort


@pytest.mark.parametrize(
    ("year", "as_of", "cohort"),
    [
        (1938, 1937, "none"),  # not yet a member in 1937
        (1938, 1938, "recent"),  # a member from the year of joining
        (1916, 1916, "pre_1917"),
        (1921, 1920, "none"),
        (0, 1950, "none"),
    ],
)
def test_party_cohort_as_of_a_year(year, as_of, cohort):
    assert cohort_of(year, as_of_year=as_of) == cohort


@pytest.mark.parametrize(
    ("party_year", "entry", "new_profile", "expected"),
    [
        # Party tenure decides first: pre-1917 and 1917-1920 members, whenever they entered.
        (1916, "1925-06", False, "old_bolsheviks"),
        (1916, "1937-06", True, "old_bolsheviks"),
        (1917, "1925-06", False, "civil_war_bolsheviks"),
        (1920, "1937-06", True, "civil_war_bolsheviks"),
        # 1921 is past the civil war: the entry date and profile decide.
        (1921, "1937-06", True, "new_generation"),
        (1921, "1925-06", False, "specialists_1920s"),
        # Entry: 1930-12 is before the new generation, 1931-01 is in it.
        (1925, "1930-12", True, "specialists_1920s"),
        (1925, "1931-01", True, "new_generation"),
        (0, "1930-12", True, "specialists_1920s"),
        (0, "1931-01", True, "new_generation"),
        # A 1931-or-later recruit of the veterans' profile stays a specialist.
        (0, "1933-01", False, "specialists_1920s"),
        (1932, "1937-06", False, "specialists_1920s"),
    ],
)
def test_generation_boundaries(party_year, entry, new_profile, expected):
    assert generation_of(party_year, entry, new_profile) == expected


def test_generation_is_elementwise_and_accepts_a_scalar_profile():
    party = np.array([1910, 1919, 1925, 0, 0], dtype=np.int16)
    entry = np.array([month_index(d) for d in ("1921-03", "1921-03", "1929-01", "1931-01", "1945-12")])
    names = [GENERATIONS[c] for c in generation(party, entry, True)]
    assert names == ["old_bolsheviks", "civil_war_bolsheviks", "specialists_1920s", "new_generation", "new_generation"]
    assert (generation(party, entry, np.ones(5, dtype=bool)) == generation(party, entry, True)).all()
    assert party_cohort(party).shape == party.shape


def reference_generation(party_year: int, entry_year: int, new_profile: bool) -> str:
    """The rule of the module docstring, written out case by case."""
    if 0 < party_year < 1917:
        return "old_bolsheviks"
    if 1917 <= party_year <= 1920:
        return "civil_war_bolsheviks"
    if entry_year >= 1931 and new_profile:
        return "new_generation"
    return "specialists_1920s"


@settings(max_examples=200, deadline=None)
@given(
    party=st.lists(st.one_of(st.just(0), st.integers(1890, 1945)), min_size=1, max_size=20),
    data=st.data(),
)
def test_generation_follows_the_documented_rule(party, data):
    n = len(party)
    entry = data.draw(st.lists(st.integers(month_index("1915-01"), month_index("1945-12")), min_size=n, max_size=n))
    profile = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    codes = generation(np.array(party, dtype=np.int16), np.array(entry), np.array(profile))
    expected = [reference_generation(p, e // 12, f) for p, e, f in zip(party, entry, profile, strict=True)]
    assert [GENERATIONS[c] for c in codes] == expected
