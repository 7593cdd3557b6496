"""The SolaraViz page of `cadres app`, served by `solara run sim.app.page`.

The scenarios offered are the files of the directory named by the
environment variable `CADRES_APP_SCENARIOS` (set by `cadres app
--scenarios DIR`), by default the shipped `scenarios/`. Each browser session
gets a model of its own.
"""

from __future__ import annotations

import os

import solara
from mesa.visualization import Slider, SolaraViz

from sim.app.catalogue import SHIPPED, Catalogue
from sim.app.components import COMPONENTS
from sim.app.model import NO_COMPARISON, AppModel
from sim.scenario.loader import load_scenario

SCENARIOS_VARIABLE = "CADRES_APP_SCENARIOS"
COMPARE_FIRST = "gradual_transition"  # the F10 question: the purge against a gradual transition
MAX_SEED = 9999
NAME = "Cadres: the Narkomindel in the Great Purges"


def model_parameters(catalogue: Catalogue) -> dict:
    """SolaraViz's controls, each a keyword of `AppModel`; the fixed `scenarios` is the catalogue's directory."""
    seed = load_scenario(catalogue.path(catalogue.default)).seed
    others = [*catalogue.names, NO_COMPARISON]
    return {
        "config": {"type": "Select", "value": catalogue.default, "values": list(catalogue.names), "label": "Scenario"},
        "compare_with": {
            "type": "Select",
            "value": COMPARE_FIRST if COMPARE_FIRST in catalogue.names else NO_COMPARISON,
            "values": others,
            "label": "Side by side with (same seed)",
        },
        "rng": Slider("Seed (both runs)", value=seed, min=0, max=max(MAX_SEED, seed), step=1),
        "purge_scale": Slider("Purge intensity (× the scenario's)", value=1.0, min=0.0, max=3.0, step=0.1),
        "elite_scale": Slider("Elite's purge risk (× the scenario's)", value=1.0, min=0.0, max=3.0, step=0.1),
        "pace_scale": Slider("Transition pace (× the scenario's recruits a year)", value=1.0, min=0.0, max=3.0, step=0.1),
        "scenarios": str(catalogue.directory),
    }


def _first_model(parameters: dict) -> AppModel:
    values = {name: option if isinstance(option, str) else _value(option) for name, option in parameters.items()}
    return AppModel(**values)


def _value(option: dict | Slider) -> object:
    return option.value if isinstance(option, Slider) else option["value"]


CATALOGUE = Catalogue.of(os.environ.get(SCENARIOS_VARIABLE) or SHIPPED)
PARAMETERS = model_parameters(CATALOGUE)


@solara.component
def Page() -> None:
    """The page: SolaraViz's controls and parameters in the sidebar, the components in the main area."""
    model = solara.use_memo(lambda: _first_model(PARAMETERS), dependencies=[])
    SolaraViz(model, components=list(COMPONENTS), model_params=PARAMETERS, name=NAME, play_interval=1, render_interval=1)
