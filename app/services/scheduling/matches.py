"""How well one attendee matches everyone else at their event, for the attendee's own pages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.models import Attendee
from app.services.scheduling.instance import instance_for


@dataclass(frozen=True)
class Match:
    """Another attendee, the pair's complementarity and whether the two may meet at all."""

    other: Attendee
    score: float
    allowed: bool  # another company, a round in common, no avoid rule from the organiser


def matches_of(attendee: Attendee) -> list[Match]:
    """Everyone else at the attendee's event, in a fixed order, scored without any requests.

    The attendees' own requests are left out so the scores stay plain complementarity.
    """
    built = instance_for(attendee.event, with_requests=False)
    me = built.position[attendee.id]
    row = np.array([me])
    scores = built.scorer.block(row)[0]
    allowed = built.scorer.allowed(row)[0]
    return [
        Match(other, float(scores[k]), bool(allowed[k]))
        for k, other in enumerate(built.attendees)
        if k != me
    ]
