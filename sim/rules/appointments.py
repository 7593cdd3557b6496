"""Political appointments: the commissar's post changes hands by dated decisions.

The commissar was appointed by the party leadership, not promoted through
the service, and the purge's hazard did not decide his tenure: Litvinov
held the post until Molotov took it over in May 1939 (F4) and survived
(F8). With `appointments.commissar_appointed`, the holder of post 0 is
exempt from the purge, the HQ wave, retirement and transfer out (sim/rules/
purge.py, attrition.py); only death or a dated change ends his tenure. In
each month of `commissar_changes` he is dismissed (he leaves the service
and is followed like anyone who left) and an outside appointee takes the
post at once. The appointee is drawn with the veterans' profile (F5), from
a stream of his own (assumption: Molotov was an Old Bolshevik and party
leader; the sources give no profile for him).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.categories import DISMISSED, VETERANS_PROFILE
from sim.config import month_index
from sim.posts import NO_ONE
from sim.profiles import draw_people
from sim.roster import LEFT

if TYPE_CHECKING:
    from sim.engine import Engine

COMMISSAR = 0  # the commissar's post (sim/posts.py)


class AppointmentRule:
    """The dated changes of the commissar."""

    def __init__(self, engine: Engine) -> None:
        self.changes = frozenset(month_index(date) for date in engine.scenario.appointments.commissar_changes)

    def apply(self, engine: Engine, month: int) -> None:
        """Replace the commissar if this is a month of change."""
        if month not in self.changes:
            return
        holder = engine.posts.holder[COMMISSAR]
        if holder != NO_ONE:
            engine.leave_service(np.array([holder]), month, DISMISSED, LEFT)
        rng = engine.streams.generator("appointments", month)
        people = draw_people(rng, engine.scenario.profiles.veterans, np.array([month], dtype=np.int32), VETERANS_PROFILE)
        engine.enter(people, np.array([COMMISSAR]), month)
        engine.count("recruits:veterans")
