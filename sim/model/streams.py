"""Named random streams spawned from one SeedSequence (see shared/DESIGN.md).

Every process draws from its own stream, and within a stream a draw is
fixed by the month and the person slot (or post) it is for. So two
scenarios run with the same seed draw the same numbers for the same process
in the same month, whatever happened in other processes or months: common
random numbers wherever their rules agree. Draws are made for every person
slot (not only for those at risk), so that a person has the same uniform in
both runs as long as both runs hold them.

Per-slot uniforms (`RandomStreams.uniforms`) are drawn a year at a time,
one generator per (stream, year), in chunks of slots (`CHUNK` by default) as
far as the roster has grown: building a generator costs about 30 µs, which
month by month was a fifth of a run at the historical size.
Slots beyond `YEARLY_CHUNKS` chunks are drawn a month at a time instead, so
that memory stays bounded for very large institutions (there a month's draw
is large enough to pay for its generator). Either way the uniform of a slot
depends only on the seed, the stream, the month and the slot.
"""

from __future__ import annotations

import numpy as np

STREAMS = (
    "initial",
    "attrition",
    "purge",
    "recall",
    "promotion",
    "recruitment",
    "profiles",
    "observation",
    "promotion_order",
    "appointments",
)

CHUNK = 256  # slots per chunk of uniforms
YEARLY_CHUNKS = 64  # the first 16,384 slots are drawn a year at a time, the rest a month at a time
RECRUITS_PER_BLOCK = 16  # width of the per-recruit streams' chunks (a month with more recruits takes two)
_YEARLY, _MONTHLY = 1, 2  # spawn-key tags of the two kinds of block


