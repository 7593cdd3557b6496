"""Named random streams spawned from one SeedSequence (see shared/DESIGN.md).

Every process draws from its own stream, and within a stream every month has
its own generator. So two scenarios run with the same seed draw the same
numbers for the same process in the same month, whatever happened in other
processes or months: common random numbers wherever their rules agree.
Draws are made for every person slot (not only for those at risk), so that a
person has the same uniform in both runs as long as both runs hold them.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("initial", "attrition", "purge", "recall", "promotion", "recruitment", "profiles", "observation")


class RandomStreams:
    """Generators by (stream name, month), all derived from one seed."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        self.root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)

    def generator(self, stream: str, month: int = 0) -> np.random.Generator:
        """Return the generator of `stream` for `month` (a month index)."""
        key = (*self.root.spawn_key, STREAMS.index(stream), int(month))
        sequence = np.random.SeedSequence(self.root.entropy, spawn_key=key)
        return np.random.Generator(np.random.PCG64(sequence))
