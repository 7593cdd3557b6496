"""The compiled loops (sim/model/compiled/) give exactly what the pure-numpy rules give.

`Engine(compiled=False)` runs the reference implementation in sim/model/rules/;
the default runs the same rules with their hot loops compiled. Every output
must be identical: the monthly stocks and flows, every roster field of every
person ever on the roster, and the post history.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import RUN, scenarios

from sim.model.engine import Engine
from sim.model.roster import Roster
from sim.scenario.config import Scenario
from sim.scenario.loader import load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.toml"))


def _outputs(scenario: Scenario, seed: int, compiled: bool) -> dict[str, np.ndarray]:
    engine = Engine(scenario, seed, compiled=compiled).populate().run()
    slots, posts, months = engine.assignments()
    outputs = {field: engine.roster.view(field) for field in Roster.FIELDS}
    outputs |= {"stocks": np.asarray(engine.recorder.stocks), "flows": np.asarray(engine.recorder.flows)}
    outputs |= {"assigned slots": slots, "assigned posts": posts, "assignment months": months}
    outputs["assignments per call"] = np.array([len(entry[0]) for entry in engine.post_history])
    return outputs


def assert_same_outputs(scenario: Scenario, seed: int) -> None:
    compiled, reference = _outputs(scenario, seed, True), _outputs(scenario, seed, False)
    for name, expected in reference.items():
        np.testing.assert_array_equal(compiled[name], expected, err_msg=f"{scenario.name}, seed {seed}: {name}")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_rules_reproduce_the_numpy_rules_on_the_shipped_scenarios(path, seed):
    assert_same_outputs(load_scenario(path), seed)


def test_the_comparison_sees_a_difference():
    # The check above is only as good as its outputs: two seeds must differ in them.
    scenario = load_scenario(SCENARIOS[0])
    first, second = _outputs(scenario, 0, False), _outputs(scenario, 1, False)
    assert any(not np.array_equal(first[name], second[name]) for name in first)


@RUN
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_compiled_rules_reproduce_the_numpy_rules_on_any_valid_scenario(scenario, seed):
    assert_same_outputs(scenario, seed)
