"""Post spells read back from the biographies' `post_history` column.

`post_history` lists every post a person held as "YYYY-MM unit rank"
entries ("1925-03 mission14 elite; 1931-06 hq2 middle"; the HQ elite posts
are "commissar", "deputy" and "collegium", see sim/posts.py). The historian and
the targets need them as arrays: who held which kind of post from when.
Person ids are the row positions of the biographies (0, 1, 2, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.categories import RANKS
from sim.config import month_index

NO_RANK = -1
_RANK_CODES = {name: code for code, name in enumerate(RANKS)}


def month_of(dates: pd.Series) -> np.ndarray:
    """Month indexes (year * 12 + month - 1) of a datetime column; -1 for missing dates."""
    values = np.asarray(dates, dtype="datetime64[M]")
    return np.where(np.isnat(values), -1, values.astype(np.int64) + 1970 * 12)


@dataclass(frozen=True)
class Spells:
    """One entry per post held, ordered by person and start month."""

    person: np.ndarray
    start: np.ndarray
    abroad: np.ndarray
    rank: np.ndarray
    people: int

    @classmethod
    def from_biographies(cls, biographies: pd.DataFrame) -> Spells:
        """Parse the `post_history` column."""
        person, start, abroad, rank = [], [], [], []
        for pid, history in zip(biographies["person_id"].tolist(), biographies["post_history"].tolist(), strict=True):
            if not history:
                continue
            for entry in history.split("; "):
                date, unit, rank_name = entry.split(" ")
                person.append(pid)
                start.append(int(date[:4]) * 12 + int(date[5:7]) - 1)
                abroad.append(unit.startswith("mission"))
                rank.append(_RANK_CODES[rank_name])
        order = np.lexsort((np.asarray(start, dtype=np.int64), np.asarray(person, dtype=np.int64)))
        return cls(
            person=np.asarray(person, dtype=np.int64)[order],
            start=np.asarray(start, dtype=np.int64)[order],
            abroad=np.asarray(abroad, dtype=bool)[order],
            rank=np.asarray(rank, dtype=np.int64)[order],
            people=len(biographies),
        )

    def at(self, year_month: str) -> tuple[np.ndarray, np.ndarray]:
        """Per person, the latest post begun by the first of `year_month`: (abroad, rank).

        Rank is NO_RANK for people with no post begun by then; whether they
        still served then is for the caller to check (see `serving_at`).
        """
        begun = np.flatnonzero(self.start <= month_index(year_month))
        person = self.person[begun]
        last = np.r_[person[1:] != person[:-1], True] if len(person) else np.zeros(0, dtype=bool)
        abroad = np.zeros(self.people, dtype=bool)
        rank = np.full(self.people, NO_RANK, dtype=np.int64)
        abroad[person[last]] = self.abroad[begun][last]
        rank[person[last]] = self.rank[begun][last]
        return abroad, rank

    def up_to(self, year_month: str) -> tuple[np.ndarray, np.ndarray]:
        """Per person, over the posts begun up to `year_month`: (any abroad, highest rank).

        The highest rank is the lowest code (0 = elite); NO_RANK for no post.
        """
        begun = np.flatnonzero(self.start <= month_index(year_month))
        person = self.person[begun]
        abroad = np.bincount(person, weights=self.abroad[begun], minlength=self.people) > 0
        rank = np.full(self.people, len(RANKS), dtype=np.int64)
        np.minimum.at(rank, person, self.rank[begun])
        return abroad, np.where(rank == len(RANKS), NO_RANK, rank)


def serving_at(biographies: pd.DataFrame, year_month: str) -> np.ndarray:
    """Mask of people serving on the first of `year_month` (entered by then, not yet left)."""
    month = month_index(year_month)
    exit_month = month_of(biographies["exit"])
    return (month_of(biographies["entry"]) <= month) & ((exit_month < 0) | (exit_month >= month))
