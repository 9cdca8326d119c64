"""Which hand edits of a schedule version keep every hard rule, and why the others would not.

The schedule page offers only what this module allows, and the edit services ask it again
before touching anything, so a button the page shows is one the service accepts (and a forged
or stale form is refused with the same sentence). ``solver/validate.py`` still checks the whole
schedule before any edit is stored: this module decides what to offer, the checker has the
last word.

People are named by name and company, never by e-mail (``label``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from app.models import Attendee, Meeting, ScheduleVersion
from app.services.scheduling.instance import EventInstance, instance_for
from solver.schema import Violation
from solver.validate import must_pairs


def label(attendee: Attendee) -> str:
    """How an organiser's page names a person: "Maya Thompson (Northwind Cloud)"."""
    return f"{attendee.name} ({attendee.company})" if attendee.company else attendee.name


def named(violation: Violation, built: EventInstance) -> str:
    """A checker's sentence with each person's e-mail replaced by their name and company."""
    text = violation.message
    people = [built.attendees[i] for i in violation.attendees if 0 <= i < len(built.attendees)]
    for person in sorted(people, key=lambda a: -len(a.email)):  # longer first: no partial hits
        text = text.replace(person.email, label(person))
    return text


@dataclass
class Legality:
    """What one version allows: free tables, who is busy when, who has met, who may lose one."""

    version: ScheduleVersion
    built: EventInstance
    busy: dict[tuple[int, int], Meeting] = field(default_factory=dict)  # (round, id) -> meeting
    met: set[frozenset[int]] = field(default_factory=set)
    tables_used: dict[int, set[int]] = field(default_factory=dict)  # round -> tables
    degree: Counter[int] = field(default_factory=Counter)
    must: set[frozenset[int]] = field(default_factory=set)  # attendee id pairs
    _rows: dict[int, np.ndarray] = field(default_factory=dict)  # allowed rows, by attendee id

    def __post_init__(self) -> None:
        for m in self.version.meetings:
            for x in (m.attendee_a_id, m.attendee_b_id):
                self.busy[(m.round, x)] = m
                self.degree[x] += 1
            self.met.add(frozenset((m.attendee_a_id, m.attendee_b_id)))
            self.tables_used.setdefault(m.round, set()).add(m.table)
        ids = [a.id for a in self.built.attendees]
        self.must = {frozenset((ids[i], ids[j])) for i, j in must_pairs(self.built.instance)}

    # -- facts -------------------------------------------------------------------------------

    @property
    def rounds(self) -> int:
        return self.built.instance.rules.rounds

    @property
    def tables(self) -> int:
        return self.built.instance.rules.tables

    def person(self, attendee_id: int) -> Attendee:
        return self.built.attendees[self.built.position[attendee_id]]

    def free_tables(self, round_: int) -> list[int]:
        """The tables nobody sits at in ``round_``, in order."""
        used = self.tables_used.get(round_, set())
        return [t for t in range(1, self.tables + 1) if t not in used]

    def available(self, attendee_id: int, round_: int) -> bool:
        """Whether the person attends ``round_`` (a re-planned version: absent from its round)."""
        version = self.version
        if (
            version.replan_from_round is not None
            and round_ >= version.replan_from_round
            and attendee_id in (version.replan_absent or ())
        ):
            return False
        return bool(self.built.scorer.available[self.built.position[attendee_id], round_ - 1])

    def partner(self, meeting: Meeting, attendee_id: int) -> int:
        return (
            meeting.attendee_b_id if meeting.attendee_a_id == attendee_id else meeting.attendee_a_id
        )

    def _pair_refusal(self, a: int, b: int) -> str | None:
        """Why ``a`` and ``b`` may never meet (company, avoid, met already), else None."""
        x, y = self.person(a), self.person(b)
        pos = self.built.position
        if a == b:
            return "a person cannot meet themselves"
        if x.company.strip().lower() == y.company.strip().lower():
            return f"{x.name} and {y.name} both work for {x.company}"
        if not self.built.scorer.may_meet(pos[a], pos[b]):
            if pos[b] in self.built.scorer.avoid.get(pos[a], set()):
                return f"{label(x)} and {label(y)} asked not to meet"
            return f"{label(x)} and {label(y)} share no round they both attend"
        if frozenset((a, b)) in self.met:
            return f"{label(x)} and {label(y)} already meet in this schedule"
        return None

    # -- the edits ---------------------------------------------------------------------------

    def add_refusal(self, a: int, b: int, round_: int) -> str | None:
        """Why a meeting of ``a`` and ``b`` cannot be added in ``round_``, else None."""
        if not 1 <= round_ <= self.rounds:
            return f"choose a round from 1 to {self.rounds}"
        why = self._pair_refusal(a, b)  # the people first: they may never meet at all
        if why is not None:
            return why
        for x in (a, b):
            if (round_, x) in self.busy:
                return f"{label(self.person(x))} already has a meeting in round {round_}"
            if not self.available(x, round_):
                return f"{label(self.person(x))} does not attend round {round_}"
        if not self.free_tables(round_):
            return f"round {round_} has no free table"
        return None

    def _allowed_row(self, attendee_id: int) -> np.ndarray:
        """[j]: the person may ever meet attendee j (other company, no avoid, a shared round)."""
        if attendee_id not in self._rows:
            me = np.array([self.built.position[attendee_id]])
            self._rows[attendee_id] = self.built.scorer.allowed(me)[0]
        return self._rows[attendee_id]

    def partners_to_add(self, attendee_id: int, round_: int) -> list[Attendee]:
        """Everyone ``attendee_id`` could be given a meeting with in ``round_``.

        The same answer as ``add_refusal`` for each of them, computed in one pass.
        """
        if (
            not self.free_tables(round_)
            or (round_, attendee_id) in self.busy
            or not self.available(attendee_id, round_)
        ):
            return []
        allowed = self._allowed_row(attendee_id)
        return [
            other
            for j, other in enumerate(self.built.attendees)
            if allowed[j]
            and other.id != attendee_id
            and (round_, other.id) not in self.busy
            and frozenset((attendee_id, other.id)) not in self.met
            and self.available(other.id, round_)
        ]

    def swap_refusal(self, round_: int, x: int, y: int) -> str | None:
        """Why ``x`` and ``y`` cannot trade places (partner and table) in ``round_``, else None."""
        mx, my = self.busy.get((round_, x)), self.busy.get((round_, y))
        if mx is None or my is None:
            return f"both people need a meeting in round {round_} to swap"
        if mx is my:
            return "these two are meeting each other; nothing to swap"
        p, q = self.partner(mx, x), self.partner(my, y)
        for old in ((x, p), (y, q)):
            if frozenset(old) in self.must:
                one, two = (label(self.person(i)) for i in old)
                return f"{one} must meet {two}: that meeting cannot be broken up"
        for a, b in ((x, q), (y, p)):
            why = self._pair_refusal(a, b)
            if why is not None:
                return why
        return None

    def swaps(self, round_: int, x: int) -> list[Attendee]:
        """Everyone ``x`` may trade places with in ``round_``.

        The same answer as ``swap_refusal`` for each of them, computed in one pass.
        """
        mx = self.busy.get((round_, x))
        if mx is None:
            return []
        p = self.partner(mx, x)
        if frozenset((x, p)) in self.must:
            return []
        x_may, p_may = self._allowed_row(x), self._allowed_row(p)
        pos = self.built.position
        out = []
        for other in self.built.attendees:
            y = other.id
            my = self.busy.get((round_, y))
            if my is None or my is mx:
                continue
            q = self.partner(my, y)
            if (
                frozenset((y, q)) not in self.must
                and x_may[pos[q]]
                and p_may[pos[y]]
                and frozenset((x, q)) not in self.met
                and frozenset((y, p)) not in self.met
            ):
                out.append(other)
        return out

    def remove_refusal(self, meeting: Meeting) -> str | None:
        """Why ``meeting`` cannot be removed (a must-meet, someone's minimum), else None."""
        a, b = meeting.attendee_a_id, meeting.attendee_b_id
        if frozenset((a, b)) in self.must:
            return f"{label(self.person(a))} must meet {label(self.person(b))}"
        rules = self.built.instance.rules
        for x in (a, b):
            need = rules.minimum_for(self.built.instance.attendees[self.built.position[x]])
            if self.degree[x] - 1 < need:
                return (
                    f"{label(self.person(x))} would have {self.degree[x] - 1} meetings, "
                    f"fewer than the {need} required"
                )
        return None


def legality(version: ScheduleVersion) -> Legality:
    """What hand edits ``version`` allows, from the event's instance of this request."""
    return Legality(version, instance_for(version.event))
