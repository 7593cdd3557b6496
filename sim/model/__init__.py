"""The model: posts, people, random streams, the monthly rules and the engine that runs them.

Owns a run's state (`state.State`: posts, roster, streams, post history,
flow counters, and the state changes the rules make), the submodels
(`rules/`, with their compiled hot loops in `compiled/`), the monthly
bookkeeping (`recorder`, `stocks`) and `engine.Engine`, which orders the
rules. Imports `sim.scenario` and the base modules, nothing above.
"""
