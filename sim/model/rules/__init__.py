"""The submodels of the monthly schedule, one module each (docs/ODD.md, section 7).

Each rule is built from, and applied to, the run's `sim.model.state.State`: it
reads and changes the run through it and never imports the engine that
orders the rules.
"""
