"""The data model: organisers, events, attendees, schedule versions, meetings and solve jobs."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db, login_manager
from app.models import Attendee, Event, Meeting, Organiser, ScheduleVersion, SolveJob
from app.models.event import EVENT_SETTINGS, make_slug
from app.services.scheduling.instance import to_solver
from app.services.scheduling.vocabulary import OPTIONAL, REQUIRED


def test_organiser_email_is_lower_case_and_password_hashed(make_organiser) -> None:
    """E-mails are stored lower-case; the password is only kept as a salted hash."""
    organiser = make_organiser(email="  Ada@Example.ORG ", password="s3cret-enough")
    assert organiser.email == "ada@example.org"
    assert "s3cret-enough" not in organiser.password_hash
    assert organiser.check_password("s3cret-enough")
    assert not organiser.check_password("S3cret-enough")
    assert repr(organiser) == f"<Organiser {organiser.id} ada@example.org>"


def test_login_manager_loads_organisers_by_id(make_organiser) -> None:
    """The session's login id (id and session version) gives back the organiser; an old
    version, a bare id or junk gives nobody."""
    organiser = make_organiser()
    assert organiser.get_id() == f"{organiser.id}.1"
    assert login_manager._user_callback(organiser.get_id()) is organiser
    assert login_manager._user_callback(f"{organiser.id}.0") is None
    assert login_manager._user_callback(str(organiser.id)) is None
    assert login_manager._user_callback("999999.1") is None
    assert login_manager._user_callback("nope") is None
    assert login_manager._user_callback("1.²") is None


def test_event_slug_is_url_safe_and_unique(make_event) -> None:
    """Slugs come from the name, lose accents and punctuation, and never collide."""
    first = make_event(name="Forum Été 2026: Zürich & Co!")
    second = make_event(name="Forum Été 2026: Zürich & Co!")
    assert re.fullmatch(r"forum-ete-2026-zurich-co-[0-9a-f]{6}", first.slug)
    assert first.slug != second.slug
    assert re.fullmatch(r"event-[0-9a-f]{6}", make_slug("???"))
    assert len(make_slug("x" * 300)) <= 80


def test_event_defaults_and_round_times(make_event) -> None:
    """Defaults match the brief; round r starts (r-1) * (round + break) after the start."""
    event = make_event(rounds=3, tables=4, starts_at=datetime(2030, 5, 6, 9, 0))
    assert (event.round_minutes, event.break_minutes, event.timezone) == (10, 5, "UTC")
    assert (event.min_meetings, event.p2p_weight, event.p2v_weight) == (0, 1.0, 1.0)
    assert event.tier_minimums == {} and event.table_names == []
    assert event.solve_time_limit == 30
    assert event.round_times() == [
        (datetime(2030, 5, 6, 9, 0), datetime(2030, 5, 6, 9, 10)),
        (datetime(2030, 5, 6, 9, 15), datetime(2030, 5, 6, 9, 25)),
        (datetime(2030, 5, 6, 9, 30), datetime(2030, 5, 6, 9, 40)),
    ]


def test_table_labels_use_names_when_given(make_event) -> None:
    """A named table shows its name; others, and blank names, show their number."""
    event = make_event(tables=3, table_names=["Window", ""])
    assert [event.table_label(t) for t in (1, 2, 3)] == ["Window", "Table 2", "Table 3"]


def test_event_timezone_must_be_an_iana_name(make_event) -> None:
    """Unknown zones are refused; an empty one means UTC."""
    with pytest.raises(ValueError, match="time zone"):
        make_event(timezone="Mars/Olympus")
    db.session.rollback()
    assert make_event(timezone="Europe/Paris").timezone == "Europe/Paris"
    assert make_event(timezone="").timezone == "UTC"


def test_only_the_owner_can_manage_an_event(make_organiser, make_event) -> None:
    """can_manage: the owner yes; another organiser, a visitor and ownerless events no."""
    owner, other = make_organiser(), make_organiser()
    event = make_event(owner)
    assert event.can_manage(owner)
    assert not event.can_manage(other)
    assert not event.can_manage(AnonymousUserMixin())
    assert not make_event(None).can_manage(owner)


def test_attendee_token_is_256_bits_and_reissued(make_event, make_attendee) -> None:
    """Each attendee gets a unique URL-safe 43-character token; reissuing replaces it."""
    event = make_event()
    a, b = make_attendee(event), make_attendee(event)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", a.token)
    assert a.token != b.token
    old = a.token
    assert a.reissue_token() != old
    db.session.commit()
    assert db.session.scalar(select(Attendee).where(Attendee.token == old)) is None


def test_attendee_email_is_unique_per_event_only(make_event, make_attendee) -> None:
    """One e-mail once per event (case-insensitively), but the same person may attend two."""
    first, second = make_event(), make_event()
    make_attendee(first, email="Ann@Example.org")
    make_attendee(second, email="ann@example.org")
    with pytest.raises(IntegrityError):
        make_attendee(first, email="ANN@example.org")
    db.session.rollback()


def test_attendee_to_solver(make_event, make_attendee) -> None:
    """The solver's view carries every matching field, rounds parsed from the stored text."""
    event = make_event()
    attendee = make_attendee(
        event,
        email="ann@example.org",
        name="Ann",
        company="Acme",
        kind="vendor",
        region="APAC",
        offers=["cloud", "security"],
        seeks=["ai"],
        target_regions=["EMEA"],
        goals=["recruit_partners"],
        must_meet=["bob@example.org"],
        avoid=["eve@example.org"],
        available_rounds="1-2;5",
        tier="gold",
    )
    person = to_solver(attendee)
    assert person.email == "ann@example.org" and person.kind == "vendor"
    assert person.offers == frozenset({"cloud", "security"})
    assert person.available_rounds == frozenset({1, 2, 5})
    assert person.must_meet == frozenset({"bob@example.org"})
    assert person.avoid == frozenset({"eve@example.org"})
    assert person.tier == "gold" and person.goals == frozenset({"recruit_partners"})
    assert to_solver(make_attendee(event)).available_rounds is None


