"""Figures: of one run (`run_figures`), banded figures of ensembles and comparisons (`banded`), and their file formats.

Draws from records and bands; imports `sim.records`, `sim.model`,
`sim.scenario` and the base modules, never the experiments that call it.
"""
