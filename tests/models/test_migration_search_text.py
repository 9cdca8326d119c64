"""The migration that adds ``Attendee.search_text``: attendees already there are found too."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from app.models import Attendee
from app.services.events.editing import create_event, default_start

BEFORE = "9d2f6b1c4e07"  # the solver's status of a build: the revision before this one


def test_existing_attendees_are_folded_for_search(empty_database_url: str) -> None:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "migration", "SQLALCHEMY_DATABASE_URI": empty_database_url}
    )
    with app.app_context():
        flask_migrate.upgrade()
        event = create_event(
            None, {"name": "Forum", "starts_at": default_start(), "rounds": 4, "tables": 4}
        )
        db.session.add(
            Attendee(
                event_id=event.id,
                email="l.b@firma.pl",
                name="Łukasz Brzęczyszczykiewicz",
                company="Żółć",
                kind="partner",
                region="EMEA",
            )
        )
        db.session.commit()
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        columns = {c["name"] for c in inspect(db.engine).get_columns("attendees")}
        assert "search_text" not in columns
        flask_migrate.upgrade()
        folded = db.session.execute(text("SELECT search_text FROM attendees")).scalar()
        assert folded == "lukasz brzeczyszczykiewicz zolc l.b@firma.pl"
        db.session.remove()
        db.engine.dispose()
