"""Monthly stocks measured from the post spells, for all recorded months at once.

A spell is one person in one post: it begins in the month of the assignment
and ends in the month the person leaves the post (a promotion or an exit).
The stocks of a month are measured on its first day, before the month's
events, so a spell counts in month m when begin < m <= end. Every stock is a
sum over the spells counting in a month, so each is a difference array over
the months (plus one where a spell starts counting, minus one after it stops)
summed once: one pass over ~3,000 spells instead of some 30 numpy calls in
each of 300 months.

The numbers are those the month-by-month measurement gave, bit for bit:
counts and sums of whole months are integers, divided the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.categories import ELITE, GENERATIONS, JUNIOR, RANKS
from sim.model.roster import SERVING

if TYPE_CHECKING:
    from sim.model.state import State


def _spells(state: State) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(slot, post, begin, end) of every spell; `end` is a large number for spells still going."""
    slot, post, begin = (part.astype(np.int64) for part in state.assignments())
    order = np.argsort(slot, kind="stable")  # a person's assignments in the order they happened
    slot, post, begin = slot[order], post[order], begin[order]
    roster = state.roster
    still = np.iinfo(np.int64).max // 4
    end = np.where(roster.status[slot] == SERVING, still, roster.exit[slot].astype(np.int64))
    promoted = slot[:-1] == slot[1:]  # the next assignment of the same person ends this spell
    end[:-1][promoted] = begin[1:][promoted]
    return slot, post, begin, end


def _window_sums(
    first: int, months: int, lo: np.ndarray, hi: np.ndarray, cell: np.ndarray, cells: int, weight: np.ndarray | None = None
) -> np.ndarray:
    """(months, cells) sums of `weight` (default 1) over the spells counting in each month.

    A spell counts from month `lo` to month `hi` (inclusive, absolute month
    indices) in column `cell`.
    """
    lo = np.maximum(lo, first) - first
    hi = np.minimum(hi, first + months - 1) - first + 1
    keep = lo < hi
    lo, hi, cell = lo[keep], hi[keep], cell[keep]
    weight = np.ones(len(lo), dtype=np.int64) if weight is None else weight[keep]
    diff = np.bincount(lo * cells + cell, weights=weight, minlength=(months + 1) * cells)
    diff -= np.bincount(hi * cells + cell, weights=weight, minlength=(months + 1) * cells)
    return np.rint(np.cumsum(diff.reshape(months + 1, cells)[:months], axis=0)).astype(np.int64)


def stock_rows(state: State, months: list[int]) -> list[list[float]]:
    """The stock rows (in the order of `sim.model.recorder.STOCK_KEYS`) of consecutive `months` so far."""
    if not months:
        return []
    first, count = months[0], len(months)
    roster, posts, mentoring = state.roster, state.posts, state.scenario.mentoring
    slot, post, begin, end = _spells(state)
    lo, hi = begin + 1, end
    rank = posts.rank[post].astype(np.int64)
    entry = roster.entry[slot].astype(np.int64)
    month = np.arange(first, first + count, dtype=np.int64)[:, None]
    ranks, generations = len(RANKS), len(GENERATIONS)

    staff = _window_sums(first, count, lo, hi, rank * generations + roster.generation[slot], ranks * generations)
    post_class = 2 * rank + posts.abroad[post]  # 2 x rank + 1 if abroad
    held_by_class = _window_sums(first, count, lo, hi, post_class, 2 * ranks)
    posts_by_class = np.bincount(2 * posts.rank.astype(np.int64) + posts.abroad, minlength=2 * ranks)
    vacant_by_class = posts_by_class - held_by_class
    by_rank = staff.reshape(count, ranks, generations).sum(axis=2)
    # Service in whole months: sum over those counting of (month - entry) = month x count - sum of entries.
    entry_sums = _window_sums(first, count, lo, hi, rank, ranks, weight=entry.astype(float))
    service_by_rank = month * by_rank - entry_sums
    # Experience capacity: min(service, full) = service - max(service - full, 0); the second term
    # counts from the month service reaches `full`.
    full = mentoring.full_competence_months
    ripe = np.maximum(lo, entry + full)
    ripe_count = _window_sums(first, count, ripe, hi, np.zeros_like(rank), 1)[:, 0]
    ripe_sums = _window_sums(first, count, ripe, hi, np.zeros_like(rank), 1, weight=(entry + full).astype(float))[:, 0]
    capped = service_by_rank.sum(axis=1) - (month[:, 0] * ripe_count - ripe_sums)
    # Mentoring: juniors by unit, and veterans above junior rank by unit once their service reaches the threshold.
    unit = posts.unit[post].astype(np.int64)
    units = posts.unit_count
    junior = rank == JUNIOR
    juniors = _window_sums(first, count, lo[junior], hi[junior], unit[junior], units)
    above = ~junior
    mentor_from = np.maximum(lo[above], entry[above] + mentoring.mentor_min_service_months)
    mentors = _window_sums(first, count, mentor_from, hi[above], unit[above], units)
    mentored = (juniors * (mentors > 0)).sum(axis=1)
    junior_total = juniors.sum(axis=1)

    rows = []
    for k in range(count):
        row = staff[k].tolist()
        held, vacant = held_by_class[k].tolist(), vacant_by_class[k].tolist()
        people = sum(held)
        abroad = sum(held[1::2])
        elite_count = int(by_rank[k, ELITE])
        service = service_by_rank[k].tolist()
        row += (people - abroad, abroad, *(vacant[2 * r] + vacant[2 * r + 1] for r in range(ranks)))
        row += (
            vacant[2 * ELITE + 1],  # heads of mission: the elite posts abroad
            sum(service) / people if people else np.nan,
            service[ELITE] / elite_count if elite_count else np.nan,
            int(mentored[k]) / int(junior_total[k]) if junior_total[k] else np.nan,
            int(capped[k]) / full / posts.count,
        )
        rows.append(row)
    return rows
