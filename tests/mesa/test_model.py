"""`TurnoverModel` and `Diplomat`: the Mesa interface over the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import Diplomat, Engine, Run, TurnoverModel, load_scenario
from sim.records.run_records import collect

SHORT = {"time": {"start": "1921-01", "end": "1938-06"}}


@pytest.fixture(scope="module")
def scenario(scenarios_dir):
    return load_scenario(scenarios_dir / "historical.toml", overrides=SHORT)


def headcount(model: TurnoverModel) -> int:
    ts = model.records().timeseries
    return int(ts.loc[(ts["measure"] == "headcount") & (ts["series_group"] == "all"), "value"].iloc[-1])


def test_agents_are_the_people_serving(scenario):
    model = TurnoverModel(scenario, rng=2)
    serving = lambda: int((model.engine.posts.holder >= 0).sum())  # noqa: E731
    assert len(model.agents) == serving() > 0
    for _ in range(3):
        model.step()
        assert len(model.agents) == serving()
    # The stock recorded on the first of the next month is the agents now.
    model.step()
    expected = len(model.agents)
    model.step()
    assert headcount(model) == expected
    assert all(isinstance(agent, Diplomat) for agent in model.agents)
    assert {agent.slot for agent in model.agents} == set(model.engine.posts.holder[model.engine.posts.holder >= 0].tolist())


def test_agents_follow_the_purge(scenario):
    # Run through the 1937 deluge: agents leave and enter in numbers.
    model = TurnoverModel(scenario, rng=2)
    first = {agent.slot for agent in model.agents}
    model.run()
    now = {agent.slot for agent in model.agents}
    bio = model.records().biographies
    assert now == set(bio.loc[bio["serving_at_end"], "person_id"].tolist())
    assert len(first - now) > 100 and len(now - first) > 100


def test_diplomat_properties_agree_with_the_biographies(scenario):
    model = TurnoverModel(scenario, rng=2)
    for _ in range(12 * 16):  # into 1937
        model.step()
    bio = model.records().biographies.set_index("person_id")
    agents = list(model.agents)
    assert len(agents) > 400
    for agent in agents:
        row = bio.loc[agent.slot]
        assert agent.birth_year == row["birth"].year
        assert agent.entry_year == row["entry"].year
        assert agent.party_joined == (None if pd.isna(row["party_joined"]) else int(row["party_joined"]))
        assert agent.party_cohort == row["party_cohort"]
        assert agent.generation == row["generation"]
        assert agent.origin == row["origin"]
        assert agent.education == row["education"]
        assert agent.nationality == row["nationality"]
        assert agent.languages == row["languages"]
        assert agent.abroad_experience == row["abroad_experience"]
        assert agent.rank == row["last_rank"]
        assert agent.months_of_service == row["months_of_service"]
        assert row["serving_at_end"]
        # The last entry of the post history is the current post.
        last = row["post_history"].split("; ")[-1]
        label = model.engine.posts.label[agent.post]
        assert last.endswith(f"{label} {agent.rank}")
        assert label == (f"mission{agent.unit}" if agent.posting == "abroad" else label)
        assert label.startswith("mission") == (agent.posting == "abroad")
        assert model.engine.posts.holder[agent.post] == agent.slot


def test_collection_verbs_work_on_diplomats(scenario):
    model = TurnoverModel(scenario, rng=2)
    elite = model.agents.select(lambda d: d.rank == "elite")
    posts = model.engine.posts
    assert len(elite) == int(((posts.rank == 0) & (posts.holder >= 0)).sum())
    by_posting = model.agents.groupby("posting").count()
    assert sum(by_posting.values()) == len(model.agents)
    assert by_posting["abroad"] == int((posts.abroad & (posts.holder >= 0)).sum())


def test_running_turns_false_at_the_horizon(scenarios_dir):
    scenario = load_scenario(scenarios_dir / "no_purge.toml", overrides={"time": {"start": "1921-01", "end": "1921-12"}})
    model = TurnoverModel(scenario, rng=0)
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == 12
    assert model.date == "1922-01"
    assert model.engine.done


def test_model_and_bare_engine_give_identical_records(scenario):
    model = TurnoverModel(scenario, rng=9).run()
    engine = Engine(scenario, seed=9).populate().run()
    from_model, from_engine = model.records(), collect(engine)
    pd.testing.assert_frame_equal(from_model.timeseries, from_engine.timeseries)
    pd.testing.assert_frame_equal(from_model.biographies, from_engine.biographies)


def test_the_scenarios_seed_is_runs_default_and_an_explicit_rng_of_the_model(scenarios_dir):
    # The model follows Mesa (no rng: fresh entropy, tests/mesa/test_mesa_native.py);
    # Run and `cadres run` default to the scenario's seed.
    scenario = load_scenario(scenarios_dir / "no_purge.toml", overrides={"time": {"end": "1922-12"}, "seed": 77})
    by_run = Run(scenario).execute().records
    explicit = TurnoverModel(scenario, rng=scenario.seed).run().records()
    pd.testing.assert_frame_equal(by_run.biographies, explicit.biographies)


def test_model_accepts_a_spawned_seed_sequence(scenarios_dir):
    # The signature and STYLE.md promise replicate seeds from SeedSequence.spawn.
    scenario = load_scenario(scenarios_dir / "no_purge.toml", overrides={"time": {"end": "1922-12"}})
    seed = np.random.SeedSequence(4).spawn(3)[2]
    model = TurnoverModel(scenario, rng=seed).run()
    engine = Engine(scenario, seed=np.random.SeedSequence(4).spawn(3)[2]).populate().run()
    pd.testing.assert_frame_equal(model.records().biographies, collect(engine).biographies)
