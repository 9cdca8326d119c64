"""The migration that adds meeting references: meetings stored before it get their codes."""

from __future__ import annotations

from datetime import datetime

import flask_migrate
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Attendee, Event, Meeting, MeetingRef, ScheduleVersion
from app.models.meeting_ref import is_valid_code
from app.services.events.editing import create_event
from app.services.followups.references import find_meeting

BEFORE = "3a7c5e91d2b4"  # follow-up text limits: the revision before this one


def test_meetings_stored_before_get_a_reference_each(empty_database_url: str) -> None:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "migration", "SQLALCHEMY_DATABASE_URI": empty_database_url}
    )
    with app.app_context():
        flask_migrate.upgrade()
        event = create_event(
            None, {"name": "Forum", "starts_at": datetime(2030, 3, 4, 9), "rounds": 3, "tables": 3}
        )
        people = []
        for n in range(4):
            people.append(
                Attendee(
                    event_id=event.id,
                    email=f"p{n}@c{n}.example",
                    name=f"P{n}",
                    company=f"C{n}",
                    kind="partner",
                    region="EMEA",
                )
            )
        db.session.add_all(people)
        db.session.flush()
        a, b, c, d = people
        for number, pairs in ((1, [(a, b), (c, d)]), (2, [(b, a), (a, c)])):
            version = ScheduleVersion(event_id=event.id, number=number)
            version.meetings = [
                Meeting(round=r, table=1, attendee_a_id=x.id, attendee_b_id=y.id)
                for r, (x, y) in enumerate(pairs, start=1)
            ]
            db.session.add(version)
            db.session.flush()
        event.published_version_id = version.id
        db.session.commit()
        old_number = db.session.scalar(select(Meeting.id).order_by(Meeting.id))  # v1's a-b
        ids = [p.id for p in people]
        event_id, published_id = event.id, version.id
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        flask_migrate.upgrade()
        refs = db.session.scalars(select(MeetingRef)).all()
        a, b, c, d = ids
        assert sorted(r.pair for r in refs) == sorted([(a, b), (c, d), (a, c)])  # one per pair
        assert all(is_valid_code(r.code) for r in refs)
        found = find_meeting(db.session.get(Event, event_id), f"meeting {old_number}")
        assert found.meeting is not None and found.meeting.version_id == published_id
        db.session.remove()
        db.engine.dispose()
