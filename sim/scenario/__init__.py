"""The scenario: its schema, reading scenario files, and where each value comes from.

Owns what a scenario is (`config`: every parameter, typed and
range-checked), how files become one (`loader`: TOML, `extends` chains,
one-line errors), the reference page of every key (`reference`) and the
provenance of resolved values (`show`). Imports only the shared base
modules (`sim.errors`, `sim.months`); every other layer may import it.
"""
