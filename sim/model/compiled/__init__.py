"""Compiled loops (numba) for the parts of the monthly rules that dominate a run.

At the historical size a month's work is a few hundred numpy calls on arrays
of a few hundred to two thousand elements, so the time goes into the calls,
not the arithmetic. The loops here do the same work per element in one
compiled call each: ordinary attrition (`attrition_month`), who the purge
hits (`purge_month`) and the promotion chains (`promote_month`).

They mirror the numpy code of their rules in `sim/model/rules/`, which stays the
reference implementation: `Engine(compiled=False)` runs it, and is the
pure-numpy kernel of benchmarks/bench_model.py. Both read the same draws and
do the same floating-point operations in the same order, so they give the
same results; tests/model/test_compiled.py checks that every output is identical
over the shipped scenarios and over randomly generated ones. (numpy's
vectorised `exp` and the compiled one could round differently in the last
bit on some CPUs; that would change an outcome only where a uniform draw
falls within that rounding of its threshold, about 1e-16 a comparison.)

numba compiles the loops on first use and caches the machine code next to
this package (`__pycache__`), so only the first run after installing pays
for compiling (about 5 s).
"""

from sim.model.compiled.attrition import attrition_month
from sim.model.compiled.promotion import promote_month
from sim.model.compiled.purge import purge_month

__all__ = ["attrition_month", "promote_month", "purge_month"]
