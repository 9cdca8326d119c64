"""The migration that adds session versions and log-in lockout to organisers (issue 11,
items 11 and 12): existing accounts keep working, and it goes back down cleanly."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import _default_password_hash

BEFORE = "da9390edf30b"  # sponsor contacts: the revision before this one


def test_existing_organisers_get_a_session_version_and_no_lockout(
    empty_database_url: str, tmp_path: Path
) -> None:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "migration", "SQLALCHEMY_DATABASE_URI": empty_database_url}
    )
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        db.session.execute(
            text(
                "INSERT INTO organisers (email, name, password_hash, created_at) "
                "VALUES ('ada@example.org', 'Ada', :hash, CURRENT_TIMESTAMP)"
            ),
            {"hash": _default_password_hash()},
        )
        db.session.commit()
        flask_migrate.upgrade()
        row = db.session.execute(
            text("SELECT session_version, failed_logins, locked_until FROM organisers")
        ).one()
        assert tuple(row) == (1, 0, None)
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        columns = {c["name"] for c in inspect(db.engine).get_columns("organisers")}
        assert not columns & {"session_version", "failed_logins", "locked_until"}
        assert db.session.execute(text("SELECT count(*) FROM organisers")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
