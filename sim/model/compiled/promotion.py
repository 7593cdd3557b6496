"""The month's promotion chains as one compiled loop (see sim/model/rules/replacement.py for the rule)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.categories import JUNIOR
from sim.model.posts import NO_ONE


@njit(cache=True)
def promote_month(
    open_posts: np.ndarray,
    offer_draw: np.ndarray,
    order_draw: np.ndarray,
    entry_draw: np.ndarray,
    tie_draw: np.ndarray,
    probability: float,
    outside_entry: np.ndarray,
    month: int,
    min_months_in_rank: int,
    by_seniority: bool,
    post_rank: np.ndarray,
    post_unit: np.ndarray,
    post_abroad: np.ndarray,
    holder: np.ndarray,
    queued_since: np.ndarray,
    person_post: np.ndarray,
    person_rank: np.ndarray,
    rank_since: np.ndarray,
    person_unit: np.ndarray,
    person_abroad: np.ndarray,
    highest_rank: np.ndarray,
    posts_held: np.ndarray,
    entry: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work the open posts rank by rank, top down: promotions, and vacancies queued for recruitment.

    Changes the post and person arrays in place as `Engine.assign` does for
    promotions, and marks queued vacancies in `queued_since`. Returns the
    promoted people's slots and their new posts, in the order they were
    assigned, and the offsets at which each rank's promotions start and end
    (length ranks + 1). `outside_entry` holds each rank's outside-entry
    probability this month; `tie_draw` the month's promotion-order uniforms
    by person slot.
    """
    post_count = len(holder)
    promoted = np.empty(post_count, np.int64)
    new_posts = np.empty(post_count, np.int64)
    offsets = np.zeros(JUNIOR + 2, np.int64)
    done = 0
    vacated = np.empty(0, np.int64)  # posts left by those promoted into the rank just worked
    for rank in range(JUNIOR + 1):
        vacant = np.concatenate((open_posts[post_rank[open_posts] == rank], vacated))
        vacated = np.empty(0, np.int64)
        if len(vacant):
            # Vacancies in random order, so no unit is served first by construction.
            vacant = vacant[np.argsort(order_draw[vacant], kind="mergesort")]
            opened = entry_draw[vacant] < outside_entry[rank]
            if rank < JUNIOR and probability > 0:
                offered = np.nonzero(offer_draw[vacant] < probability)[0]
                if len(offered):
                    candidates = _candidates(
                        rank + 1, month, min_months_in_rank, by_seniority, post_rank, holder, rank_since, entry, tie_draw
                    )
                    count = min(len(offered), len(candidates))
                    vacated = person_post[candidates[:count]]
                    holder[vacated] = NO_ONE
                    for k in range(count):
                        person, post = candidates[k], vacant[offered[k]]
                        holder[post] = person
                        queued_since[post] = NO_ONE
                        person_post[person] = post
                        person_rank[person] = post_rank[post]
                        rank_since[person] = month
                        person_unit[person] = post_unit[post]
                        person_abroad[person] = post_abroad[post]
                        highest_rank[person] = min(highest_rank[person], post_rank[post])
                        posts_held[person] += 1
                        promoted[done] = person
                        new_posts[done] = post
                        done += 1
                        opened[offered[k]] = False
            for k in range(len(vacant)):
                if opened[k]:
                    queued_since[vacant[k]] = month
        offsets[rank + 1] = done
    return promoted[:done], new_posts[:done], offsets


@njit(cache=True)
def _candidates(
    rank: int,
    month: int,
    min_months_in_rank: int,
    by_seniority: bool,
    post_rank: np.ndarray,
    holder: np.ndarray,
    rank_since: np.ndarray,
    entry: np.ndarray,
    tie_draw: np.ndarray,
) -> np.ndarray:
    """Those eligible for promotion from `rank`, in the order they are taken (random, or longest service first)."""
    eligible = np.empty(len(holder), np.int64)
    count = 0
    for post in range(len(holder)):  # in post order, as the rule takes the holders of the rank's posts
        person = holder[post]
        if post_rank[post] == rank and person != NO_ONE and month - rank_since[person] >= min_months_in_rank:
            eligible[count] = person
            count += 1
    eligible = eligible[:count][np.argsort(tie_draw[eligible[:count]], kind="mergesort")]
    if by_seniority:
        # A stable sort by entry month of the tie-broken order is lexsort((tie_draw, entry)).
        eligible = eligible[np.argsort(entry[eligible], kind="mergesort")]
    return eligible
