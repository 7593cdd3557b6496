"""Post spells read back from the biographies' `post_history` column.

`post_history` lists every post a person held as "YYYY-MM unit rank"
entries ("1925-03 mission14 elite; 1931-06 hq2 middle"; the HQ elite posts
are "commissar", "deputy" and "collegium", see sim/model/posts.py). The historian and
the targets need them as arrays: who held which kind of post from when.
Person ids are the row positions of the biographies (0, 1, 2, ...).

Dates follow the model's stocks (sim/model/stocks.py): they are measured on the
first of a month, before that month's events. A spell begun in month b and
ended in month e (the person's next post, or the exit) counts on the first
of month m when b < m <= e; someone who entered in May 1939 is not serving
on 1 May 1939, someone who left in May 1939 still is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.categories import RANKS
from sim.scenario.config import month_index

NO_RANK = -1
NO_SPELL = -1
ONGOING = np.iinfo(np.int64).max // 4  # the end month of a spell still going when the run ended
_RANK_CODES = {name: code for code, name in enumerate(RANKS)}


def month_of(dates: pd.Series) -> np.ndarray:
    """Month indexes (year * 12 + month - 1) of a datetime column; -1 for missing dates."""
    values = np.asarray(dates, dtype="datetime64[M]")
    return np.where(np.isnat(values), -1, values.astype(np.int64) + 1970 * 12)


@dataclass(frozen=True)
class Spells:
    """One entry per post held, ordered by person and start month.

    `end` is the month the spell ended: the start of the person's next post,
    else the exit month, else ONGOING. `label` is the post's unit label
    ("commissar", "deputy", "collegium", "hq<k>", "mission<k>").
    """

    person: np.ndarray
    start: np.ndarray
    end: np.ndarray
    abroad: np.ndarray
    rank: np.ndarray
    label: np.ndarray
    people: int

    @classmethod
    def from_biographies(cls, biographies: pd.DataFrame) -> Spells:
        """Parse the `post_history` column; the last spell of each person ends at the exit."""
        person, start, label, rank = [], [], [], []
        for pid, history in zip(biographies["person_id"].tolist(), biographies["post_history"].tolist(), strict=True):
            if not history:
                continue
            for entry in history.split("; "):
                date, unit, rank_name = entry.split(" ")
                person.append(pid)
                start.append(int(date[:4]) * 12 + int(date[5:7]) - 1)
                label.append(unit)
                rank.append(_RANK_CODES[rank_name])
        person_array, start_array = np.asarray(person, dtype=np.int64), np.asarray(start, dtype=np.int64)
        order = np.lexsort((start_array, person_array))  # stable: a person's posts of one month keep their order
        person_array, start_array = person_array[order], start_array[order]
        labels = np.asarray(label, dtype=object)[order]
        exit_month = month_of(biographies["exit"])
        end = np.where(exit_month[person_array] >= 0, exit_month[person_array], ONGOING)
        followed = person_array[:-1] == person_array[1:]  # the next post of the same person ends this spell
        end[:-1][followed] = start_array[1:][followed]
        return cls(
            person=person_array,
            start=start_array,
            end=end,
            abroad=np.array([unit.startswith("mission") for unit in labels], dtype=bool),
            rank=np.asarray(rank, dtype=np.int64)[order],
            label=labels,
            people=len(biographies),
        )

    def latest(self, year_month: str) -> np.ndarray:
        """Per person, the index of the latest post begun before the first of `year_month` (NO_SPELL if none).

        Whether the person still served then is for the caller to check (see `serving_at`).
        """
        begun = np.flatnonzero(self.start < month_index(year_month))
        person = self.person[begun]
        last = np.r_[person[1:] != person[:-1], True] if len(person) else np.zeros(0, dtype=bool)
        index = np.full(self.people, NO_SPELL, dtype=np.int64)
        index[person[last]] = begun[last]
        return index

    def at(self, year_month: str) -> tuple[np.ndarray, np.ndarray]:
        """Per person, the latest post begun before the first of `year_month`: (abroad, rank).

        Rank is NO_RANK for people with no post begun by then; whether they
        still served then is for the caller to check (see `serving_at`).
        """
        index = self.latest(year_month)
        return self._of(self.abroad, index, False), self._of(self.rank, index, NO_RANK)

    def started(self, year_month: str) -> np.ndarray:
        """Per person, the start month of the latest post begun before the first of `year_month` (-1 if none)."""
        return self._of(self.start, self.latest(year_month), -1)

    def _of(self, values: np.ndarray, index: np.ndarray, missing: object) -> np.ndarray:
        """Per person, `values` of the spell `index` points to; `missing` where it is NO_SPELL."""
        result = np.full(self.people, missing, dtype=values.dtype)
        held = index != NO_SPELL
        result[held] = values[index[held]]
        return result

    def holding(self, label: str, year_month: str) -> np.ndarray:
        """Indexes of the spells in posts labelled `label` that count on the first of `year_month`."""
        month = month_index(year_month)
        return np.flatnonzero((self.label == label) & (self.start < month) & (self.end >= month))

    def up_to(self, year_month: str) -> tuple[np.ndarray, np.ndarray]:
        """Per person, over the posts begun up to and including `year_month`: (any abroad, highest rank).

        "Held a post in the 1920s" is a post begun by December 1929 (`up_to("1929-12")`).
        The highest rank is the lowest code (0 = elite); NO_RANK for no post.
        """
        begun = np.flatnonzero(self.start <= month_index(year_month))
        person = self.person[begun]
        abroad = np.bincount(person, weights=self.abroad[begun], minlength=self.people) > 0
        rank = np.full(self.people, len(RANKS), dtype=np.int64)
        np.minimum.at(rank, person, self.rank[begun])
        return abroad, np.where(rank == len(RANKS), NO_RANK, rank)


def serving_at(biographies: pd.DataFrame, year_month: str) -> np.ndarray:
    """Mask of people serving on the first of `year_month`: entered in an earlier month, not left before it.

    Someone who entered during `year_month` is not yet counted, someone who
    left during it still is (the model's stocks, sim/model/stocks.py).
    """
    month = month_index(year_month)
    exit_month = month_of(biographies["exit"])
    return (month_of(biographies["entry"]) < month) & ((exit_month < 0) | (exit_month >= month))
