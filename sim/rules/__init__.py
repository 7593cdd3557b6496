"""The submodels of the monthly schedule, one module each (docs/ODD.md, section 7)."""
