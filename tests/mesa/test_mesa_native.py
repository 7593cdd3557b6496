"""`TurnoverModel` with Mesa's own tools: seeding by `rng=`, `batch_run`, the DataCollector, the horizon, agents."""

from __future__ import annotations

import inspect
import multiprocessing
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from sim import ConfigError, TurnoverModel, load_scenario
from sim.model.categories import EXIT_REASONS, PURGED

# The purge's height, two years from mid-1936: short runs for the batch runner.
PURGE_YEARS = {"time": {"start": "1936-07", "end": "1938-06"}}
OUTCOMES = ["serving", "purged", "new_generation_share", "vacant_posts"]


@pytest.fixture(scope="module")
def short(scenarios_dir):
    return load_scenario(scenarios_dir / "historical.toml", overrides=PURGE_YEARS)


@pytest.fixture(scope="module")
def tiny(scenarios_dir):
    return load_scenario(scenarios_dir / "no_purge.toml", overrides={"time": {"start": "1921-01", "end": "1921-06"}})


@pytest.fixture
def start_method():
    # batch_run forces the "spawn" start method on the whole process: put the previous one back.
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def biographies(model: TurnoverModel) -> pd.DataFrame:
    return model.records().biographies


def batch(model_params: dict, **options) -> pd.DataFrame:
    rows = mesa.batch_run(TurnoverModel, model_params, display_progress=False, **options)
    return pd.DataFrame(rows).sort_values("RunId").reset_index(drop=True)


# -- seeding ---------------------------------------------------------------


def test_an_int_rng_seeds_the_run_and_seed_is_its_alias(tiny):
    first = TurnoverModel(tiny, rng=3).run()
    assert first.seed_used == 3
    pd.testing.assert_frame_equal(biographies(first), biographies(TurnoverModel(tiny, rng=3).run()))
    pd.testing.assert_frame_equal(biographies(first), biographies(TurnoverModel(tiny, seed=3).run()))
    assert not biographies(first).equals(biographies(TurnoverModel(tiny, rng=4).run()))
    with pytest.raises(ValueError, match="seed is an alias of rng, give one of the two"):
        TurnoverModel(tiny, rng=3, seed=3)


def test_no_rng_is_fresh_entropy_recorded_so_the_run_can_be_repeated(tiny):
    a, b, default = TurnoverModel(tiny, rng=None).run(), TurnoverModel(tiny, rng=None).run(), TurnoverModel(tiny).run()
    assert len({a.seed_used, b.seed_used, default.seed_used}) == 3
    assert not biographies(a).equals(biographies(b))
    again = TurnoverModel(tiny, rng=a.seed_used).run()
    pd.testing.assert_frame_equal(biographies(a), biographies(again))


def test_a_generator_or_a_seed_sequence_seeds_the_run(tiny):
    from_generator = TurnoverModel(tiny, rng=np.random.default_rng(5))
    assert isinstance(from_generator.seed_used, int)
    assert from_generator.seed_used == TurnoverModel(tiny, rng=np.random.default_rng(5)).seed_used
    child = np.random.SeedSequence(4).spawn(2)[1]
    assert TurnoverModel(tiny, rng=child).seed_used is child


# -- the scenario argument -------------------------------------------------


def test_a_path_is_accepted(scenarios_dir):
    path = scenarios_dir / "no_purge.toml"
    expected = load_scenario(path)
    for given in (path, str(path)):
        assert TurnoverModel(given, rng=0).scenario_config == expected


@pytest.mark.parametrize(
    ("config", "rng", "error", "message"),
    [
        (5, 0, TypeError, r"^config: expected a Scenario or the path of a scenario file, got int 5$"),
        (("name", "x"), 0, TypeError, r"give it in a list, \{'config': \[scenario\]\}"),
        (None, "one", TypeError, r"^rng: expected an int >= 0, a numpy SeedSequence or Generator, or None"),
        (None, -1, TypeError, r"^rng: expected an int >= 0"),
    ],
)
def test_a_bad_argument_is_one_clear_error(tiny, config, rng, error, message):
    with pytest.raises(error, match=message) as raised:
        TurnoverModel(tiny if config is None else config, rng=rng)
    assert "\n" not in str(raised.value)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml") as raised:
        TurnoverModel(tmp_path / "missing.toml", rng=0)
    assert "\n" not in str(raised.value)


def test_the_project_scenario_does_not_take_mesas_name(tiny):
    assert "scenario" not in inspect.signature(TurnoverModel).parameters
    model = TurnoverModel(config=tiny, rng=0)
    assert model.scenario_config is tiny
    assert isinstance(model.scenario, mesa.experimental.scenarios.Scenario)


# -- the sweepable parameters ----------------------------------------------


