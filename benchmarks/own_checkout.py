"""Refuse to measure another checkout's `sim`: a benchmark must run the code beside it.

`import sim` finds the package wherever the running interpreter has it
installed, which for a second checkout (say, the "after" side of an A/B)
is usually the first one's editable install. A fingerprint or timing would
then silently compare a checkout with itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parent.parent  # the checkout holding this benchmarks/ folder


def require_own_sim(script: str) -> None:
    """Exit with status 2 and a one-line message if `sim` was imported from outside this checkout."""
    package = Path(sim.__file__).resolve().parent
    if package != ROOT / "sim":
        print(
            f"{script}: sim is imported from {package}, not from this checkout ({ROOT}); "
            f"run with PYTHONPATH={ROOT} or install this checkout",
            file=sys.stderr,
        )
        sys.exit(2)
