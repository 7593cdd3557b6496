"""Random streams and recruit pools: a draw depends on seed, stream, month and slot only."""

import numpy as np
import pytest

from sim.model.categories import NEW_GENERATION_PROFILE, VETERANS_PROFILE
from sim.model.recruits import RecruitPool
from sim.model.streams import CHUNK, RECRUITS_PER_BLOCK, STREAMS, YEARLY_CHUNKS, RandomStreams
from sim.scenario.config import month_index
from sim.scenario.loader import load_scenario

MONTH = month_index("1937-05")


def test_a_slots_uniform_does_not_depend_on_how_the_roster_grew():
    grown = RandomStreams(7)
    for month in range(MONTH - 4, MONTH + 1):  # the roster grows chunk by chunk through the year
        latest = grown.uniforms("attrition", month, 100 + 300 * (month - MONTH + 4), count=2).copy()
    at_once = RandomStreams(7).uniforms("attrition", MONTH, 8 * CHUNK, count=2)
    assert latest.shape == (2, 1300)
    np.testing.assert_array_equal(latest, at_once[:, :1300])


def test_slots_beyond_the_yearly_ones_are_drawn_by_month_and_keep_their_values():
    size = YEARLY_CHUNKS * CHUNK + 2 * CHUNK + 5
    wide = RandomStreams(7).uniforms("purge", MONTH, size, count=3)
    narrow = RandomStreams(7).uniforms("purge", MONTH, YEARLY_CHUNKS * CHUNK + 10, count=3)
    np.testing.assert_array_equal(wide[:, : narrow.shape[1]], narrow)
    # Every slot gets fresh numbers: no chunk repeats another, and the values look uniform.
    assert len(np.unique(wide)) == wide.size
    assert abs(wide.mean() - 0.5) < 0.01


def test_streams_months_and_seeds_differ():
    streams = RandomStreams(7)
    a = streams.uniforms("attrition", MONTH, 50).copy()
    b = streams.uniforms("attrition", MONTH + 1, 50).copy()
    c = streams.uniforms("recall", MONTH, 50).copy()
    d = RandomStreams(8).uniforms("attrition", MONTH, 50)
    for other in (b, c, d):
        assert not np.array_equal(a, other)


def test_uniforms_are_read_only():
    draws = RandomStreams(7).uniforms("attrition", MONTH, 10)
    with pytest.raises(ValueError):
        draws[0, 0] = 0.5


@pytest.fixture(scope="module")
def profiles(scenarios_dir):
    return load_scenario(scenarios_dir / "base.toml").profiles


def test_recruit_k_is_the_same_person_whatever_the_others_are(profiles):
    few = RecruitPool(RandomStreams(3), profiles).people(MONTH, np.array([True, False, True]))
    many_flags = np.array([True, False, True, False] + [True] * (2 * RECRUITS_PER_BLOCK))
    many = RecruitPool(RandomStreams(3), profiles).people(MONTH, many_flags)
    assert len(many["birth"]) == len(many_flags)
    for name in few:
        np.testing.assert_array_equal(few[name], many[name][:3])
    assert (many["entry"] == MONTH).all()
    assert (many["profile"] == np.where(many_flags, NEW_GENERATION_PROFILE, VETERANS_PROFILE)).all()
    # Recruits in later positions are not copies of the first ones.
    assert len(np.unique(many["birth"])) > len(many_flags) // 2


def test_recruits_follow_their_profile(profiles):
    pool = RecruitPool(RandomStreams(3), profiles)
    ages = {}
    for flag in (False, True):
        born = np.concatenate([pool.people(month, np.full(10, flag))["birth"] - month for month in range(MONTH, MONTH + 24)])
        ages[flag] = -born.mean() / 12
    # F5/F6: veterans entered older than the new generation (profile means in scenarios/base.toml).
    # 240 people each; the age's standard deviation is at most 7 years, so 4 standard errors are 1.8 years.
    assert ages[False] == pytest.approx(profiles.veterans.age_at_entry.mean, abs=1.8)
    assert ages[True] == pytest.approx(profiles.new_generation.age_at_entry.mean, abs=1.8)
    assert ages[False] > ages[True]


@pytest.mark.parametrize(
    "root",
    [
        np.random.SeedSequence(1917),
        np.random.SeedSequence(0),
        np.random.SeedSequence(1917).spawn(3)[2],
        np.random.SeedSequence(2**200 + 5).spawn(2)[1].spawn(1)[0],
    ],
    ids=["int", "zero", "spawned", "wide-entropy-spawned-twice"],
)
def test_a_streams_generator_equals_the_plain_seed_sequence_child(root):
    """The shortcut that builds a child sequence from its entropy words must give numpy's own child."""
    streams = RandomStreams(root)
    assert streams._prefix is not None  # the shortcut applies to integer entropy
    for key in [(0,), (1, 1, 1921, 1, 256), (6, 2, 23999, 3, 16), (8, 1, 1945, 0, 2**32 - 1)]:
        plain = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key))
        assert np.array_equal(streams._sequence(*key).generate_state(8), plain.generate_state(8)), key
        expected = np.random.Generator(np.random.PCG64(plain)).random(5)
        assert np.array_equal(streams.generator(STREAMS[key[0]], *key[1:]).random(5), expected), key


def test_a_seed_the_shortcut_cannot_rebuild_keeps_the_plain_construction():
    root = np.random.SeedSequence([3, 1, 4])  # entropy given as a list of words
    streams = RandomStreams(root)
    assert streams._prefix is None
    plain = np.random.SeedSequence(root.entropy, spawn_key=(2, 7))
    assert np.array_equal(streams._sequence(2, 7).generate_state(4), plain.generate_state(4))