def test_parameters_build_a_modified_scenario(short, scenarios_dir):
    model = TurnoverModel(short, rng=0, purge_scale=0.5, elite_multiplier=2.5)
    purge = model.scenario_config.purge
    assert [value for _, value in purge.intensity] == [0.5 * value for _, value in short.purge.intensity]
    assert purge.multipliers.rank.elite == 2.5
    assert model.engine.scenario is model.scenario_config
    assert TurnoverModel(short, rng=0, purge_scale=1.0, elite_multiplier=None).scenario_config is short
    gradual = load_scenario(scenarios_dir / "gradual_transition.toml", overrides=PURGE_YEARS)
    paced = TurnoverModel(gradual, rng=0, transition_pace=40).scenario_config
    assert paced.transition.new_generation_recruits_per_year == 40.0


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"purge_scale": -1}, r"^purge_scale: expected a finite number >= 0, got -1$"),
        ({"elite_multiplier": float("nan")}, r"^elite_multiplier: expected a finite number >= 0"),
        (
            {"transition_pace": 10},
            r"^transition_pace: the scenario 'historical' has no transition \(transition.enabled is false\)",
        ),
    ],
)
def test_a_bad_parameter_is_one_clear_error(short, parameters, message):
    with pytest.raises(ValueError, match=message):
        TurnoverModel(short, rng=0, **parameters)


# -- mesa.batch_run --------------------------------------------------------


def test_batch_run_iterations_give_different_runs_each_repeatable(short, start_method):
    with pytest.warns(DeprecationWarning, match="iterations"):  # Mesa 3.5 deprecates iterations for rng=[None] * n
        rows = batch({"config": [short]}, iterations=3)
    assert len(rows) == 3
    assert rows["seed_used"].nunique() == 3
    assert len(set(map(tuple, rows[OUTCOMES].to_numpy().tolist()))) > 1
    # Each row is the run of its recorded seed.
    again = TurnoverModel(short, rng=int(rows["seed_used"][0])).run()
    assert again.datacollector.get_model_vars_dataframe().iloc[-1][OUTCOMES].tolist() == rows.loc[0, OUTCOMES].tolist()


def test_batch_run_rng_gives_the_runs_of_those_seeds(short, start_method):
    by_argument = batch({"config": [short]}, rng=[0, 1])
    by_parameter = batch({"config": [short], "rng": [0, 1]})
    direct = [TurnoverModel(short, rng=seed).run().datacollector.get_model_vars_dataframe().iloc[-1] for seed in (0, 1)]
    for rows in (by_argument, by_parameter):
        assert rows["seed_used"].tolist() == [0, 1]
        assert rows[OUTCOMES].to_numpy().tolist() == [list(row[OUTCOMES]) for row in direct]


def test_batch_run_sweeps_the_purge_scale(short, start_method):
    rows = batch({"config": [short], "purge_scale": [0.5, 1.0]}, rng=[0])
    purged = dict(zip(rows["purge_scale"], rows["purged"], strict=True))
    assert 0 < purged[0.5] < purged[1.0]


def test_batch_run_in_two_processes_equals_one(short, start_method):
    parameters = {"config": [short], "elite_multiplier": [1.0, 4.0]}
    one = batch(parameters, rng=[0, 1], number_processes=1)
    two = batch(parameters, rng=[0, 1], number_processes=2)
    assert len(one) == 4
    pd.testing.assert_frame_equal(one.drop(columns="config"), two.drop(columns="config"))


# -- the DataCollector -----------------------------------------------------


def test_the_datacollector_reports_the_state_each_month(scenarios_dir):
    scenario = load_scenario(scenarios_dir / "historical.toml", overrides={"time": {"start": "1921-01", "end": "1938-06"}})
    model = TurnoverModel(scenario, rng=2)
    for _ in range(12 * 16 + 6):  # into the purge, with the new generation in service
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.steps + 1  # the start, then after each month
    assert frame["date"].iloc[0] == "1921-01" and frame["date"].iloc[-1] == model.date == "1937-07"
    # Now: the agents.
    last = frame.iloc[-1]
    agents = list(model.agents)
    assert last["serving"] == len(agents)
    assert last["vacant_posts"] == model.engine.posts.count - len(agents)
    assert last["new_generation_share"] == pytest.approx(np.mean([d.generation == "new_generation" for d in agents]))
    elite = [d for d in agents if d.rank == "elite"]
    assert last["elite_new_generation_share"] == pytest.approx(np.mean([d.generation == "new_generation" for d in elite]))
    bio = biographies(model)
    assert last["purged"] == int((bio["exit_reason"] == EXIT_REASONS[PURGED]).sum()) > 0
    # Every month: the recorded stocks.
    ts = model.records().timeseries
    stock = lambda measure, group: ts.loc[(ts["measure"] == measure) & (ts["series_group"] == group), "value"].to_numpy()  # noqa: E731
    months = len(stock("headcount", "all"))
    assert frame["serving"].iloc[:months].tolist() == stock("headcount", "all").tolist()
    np.testing.assert_allclose(frame["new_generation_share"].iloc[:months], stock("new_generation_share", "all"))
    np.testing.assert_allclose(frame["elite_new_generation_share"].iloc[:months], stock("new_generation_share", "elite"))
    assert frame["elite_new_generation_share"].iloc[-1] > 0