def test_versions_hold_ordered_meetings_and_delete_them(
    make_event, make_attendee, make_version
) -> None:
    """Meetings come by round then table; deleting a version deletes its meetings."""
    event = make_event()
    a, b, c, d = (make_attendee(event) for _ in range(4))
    version = make_version(event, [(2, 1, a, b), (1, 2, c, d), (1, 1, a, b)])
    assert [(m.round, m.table) for m in version.meetings] == [(1, 1), (1, 2), (2, 1)]
    assert version.meetings[0].attendee_a is a
    assert version.source == "solver" and version.status == "ready" and version.note == ""
    assert all(not m.pinned and m.status == "scheduled" for m in version.meetings)
    db.session.delete(version)
    db.session.commit()
    assert db.session.scalars(select(Meeting)).all() == []


def test_publishing_a_version_and_deleting_it(make_event, make_attendee, make_version) -> None:
    """The events <-> versions cycle works both ways; a deleted version is unpublished."""
    event = make_event()
    a, b = make_attendee(event), make_attendee(event)
    version = make_version(event, [(1, 1, a, b)], published=True)
    assert event.published_version is version
    assert event.latest_version() is version
    db.session.delete(version)
    db.session.commit()
    db.session.refresh(event)
    assert event.published_version_id is None


def test_deleting_an_event_deletes_everything_under_it(
    make_organiser, make_event, make_attendee, make_version
) -> None:
    """Attendees, versions, meetings and jobs go with their event; the organiser stays."""
    organiser = make_organiser()
    event = make_event(organiser)
    a, b = make_attendee(event), make_attendee(event)
    version = make_version(event, [(1, 1, a, b)], published=True)
    db.session.add(SolveJob(event_id=event.id, version_id=version.id))
    db.session.commit()
    db.session.delete(event)
    db.session.commit()
    for model in (Event, Attendee, ScheduleVersion, Meeting, SolveJob):
        assert db.session.scalars(select(model)).all() == []
    assert db.session.get(Organiser, organiser.id) is organiser


def test_solve_job_defaults(make_event) -> None:
    """A new job is queued with nothing measured yet."""
    event = make_event()
    job = SolveJob(event_id=event.id, time_limit=12.5)
    db.session.add(job)
    db.session.commit()
    assert (job.status, job.phase, job.elapsed, job.keep_pinned) == ("queued", "", 0.0, False)
    assert job.objective is None and job.error is None and job.version_id is None
    assert event.jobs == [job]
    assert repr(job) == f"<SolveJob {job.id} event={event.id} queued>"


def test_every_column_of_the_attendees_file_is_an_attendee_column() -> None:
    """The model stores each column FORMATS.md names (the list in solver/io.py)."""
    assert set(REQUIRED + OPTIONAL) <= set(Attendee.__table__.columns.keys())


def test_every_event_setting_is_an_event_column() -> None:
    """The one list of settings an organiser sets names only columns of the events table."""
    assert set(EVENT_SETTINGS) <= set(Event.__table__.columns.keys())
