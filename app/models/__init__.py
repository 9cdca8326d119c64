"""Database models: one aggregate per file in this package, each imported here.

Importing a model here registers its tables with ``db.metadata``, which is what
``flask db migrate`` compares against the database.
"""

from app.models import agenda_stamps  # noqa: F401  (bumps the agenda cache's stamps on writes)
from app.models.agreed import AgreedMeeting
from app.models.attendee import Attendee
from app.models.event import Event
from app.models.followup import FollowUp
from app.models.job import SolveJob
from app.models.lead import Lead
from app.models.meeting_ref import MeetingRef
from app.models.notice import Publication, PushReminder, PushSubscription
from app.models.organiser import Organiser
from app.models.outbox import OutboxMessage
from app.models.request import MeetingRequest
from app.models.schedule import Meeting, ScheduleVersion
from app.models.series import Series
from app.models.sponsor import SponsorContact
from app.models.team import DoorLink, EventMember

__all__ = [
    "AgreedMeeting",
    "Attendee",
    "DoorLink",
    "Event",
    "EventMember",
    "FollowUp",
    "Lead",
    "Meeting",
    "MeetingRef",
    "MeetingRequest",
    "Organiser",
    "OutboxMessage",
    "Publication",
    "PushReminder",
    "PushSubscription",
    "ScheduleVersion",
    "Series",
    "SolveJob",
    "SponsorContact",
]
