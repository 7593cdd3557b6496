"""Who the outside recruits of a month are: profiles drawn a year at a time.

The k-th recruit of a month is the k-th person of that month's pool of the
profile they are recruited with (F5 veterans or F6 new generation). Each
profile's pool for a year and a chunk of `RECRUITS_PER_BLOCK` positions is
drawn at once from its own generator of the `profiles` stream, so a month's
recruits cost a few look-ups instead of a dozen small draws, and recruit k
of month m is the same person in every scenario that recruits at least
k + 1 people in that month and gives recruit k the same profile.
"""

from __future__ import annotations

import numpy as np

from sim.model.categories import NEW_GENERATION_PROFILE, VETERANS_PROFILE
from sim.model.profiles import draw_people
from sim.model.streams import RECRUITS_PER_BLOCK, RandomStreams, block_period
from sim.scenario.config import Profiles

Table = dict[str, np.ndarray]


class RecruitPool:
    """Pools of would-be recruits of both profiles, by month and position in the month."""

    def __init__(self, streams: RandomStreams, profiles: Profiles) -> None:
        self.streams = streams
        self.profiles = {VETERANS_PROFILE: profiles.veterans, NEW_GENERATION_PROFILE: profiles.new_generation}
        self._tables: dict[tuple[int, int, int, int], tuple[np.ndarray, int]] = {}
        self._fields: tuple[str, ...] = ()

    def people(self, month: int, new_generation: np.ndarray) -> Table:
        """Attributes of the month's recruits, in order; `new_generation` says whose profile each has."""
        width = RECRUITS_PER_BLOCK
        parts = []
        for chunk in range(max(1, -(-len(new_generation) // width))):
            flags = new_generation[chunk * width : (chunk + 1) * width]
            newcomers = np.count_nonzero(flags)
            if newcomers == 0:
                parts.append(self._columns(VETERANS_PROFILE, month, chunk, len(flags)))
            elif newcomers == len(flags):
                parts.append(self._columns(NEW_GENERATION_PROFILE, month, chunk, len(flags)))
            else:
                newcomer = self._columns(NEW_GENERATION_PROFILE, month, chunk, len(flags))
                parts.append(np.where(flags, newcomer, self._columns(VETERANS_PROFILE, month, chunk, len(flags))))
        chosen = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        return dict(zip(self._fields, chosen, strict=True))

    def _columns(self, code: int, month: int, chunk: int, count: int) -> np.ndarray:
        """The first `count` people of one profile's pool for the month and chunk (attributes x people)."""
        table, first = self._table(code, month, chunk)
        column = (month - first) * RECRUITS_PER_BLOCK  # the month's people are consecutive columns
        return table[:, column : column + count]

    def _table(self, code: int, month: int, chunk: int) -> tuple[np.ndarray, int]:
        """One profile's pool for the period holding `month` (attributes x people), and the period's first month.

        Person k of the chunk in month m is column (m - first) * width + k.
        Drawn when first needed: a profile nobody is recruited with in a
        year is never drawn.
        """
        kind, period, months = block_period(month, chunk)
        key = (code, kind, period, chunk)
        found = self._tables.get(key)
        if found is None:
            # Runs move forward in time: drop this profile's pools of earlier periods of the same kind.
            for old in [old for old in self._tables if old[:2] == (code, kind) and old[2] != period]:
                del self._tables[old]
            first = period * months
            entry = np.repeat(np.arange(first, first + months, dtype=np.int32), RECRUITS_PER_BLOCK)
            rng = self.streams.generator("profiles", kind, period, chunk, code)
            people = draw_people(rng, self.profiles[code], entry, code)
            self._fields = tuple(people)
            # One integer matrix, so that a month's recruits are one look-up (the roster casts back on adding).
            table = np.array([people[name] for name in self._fields], dtype=np.int32)
            table.flags.writeable = False  # `people` hands out views of it
            found = self._tables[key] = (table, first)
        return found
