"""Political appointments: the commissar's post changes hands by dated decisions.

The commissar was appointed by the party leadership, not promoted through
the service, and the purge's hazard did not decide his tenure: Litvinov
held the post until Molotov took it over in May 1939 (F4) and survived
(F8). With `appointments.commissar_appointed`, the holder of post 0 is
exempt from the purge, the HQ wave, retirement and transfer out (sim/model/rules/
purge.py, attrition.py); only death or a dated change ends his tenure. In
each month of `commissar_changes` he is dismissed (he leaves the service
and is followed like anyone who left) and an outside appointee takes the
post at once. The appointee is a party leader, not a man of the
service: an Old Bolshevik (party member before 1917) aged
`appointments.appointee_age` at appointment, with the veterans' profile
(F5) otherwise, drawn from a stream of his own (assumption: Molotov, born
1890, party member from 1906, was 49; the sources give no profile for
him). He is counted with the veterans' recruits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.categories import DISMISSED, VETERANS_PROFILE
from sim.model.posts import NO_ONE
from sim.model.profiles import draw_people
from sim.model.roster import LEFT
from sim.scenario.config import PartyShares, month_index

if TYPE_CHECKING:
    from sim.model.state import State

COMMISSAR = 0  # the commissar's post (sim/model/posts.py)


class AppointmentRule:
    """The dated changes of the commissar."""

    def __init__(self, state: State) -> None:
        appointments = state.scenario.appointments
        self.changes = frozenset(month_index(date) for date in appointments.commissar_changes)
        old_bolshevik = PartyShares(pre_1917=1.0, civil_war=0.0, later=0.0, none=0.0)
        self.appointee = state.scenario.profiles.veterans.model_copy(
            update={"age_at_entry": appointments.appointee_age, "party": old_bolshevik}
        )

    def apply(self, state: State, month: int) -> None:
        """Replace the commissar if this is a month of change."""
        if month not in self.changes:
            return
        holder = state.posts.holder[COMMISSAR]
        if holder != NO_ONE:
            state.leave_service(np.array([holder]), month, DISMISSED, LEFT)
        rng = state.streams.generator("appointments", month)
        people = draw_people(rng, self.appointee, np.array([month], dtype=np.int32), VETERANS_PROFILE)
        state.enter(people, np.array([COMMISSAR]), month)
        state.count("recruits:veterans")
