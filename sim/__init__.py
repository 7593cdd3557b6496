"""Cadres: an agent-based model of institutional turnover (the Narkomindel in the Great Purges).

The public names below are imported on first use (PEP 562), so that
`import sim.cli` (every `cadres` command, `--help` included) does not pay
for Mesa, numba and pandas before it needs them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING

_PUBLIC = {
    "Comparison": "sim.experiments.compare",
    "ConfigError": "sim.errors",
    "Diplomat": "sim.mesa.agents",
    "Engine": "sim.model.engine",
    "Ensemble": "sim.experiments.ensemble",
    "ParameterDraws": "sim.experiments.draws",
    "Records": "sim.records.run_records",
    "Run": "sim.experiments.run",
    "Scenario": "sim.scenario.config",
    "TurnoverModel": "sim.mesa.turnover",
    "load_scenario": "sim.scenario.loader",
}

__all__ = [
    "Comparison",
    "ConfigError",
    "Diplomat",
    "Engine",
    "Ensemble",
    "ParameterDraws",
    "Records",
    "Run",
    "Scenario",
    "TurnoverModel",
    "load_scenario",
]

if TYPE_CHECKING:
    from sim.errors import ConfigError
    from sim.experiments.compare import Comparison
    from sim.experiments.draws import ParameterDraws
    from sim.experiments.ensemble import Ensemble
    from sim.experiments.run import Run
    from sim.mesa.agents import Diplomat
    from sim.mesa.turnover import TurnoverModel
    from sim.model.engine import Engine
    from sim.records.run_records import Records
    from sim.scenario.config import Scenario
    from sim.scenario.loader import load_scenario

if (
    "ipykernel.zmqshell" in sys.modules
):  # in Jupyter: Mesa's tqdm.auto, without its "IProgress not found" (sim/experiments/progress.py)
    import_module("sim.experiments.progress").quiet_auto()


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