def test_agent_reporters_are_collected_when_asked(tiny):
    model = TurnoverModel(tiny, rng=0, agent_reporters={"rank": "rank", "age": "age"})
    at_start = len(model.agents)
    model.step()
    agents = model.datacollector.get_agent_vars_dataframe()
    assert len(agents) == at_start + len(model.agents)  # a row per agent and month
    assert set(agents["rank"]) == {"elite", "middle", "junior"}
    assert TurnoverModel(tiny, rng=0).datacollector.agent_reporters == {}


# -- the horizon -----------------------------------------------------------


def test_a_step_past_the_horizon_does_nothing(tiny):
    model = TurnoverModel(tiny, rng=0).run()
    assert not model.running and model.date == "1921-07"
    rows, records = len(model.datacollector.get_model_vars_dataframe()), biographies(model)
    model.step()
    assert not model.running and model.date == "1921-07"
    assert len(model.datacollector.get_model_vars_dataframe()) == rows == 7
    pd.testing.assert_frame_equal(biographies(model), records)


def test_run_for_and_run_until_past_the_end(tiny):
    model = TurnoverModel(tiny, rng=0)
    model.run_for(20)
    assert not model.running and model.engine.done and model.date == "1921-07"
    model = TurnoverModel(tiny, rng=0)
    model.run_until(30)
    assert not model.running and model.date == "1921-07"
    pd.testing.assert_frame_equal(biographies(model), biographies(TurnoverModel(tiny, rng=0).run()))


# -- the agents ------------------------------------------------------------


def test_diplomat_age_is_in_completed_years_at_the_models_date(tiny):
    model = TurnoverModel(tiny, rng=0)
    agent = next(iter(model.agents))
    birth = pd.Timestamp(biographies(model).set_index("person_id").loc[agent.slot, "birth"])
    now = pd.Timestamp(f"{model.date}-01")
    assert agent.age == ((now.year - birth.year) * 12 + now.month - birth.month) // 12
    ages = model.agents.get("age")
    assert min(ages) >= 18 and max(ages) < 100
    assert "age" in inspect.getdoc(type(agent)) and "status" in inspect.getdoc(type(agent))
    assert agent.status == "serving"


def test_writes_to_the_engines_state_are_refused(tiny):
    model = TurnoverModel(tiny, rng=0)
    agent = next(iter(model.agents))
    for name in ("rank", "age", "posting", "slot", "generation"):
        with pytest.raises(AttributeError, match=rf"^Diplomat\.{name} is read-only: the engine owns each person's state"):
            setattr(agent, name, "elite")
    with pytest.raises(AttributeError, match="the engine owns"):
        model.agents.set("rank", "elite")
    agent.note = "mine"  # other attributes, as on any Mesa agent
    assert agent.note == "mine"


def test_remove_is_refused_and_the_agents_stay_the_people_serving(tiny):
    model = TurnoverModel(tiny, rng=0)
    agent = next(iter(model.agents))
    with pytest.raises(RuntimeError, match=r"cannot be removed by hand: people leave service only through the model's rules"):
        agent.remove()
    assert agent in model.agents
    serving = int((model.engine.posts.holder >= 0).sum())
    assert len(model.agents) == serving
    model.run()
    assert len(model.agents) == int((model.engine.posts.holder >= 0).sum())


def test_stepping_agents_one_by_one_is_refused(tiny):
    model = TurnoverModel(tiny, rng=0)
    with pytest.raises(RuntimeError, match=r"agents are not stepped one by one.*model\.step\(\)"):
        model.agents.shuffle_do("step")


def test_a_kept_handle_says_the_person_left(short):
    model = TurnoverModel(short, rng=0)
    kept = list(model.agents)
    model.run()
    gone = [agent for agent in kept if agent not in model.agents]
    assert gone and {agent.status for agent in gone} <= {"left", "gone"}
    assert "gone" in {agent.status for agent in gone}


def test_the_readme_example_runs(scenarios_dir, monkeypatch):
    monkeypatch.chdir(Path(scenarios_dir).parent)
    model = TurnoverModel("scenarios/no_purge.toml", rng=1)
    model.step()
    assert len(model.agents.select(lambda d: d.rank == "elite")) > 0