class RandomStreams:
    """Generators and per-slot uniforms by (stream name, month), all derived from one seed."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        self.root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._years: dict[tuple[str, int, int], _YearOfDraws] = {}  # (stream, count, width) -> its current year
        self._prefix = _entropy_prefix(self.root)

    def _sequence(self, *key: int) -> np.random.SeedSequence:
        """The root's child with spawn key `key`, as `SeedSequence(entropy, spawn_key=(*root.spawn_key, *key))`.

        Built from its entropy words directly when it can be: half the cost,
        the same pool, hence the same draws (tests/model/test_streams.py).
        """
        if self._prefix is not None and all(0 <= k < _WORD for k in key):
            return np.random.SeedSequence(np.concatenate([self._prefix, np.array(key, dtype=np.uint32)]))
        return np.random.SeedSequence(self.root.entropy, spawn_key=(*self.root.spawn_key, *key))

    def generator(self, stream: str, *key: int) -> np.random.Generator:
        """Return the generator of `stream` for a key (e.g. a month index; none for the whole run)."""
        return np.random.Generator(np.random.PCG64(self._sequence(STREAMS.index(stream), *map(int, key))))

    def uniforms(self, stream: str, month: int, size: int, count: int = 1, width: int = CHUNK) -> np.ndarray:
        """Return `count` uniforms on [0, 1) for each of slots 0..size-1, shape (count, size).

        `width` is the number of slots per chunk: a stream whose sizes are
        small (recruits in a month) draws less with a narrower chunk. The
        result is read-only; call again for another month.
        """
        yearly_slots = YEARLY_CHUNKS * width
        row = self._year(stream, month, count, width).row(month, min(size, yearly_slots))
        if size <= yearly_slots:
            return row[:, :size]
        chunks = -(-size // width) - YEARLY_CHUNKS
        monthly = _chunks(self.generator(stream, _MONTHLY, month, count, width), chunks, 1, count, width)[0]
        return np.concatenate([row[:, :yearly_slots], monthly], axis=1)[:, :size]

    def _year(self, stream: str, month: int, count: int, width: int) -> _YearOfDraws:
        """The draws of `stream` for the year holding `month`; earlier years are dropped (runs move forward)."""
        key = (stream, count, width)
        year = month // 12
        found = self._years.get(key)
        if found is None or found.year != year:
            found = self._years[key] = _YearOfDraws(year, self.generator(stream, _YEARLY, year, count, width), count, width)
        return found


class _YearOfDraws:
    """One year of a stream's per-slot uniforms, drawn chunk by chunk as far as the roster has grown.

    The chunks come one after another from the year's generator, each laid
    out (months, count, width), so chunk c holds the same numbers however
    the growth was spread over the year. They are copied into a buffer laid
    out (months, count, slots), which doubles when full, so that a month's
    row is a view.
    """

    def __init__(self, year: int, rng: np.random.Generator, count: int, width: int) -> None:
        self.year, self.rng, self.count, self.width = year, rng, count, width
        self.buffer = np.empty((12, count, 0))  # read-only between draws, so that its views are
        self.drawn = 0  # slots drawn so far (whole chunks)

    def row(self, month: int, size: int) -> np.ndarray:
        """The month's uniforms, (count, slots) with at least `size` slots; read-only."""
        if size > self.drawn:
            width = self.width
            needed = -(-size // width) * width
            if needed > self.buffer.shape[2]:
                grown = np.empty((12, self.count, max(needed, 2 * self.buffer.shape[2])))
                grown[:, :, : self.drawn] = self.buffer[:, :, : self.drawn]
                self.buffer = grown
            self.buffer.flags.writeable = True
            for block in self.rng.random(((needed - self.drawn) // width, 12, self.count, width)):
                self.buffer[:, :, self.drawn : self.drawn + width] = block
                self.drawn += width
            self.buffer.flags.writeable = False
        return self.buffer[month - 12 * self.year, :, : self.drawn]


_WORD = 2**32


def _words(value: int) -> list[int]:
    """An integer as SeedSequence reads it: 32-bit words, least significant first."""
    words = [value % _WORD]
    value //= _WORD
    while value:
        words.append(value % _WORD)
        value //= _WORD
    return words


def _entropy_prefix(root: np.random.SeedSequence) -> np.ndarray | None:
    """The words a child of `root` mixes before its own spawn key, or None if they cannot be rebuilt.

    SeedSequence mixes the entropy's words, zero-padded to `pool_size`
    when there is a spawn key, then the spawn key's words. A sequence made
    from those words as its entropy (and no spawn key) has the same pool.
    The result is checked against SeedSequence itself once; anything it
    does not reproduce (an entropy given as a list, a future numpy) keeps
    the plain construction.
    """
    entropy = root.entropy
    if not isinstance(entropy, int) or entropy < 0 or any(not isinstance(k, int) or k < 0 for k in root.spawn_key):
        return None
    words = _words(entropy)
    words += [0] * (root.pool_size - len(words))
    prefix = np.array(words + [w for k in root.spawn_key for w in _words(k)], dtype=np.uint32)
    probe = (0, 1, 2**32 - 1)
    direct = np.random.SeedSequence(np.concatenate([prefix, np.array(probe, dtype=np.uint32)]))
    plain = np.random.SeedSequence(entropy, spawn_key=(*root.spawn_key, *probe))
    return prefix if np.array_equal(direct.generate_state(8), plain.generate_state(8)) else None


def _chunks(rng: np.random.Generator, chunks: int, months: int, count: int, width: int) -> np.ndarray:
    """The next `chunks` chunks of a generator, laid out as (months, count, chunks * width)."""
    drawn = rng.random((chunks, months, count, width))  # chunk after chunk: drawing them one by one gives the same
    return drawn.transpose(1, 2, 0, 3).reshape(months, count, chunks * width)


def block_period(month: int, chunk: int) -> tuple[int, int, int]:
    """(kind, period, months) of the draws holding `month` for a chunk of slots.

    The first `YEARLY_CHUNKS` chunks are drawn a year at a time (period: the
    year), the rest a month at a time (period: the month index), as
    `RandomStreams.uniforms` does.
    """
    return (_YEARLY, month // 12, 12) if chunk < YEARLY_CHUNKS else (_MONTHLY, month, 1)
