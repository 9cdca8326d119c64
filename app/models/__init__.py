"""Database models: one aggregate per file in this package, each imported here.

Importing a model here registers its tables with ``db.metadata``, which is what
``flask db migrate`` compares against the database.
"""

from app.models import agenda_stamps  # noqa: F401  (bumps the agenda cache's stamps on writes)
from app.models.attendee import Attendee
from app.models.event import Event
from app.models.followup import FollowUp
from app.models.job import SolveJob
from app.models.organiser import Organiser
from app.models.outbox import OutboxMessage
from app.models.request import MeetingRequest
from app.models.schedule import Meeting, ScheduleVersion
from app.models.sponsor import SponsorContact

__all__ = [
    "Attendee",
    "Event",
    "FollowUp",
    "Meeting",
    "MeetingRequest",
    "Organiser",
    "OutboxMessage",
    "ScheduleVersion",
    "SolveJob",
    "SponsorContact",
]
