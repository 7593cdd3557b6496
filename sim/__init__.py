"""Cadres: an agent-based model of institutional turnover (the Narkomindel in the Great Purges)."""

from sim.agents import Diplomat
from sim.compare import Comparison
from sim.config import Scenario
from sim.engine import Engine
from sim.ensemble import Ensemble
from sim.loader import ConfigError, load_scenario
from sim.model import TurnoverModel
from sim.records import Records
from sim.run import Run

__all__ = [
    "Comparison",
    "ConfigError",
    "Diplomat",
    "Engine",
    "Ensemble",
    "Records",
    "Run",
    "Scenario",
    "TurnoverModel",
    "load_scenario",
]
