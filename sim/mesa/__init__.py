"""The model as Mesa sees it: `TurnoverModel`, its `Diplomat` agents and the DataCollector's reporters.

A thin layer over the engine (`sim.model`): agents are read-only handles
onto roster slots, the model steps the engine and exposes Mesa's
collections, batch runs and DataCollector. Imports `sim.records`,
`sim.model`, `sim.scenario` and the base modules.
"""
