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
    "Comparison": "sim.compare",
    "ConfigError": "sim.errors",
    "Diplomat": "sim.agents",
    "Engine": "sim.engine",
    "Ensemble": "sim.ensemble",
    "ParameterDraws": "sim.draws",
    "Records": "sim.records",
    "Run": "sim.run",
    "Scenario": "sim.config",
    "TurnoverModel": "sim.model",
    "load_scenario": "sim.loader",
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
    from sim.agents import Diplomat
    from sim.compare import Comparison
    from sim.config import Scenario
    from sim.draws import ParameterDraws
    from sim.engine import Engine
    from sim.ensemble import Ensemble
    from sim.errors import ConfigError
    from sim.loader import load_scenario
    from sim.model import TurnoverModel
    from sim.records import Records
    from sim.run import Run

if "ipykernel.zmqshell" in sys.modules:  # in Jupyter: Mesa's tqdm.auto, without its "IProgress not found" (sim/progress.py)
    import_module("sim.progress").quiet_auto()


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
