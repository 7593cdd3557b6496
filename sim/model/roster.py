"""Everyone who ever served, as growable arrays indexed by person slot."""

from __future__ import annotations

import numpy as np

# Person status codes.
SERVING, LEFT, GONE = 0, 1, 2  # GONE: dead, purged or defected; LEFT: alive elsewhere, still followed

_FIELDS: dict[str, tuple[type, int]] = {
    "birth": (np.int32, 0),  # month index
    "party_year": (np.int16, 0),  # 0: never joined
    "entry": (np.int32, 0),  # month index
    "exit": (np.int32, -1),
    "status": (np.int8, SERVING),
    "post": (np.int64, -1),
    "rank": (np.int8, -1),
    "highest_rank": (np.int8, -1),
    "first_rank": (np.int8, -1),
    "rank_since": (np.int32, 0),
    "unit": (np.int32, -1),
    "abroad": (np.bool_, False),
    "profile": (np.int8, 0),  # 0 veterans, 1 new generation
    "generation": (np.int8, 0),
    "origin": (np.int8, 0),
    "education": (np.int8, 0),
    "nationality": (np.int8, 0),
    "languages": (np.bool_, False),
    "abroad_experience": (np.bool_, False),
    "exit_reason": (np.int8, 0),
    "recalled": (np.bool_, False),
    "planned_retirement": (np.bool_, False),
    "purge_outcome": (np.int8, 0),
    "later_fate": (np.int8, 0),
    "later_fate_month": (np.int32, -1),
    "associated_until": (np.int32, -1),
    "posts_held": (np.int16, 0),
    "risk_rank": (np.int32, 0),  # the person's place in the distribution of purge risk: a uniform x 2^31
    "frailty": (np.float64, 1.0),  # the purge-risk multiplier that place gives (set by the purge rule)
}


class Roster:
    """Person state as one numpy array per attribute; slots are never reused."""

    FIELDS: tuple[str, ...] = tuple(_FIELDS)  # the attribute names

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self._capacity = max(capacity, 16)
        self._by_status: dict[int, np.ndarray] = {}  # slots by status, until the next change
        for name, (dtype, fill) in _FIELDS.items():
            setattr(self, name, np.full(self._capacity, fill, dtype=dtype))

    def add(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Append people with the given attribute arrays; return their slots."""
        count = len(next(iter(values.values())))
        if self.size + count > self._capacity:
            self._grow(self.size + count)
        first = self.size
        for name, array in values.items():
            getattr(self, name)[first : first + count] = array
        self.size += count
        slots = np.arange(first, first + count)
        self._by_status.clear()
        return slots

    def _grow(self, needed: int) -> None:
        capacity = self._capacity
        while capacity < needed:
            capacity *= 2
        for name, (dtype, fill) in _FIELDS.items():
            grown = np.full(capacity, fill, dtype=dtype)
            grown[: self.size] = getattr(self, name)[: self.size]
            setattr(self, name, grown)
        self._capacity = capacity

    def view(self, name: str) -> np.ndarray:
        """Return the filled part of one attribute array."""
        return getattr(self, name)[: self.size]

    def with_status(self, status: int) -> np.ndarray:
        """Return the slots of people with the given status (do not modify the result)."""
        found = self._by_status.get(status)
        if found is None:
            found = self._by_status[status] = (self.status[: self.size] == status).nonzero()[0]
        return found

    def set_status(self, slots: np.ndarray, status: int) -> None:
        """Change the status of people; use this rather than writing `status` directly."""
        self.status[slots] = status
        self._by_status.clear()
