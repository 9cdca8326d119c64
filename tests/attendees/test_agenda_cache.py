"""The agenda page served from its cached rendering: same page, never stale, never another's.

Every change an agenda shows is made through the service the organiser or attendee uses, with
the cache warm, and the next load must show it. The ETag tests fail on code without the cache
(no ETag, no 304).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import event as sa_event
from sqlalchemy import select, text

import app.attendee.routes as routes
import app.services.attendees.agenda as agenda_service
from app import create_app
from app.extensions import db
from app.models import Attendee, Event, PushReminder
from app.services.attendees import agenda_cache
from app.services.attendees.checkin import check_in
from app.services.attendees.editing import save_attendee
from app.services.attendees.requests import set_request
from app.services.events import clock
from app.services.events.editing import create_event, update_event
from app.services.events.team import create_door_link
from app.services.followups.answers import record_followup
from app.services.followups.closing import close_followups
from app.services.messages.mailing import reissue_link
from app.services.scheduling.replanning import replan_event
from app.services.scheduling.versions import publish
from tests.attendee_helpers import Forum, local_start, make_forum, page_text

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def forum(make_event, make_attendee, make_version) -> Forum:
    """The attendee helpers' forum, in 2030: nothing on its pages changes with the clock today."""
    return make_forum(make_event, make_attendee, make_version)


@pytest.fixture
def past(make_event, make_attendee, make_version) -> Forum:
    """The forum, started an hour ago: every round is over and its follow-ups are open."""
    return make_forum(make_event, make_attendee, make_version, starts_at=local_start(60))


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Counts the agendas built (each a render): one entry per build_agenda call."""
    calls: list[int] = []
    real = routes.build_agenda

    def counting(attendee, now=None):
        calls.append(attendee.id)
        return real(attendee, now)

    monkeypatch.setattr(routes, "build_agenda", counting)
    return calls


@contextmanager
def counted_queries(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL statements run inside the block.

    The token lookup runs its one statement on the driver's connection (agenda_cache's
    ``_server_lookup`` on PostgreSQL, ``_file_lookup`` on SQLite), below SQLAlchemy's events:
    each call counts as its statement.
    """
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    for name in ("_server_lookup", "_file_lookup"):
        real = getattr(agenda_cache, name)

        def lookup(engine, token, real=real):
            statements.append(str(agenda_cache.OWNER_QUERY.compile(dialect=engine.dialect)))
            return real(engine, token)

        monkeypatch.setattr(agenda_cache, name, lookup)
    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)


def agenda(client, who: Attendee, **headers: str):
    response = client.get(f"/a/{who.token}", headers=headers)
    return response


def text_of(client, who: Attendee) -> str:
    response = agenda(client, who)
    assert response.status_code == 200
    return page_text(response)


# -- the cached page is the page --------------------------------------------------------------


def test_the_cached_page_equals_a_fresh_render(app: Flask, client, forum: Forum, monkeypatch):
    instant = datetime(2026, 12, 3, 10, 17, tzinfo=UTC)  # a whole minute: the page's precision
    monkeypatch.setattr(clock, "utc_now", lambda: instant)
    monkeypatch.setattr(agenda_service, "utc_now", lambda: instant)
    first = agenda(client, forum.ann)
    cached = agenda(client, forum.ann)
    app.config["AGENDA_CACHE"] = "off"
    fresh = agenda(client, forum.ann)
    assert first.status_code == cached.status_code == fresh.status_code == 200
    assert cached.get_data(as_text=True) == fresh.get_data(as_text=True)
    assert first.get_data(as_text=True) == fresh.get_data(as_text=True)
    assert "Last updated" in page_text(cached) and "11:17, 03 Dec" in page_text(cached)
    assert 'data-rendered="2026-12-03T10:17:00+00:00"' in cached.get_data(as_text=True)


def test_a_second_load_is_not_rendered_again(client, forum: Forum, renders) -> None:
    assert "Bo Beta" in text_of(client, forum.ann)
    assert "Bo Beta" in text_of(client, forum.ann)
    assert "Ann Alpha" in text_of(client, forum.bo)
    assert renders == [forum.ann.id, forum.bo.id]


def test_the_last_updated_time_is_the_minute_it_was_served(client, forum: Forum, monkeypatch):
    instant = datetime(2026, 12, 3, 10, 17, 30, tzinfo=UTC)
    monkeypatch.setattr(clock, "utc_now", lambda: instant)
    agenda(client, forum.ann)
    monkeypatch.setattr(clock, "utc_now", lambda: instant + timedelta(minutes=3))
    later = agenda(client, forum.ann).get_data(as_text=True)
    assert 'data-rendered="2026-12-03T10:20:00+00:00"' in later
    assert "11:20, 03 Dec" in later  # Amsterdam


# -- ETag and 304 -----------------------------------------------------------------------------


def test_a_phone_with_the_current_page_gets_304_for_one_query(
    app: Flask, client, forum: Forum, renders, monkeypatch
) -> None:
    first = agenda(client, forum.ann)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    assert first.headers["Cache-Control"] == "private, no-cache"
    with counted_queries(app, monkeypatch) as queries:
        again = agenda(client, forum.ann, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert len(queries) == 1 and "attendees" in queries[0]  # the token's indexed lookup
    assert renders == [forum.ann.id]


def test_an_old_etag_gets_the_new_page(client, forum: Forum) -> None:
    etag = agenda(client, forum.ann).headers["ETag"]
    record = {"email": "bo@beta.example", "name": "Bo Brandnew", "company": "Beta Security"}
    record |= {"kind": "partner", "region": "APAC", "offers": "security", "seeks": "cloud"}
    assert save_attendee(forum.event, record, forum.bo).attendee is not None
    response = agenda(client, forum.ann, **{"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert "Bo Brandnew" in page_text(response)


def test_the_etag_changes_with_the_minute(client, forum: Forum, monkeypatch) -> None:
    instant = datetime(2026, 12, 3, 10, 17, 5, tzinfo=UTC)
    monkeypatch.setattr(clock, "utc_now", lambda: instant)
    etag = agenda(client, forum.ann).headers["ETag"]
    monkeypatch.setattr(clock, "utc_now", lambda: instant + timedelta(seconds=40))
    assert agenda(client, forum.ann, **{"If-None-Match": etag}).status_code == 304
    monkeypatch.setattr(clock, "utc_now", lambda: instant + timedelta(seconds=60))
    moved = agenda(client, forum.ann, **{"If-None-Match": etag})
    assert moved.status_code == 200 and "11:18, 03 Dec" in page_text(moved)


def test_another_attendees_etag_never_answers_304(client, forum: Forum) -> None:
    ann_etag = agenda(client, forum.ann).headers["ETag"]
    bo = agenda(client, forum.bo, **{"If-None-Match": ann_etag})
    assert bo.status_code == 200 and bo.headers["ETag"] != ann_etag
    assert "Hello Bo Beta" in page_text(bo)


# -- never another's page, never a dead link --------------------------------------------------


def test_a_reissued_link_answers_404_at_once_even_with_its_page_cached(
    client, forum: Forum
) -> None:
    old = forum.ann.token
    etag = agenda(client, forum.ann).headers["ETag"]
    new = reissue_link(forum.ann)
    assert client.get(f"/a/{old}").status_code == 404
    assert client.get(f"/a/{old}", headers={"If-None-Match": etag}).status_code == 404
    fresh = client.get(f"/a/{new}")
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    body = fresh.get_data(as_text=True)
    assert f"/a/{new}/agenda.ics" in body and old not in body


def test_each_token_gets_its_own_page(client, forum: Forum) -> None:
    for person in (forum.ann, forum.bo, forum.cy, forum.ann, forum.bo, forum.cy):
        assert f"Hello {person.name}" in text_of(client, person)
        assert f"/a/{person.token}/agenda.ics" in agenda(client, person).get_data(as_text=True)


def test_unknown_and_malformed_tokens_are_404(client, forum: Forum) -> None:
    agenda(client, forum.ann)
    assert client.get(f"/a/{forum.ann.token[:-1]}x").status_code == 404
    assert client.get(f"/a/{forum.ann.token.swapcase()}").status_code == 404
    assert client.get("/a/short").status_code == 404


# -- every change the page shows reaches it ---------------------------------------------------


def test_publishing_another_version_shows_it(client, forum: Forum, make_version) -> None:
    assert "Bo Beta" in text_of(client, forum.ann)
    version = make_version(forum.event, [(2, 1, forum.ann, forum.eve)])
    publish(version)
    page = text_of(client, forum.ann)
    assert "Eve Epsilon" in page and "new meeting" in page
    assert "your meeting with Bo Beta (Beta Security)" in page  # struck through as cancelled


def test_a_replan_shows_at_once(client, past: Forum) -> None:
    assert "Bo Beta" in text_of(client, past.ann)
    for person in (past.ann, past.cy, past.dee, past.eve):  # Bo did not come
        check_in(past.event, person)
    replan_event(past.event, 1, time_limit=3)
    page = text_of(client, past.ann)
    assert "Cancelled at" in page and "your meeting with Bo Beta (Beta Security)" in page


def test_a_name_change_of_the_other_person_shows(client, forum: Forum) -> None:
    assert "Bo Beta" in text_of(client, forum.ann)
    record = {"email": "bo@beta.example", "name": "Bo Renamed", "company": "Beta Sec Ltd"}
    record |= {"kind": "partner", "region": "APAC", "offers": "security", "seeks": "cloud"}
    save_attendee(forum.event, record, forum.bo)
    page = text_of(client, forum.ann)
    assert "Bo Renamed" in page and "Beta Sec Ltd" in page and "Bo Beta" not in page


def test_ones_own_name_change_shows(client, forum: Forum) -> None:
    assert "Hello Ann Alpha" in text_of(client, forum.ann)
    record = {"email": "ann@alpha.example", "name": "Ann Other", "company": "Alpha Cloud"}
    record |= {"kind": "partner", "region": "EMEA", "offers": "cloud, backup", "seeks": "security"}
    record |= {"target_regions": "APAC", "goals": "find_partners"}
    save_attendee(forum.event, record, forum.ann)
    assert "Hello Ann Other" in text_of(client, forum.ann)


def test_a_table_name_change_shows(client, forum: Forum) -> None:
    assert "Tulip" in text_of(client, forum.ann)
    update_event(forum.event, {"table_names": ["Booth A2"]})
    page = text_of(client, forum.ann)
    assert "Booth A2" in page and "Tulip" not in page


def test_an_event_change_shows(client, forum: Forum) -> None:
    assert "RAI Amsterdam" in text_of(client, forum.ann)
    update_event(forum.event, {"venue": "Beurs van Berlage"})
    assert "Beurs van Berlage" in text_of(client, forum.ann)


def test_a_follow_up_answer_shows_and_leaves_the_others_cached(
    client, past: Forum, renders
) -> None:
    assert "Answer the follow-up" in text_of(client, past.ann)
    text_of(client, past.bo)
    record_followup(past.ann_bo, past.ann, {"held": "yes", "rating": "4", "recommend": "9"})
    assert "Follow-up done" in text_of(client, past.ann)
    text_of(client, past.bo)  # Bo's page shows nothing of Ann's answer: still cached
    assert renders == [past.ann.id, past.bo.id, past.ann.id]


def test_the_flash_after_a_follow_up_shows_once(client, past: Forum) -> None:
    text_of(client, past.ann)  # cached before the answer
    form = client.get(f"/a/{past.ann.token}/followup/{past.ann_bo.id}").get_data(as_text=True)
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = {"csrf_token": token, "held": "yes", "rating": "5", "recommend": "10"}
    answer |= {"next_step": "none", "currency": "EUR"}
    saved = client.post(
        f"/a/{past.ann.token}/followup/{past.ann_bo.id}", data=answer, follow_redirects=True
    )
    assert "Thank you: your follow-up on Bo Beta is saved" in page_text(saved)
    assert "Follow-up done" in page_text(saved)
    assert "ETag" not in saved.headers  # this visitor's message: not kept, not revalidated
    again = agenda(client, past.ann)
    assert "Thank you" not in page_text(again) and "Follow-up done" in page_text(again)


def test_a_must_meet_request_shows(client, forum: Forum) -> None:
    assert "You asked to meet them" not in text_of(client, forum.ann)
    set_request(forum.ann, forum.bo, "must", now=datetime(2026, 12, 3, tzinfo=UTC))
    assert "You asked to meet them" in text_of(client, forum.ann)


def test_closing_the_follow_ups_shows(client, past: Forum) -> None:
    assert "Answer the follow-up" in text_of(client, past.ann)
    close_followups(past.event)
    assert "Follow-ups are closed" in text_of(client, past.ann)


def test_a_round_ending_opens_its_follow_up_without_any_write(
    client, forum: Forum, monkeypatch
) -> None:
    """The clock alone changes the page: an entry is only used until the next round boundary."""
    amsterdam = forum.event.starts_at.replace(tzinfo=None)
    start = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # 09:00 Amsterdam, round 1 starts
    assert amsterdam.hour == 9
    monkeypatch.setattr(clock, "utc_now", lambda: start + timedelta(minutes=5))
    page = agenda(client, forum.ann).get_data(as_text=True)
    assert 'id="round-1" class="slot slot-meeting is-now"' in page
    assert "Follow-up opens at 09:10" in page
    monkeypatch.setattr(clock, "utc_now", lambda: start + timedelta(minutes=10, seconds=1))
    page = agenda(client, forum.ann).get_data(as_text=True)
    assert 'id="round-1" class="slot slot-meeting is-past"' in page
    assert "Answer the follow-up" in page


def test_requests_close_when_the_event_starts(client, forum: Forum, monkeypatch) -> None:
    start = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "utc_now", lambda: start - timedelta(seconds=30))
    assert "Whom to meet" in text_of(client, forum.ann)
    monkeypatch.setattr(clock, "utc_now", lambda: start)
    assert "Whom to meet" not in text_of(client, forum.ann)


def test_a_check_in_keeps_the_cache(client, forum: Forum, renders) -> None:
    """The door's check-ins at the start of an event show on no agenda: nothing re-renders."""
    text_of(client, forum.ann)
    stamp = db.session.scalar(select(Event.agenda_stamp).where(Event.id == forum.event.id))
    check_in(forum.event, forum.bo)
    check_in(forum.event, forum.ann)
    text_of(client, forum.ann)
    assert db.session.scalar(select(Event.agenda_stamp).where(Event.id == forum.event.id)) == stamp
    assert renders == [forum.ann.id]


def test_reminders_sent_and_door_access_keep_the_cache(client, forum: Forum, renders) -> None:
    """Push reminders go out all through the event and door links are made on the day: neither
    shows on an agenda, so neither may empty the cache at the rush."""
    text_of(client, forum.ann)
    stamps = (
        db.session.scalar(select(Event.agenda_stamp).where(Event.id == forum.event.id)),
        db.session.scalar(select(Attendee.agenda_stamp).where(Attendee.id == forum.ann.id)),
    )
    db.session.add(PushReminder(attendee_id=forum.ann.id, other_id=forum.bo.id, round=1))
    db.session.commit()
    create_door_link(forum.event, "Entrance B")
    text_of(client, forum.ann)
    assert (
        db.session.scalar(select(Event.agenda_stamp).where(Event.id == forum.event.id)),
        db.session.scalar(select(Attendee.agenda_stamp).where(Attendee.id == forum.ann.id)),
    ) == stamps
    assert renders == [forum.ann.id]


def test_every_worker_sees_a_change_made_by_another(app: Flask, forum: Forum) -> None:
    """Two processes, each with its own memory cache: the stamps live in the database."""
    other = create_app({**app.config, "AGENDA_CACHE": "memory"})
    first, second = app.test_client(), other.test_client()
    assert "Bo Beta" in text_of(first, forum.ann)
    with other.app_context():
        assert "Bo Beta" in text_of(second, forum.ann)
        bo = db.session.get(Attendee, forum.bo.id)
        assert bo is not None
        bo.name = "Bo Elsewhere"
        db.session.commit()
        db.session.remove()
    db.session.expire_all()
    assert "Bo Elsewhere" in text_of(first, forum.ann)
    with other.app_context():
        assert "Bo Elsewhere" in text_of(second, forum.ann)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_the_lookup_survives_the_server_dropping_its_connection(client, forum: Forum) -> None:
    """The token lookup skips the pre-use ping: a dropped connection costs a retry, not a 500."""
    assert agenda(client, forum.ann).status_code == 200
    lookup = agenda_cache.lookup_engine()
    assert lookup is not db.engine and lookup.pool.checkedin() == 1  # no ping, its own pool
    with lookup.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with db.engine.connect() as connection:  # as a server restart or a failover would
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    response = agenda(client, forum.ann)
    assert response.status_code == 200 and "Bo Beta" in page_text(response)
    db.engine.dispose()  # the lookup's connections go with the app's
    assert lookup.pool.checkedin() == 0


def test_without_the_cache_the_page_is_drawn_each_time(app: Flask, client, forum, renders):
    app.config["AGENDA_CACHE"] = "off"
    for _ in range(2):
        response = agenda(client, forum.ann)
        assert "ETag" not in response.headers
        assert response.headers["Cache-Control"] == "private, no-store"
    assert renders == [forum.ann.id, forum.ann.id]


# -- Redis, for real --------------------------------------------------------------------------


@pytest.fixture
def redis_app(database_url: str, tmp_path) -> Iterator[tuple[Flask, Redis, str]]:
    """The app with its agenda cache on a real Redis, under a prefix of its own (removed after)."""
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"mingle-test-agenda-{secrets.token_hex(6)}:"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "BUILD_RUNNER": "inline",
            "REDIS_URL": REDIS_URL,
            "AGENDA_CACHE_PREFIX": prefix,
        }
    )
    yield app, connection, prefix
    for key in connection.scan_iter(match=f"{prefix}*"):
        connection.delete(key)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.redis
def test_pages_are_kept_on_redis_and_follow_every_change(
    redis_app: tuple[Flask, Redis, str],
) -> None:
    app, connection, prefix = redis_app
    assert app.config["AGENDA_CACHE"] == "redis"
    with app.app_context():
        forum = forum_here()
        client = app.test_client()
        first = agenda(client, forum.ann)
        assert "Bo Beta" in page_text(first)
        keys = list(connection.scan_iter(match=f"{prefix}*"))
        assert len(keys) == 1 and forum.ann.token.encode() not in keys[0]  # a hash, not the token
        assert 0 < connection.ttl(keys[0]) <= agenda_cache.DEFAULT_MAX_SECONDS + 1
        # A second process (its own app object) reads the page from Redis: no render.
        other = create_app({**app.config})
        with other.app_context():
            again = other.test_client().get(
                f"/a/{forum.ann.token}", headers={"If-None-Match": first.headers["ETag"]}
            )
            assert again.status_code == 304
            db.session.remove()
            db.engine.dispose()
        forum.bo.name = "Bo Redis"
        db.session.commit()
        assert "Bo Redis" in text_of(client, forum.ann)
        old = forum.ann.token
        reissue_link(forum.ann)
        assert client.get(f"/a/{old}").status_code == 404
        assert "Bo Redis" in text_of(client, forum.ann)


@pytest.mark.redis
def test_a_redis_outage_still_serves_the_page(database_url: str) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
            "AGENDA_CACHE": "redis",
        }
    )
    with app.app_context():
        forum = forum_here()
        response = app.test_client().get(f"/a/{forum.ann.token}")
        assert response.status_code == 200 and "Bo Beta" in page_text(response)
        db.session.remove()
        db.engine.dispose()


def forum_here() -> Forum:
    """The forum made in the database of the app whose context is pushed."""
    from tests.conftest import add_version, attendee_factory

    def make_event(**settings):
        return create_event(None, {"name": "Forum", "rounds": 4, "tables": 4} | settings)

    return make_forum(make_event, attendee_factory(), add_version)


def test_a_bad_cache_setting_is_refused_by_name(tmp_path) -> None:
    from app.config import from_environment

    with pytest.raises(ValueError, match="AGENDA_CACHE must be one of redis, memory, off"):
        from_environment({"AGENDA_CACHE": "disk"}, str(tmp_path))
    with pytest.raises(ValueError, match="AGENDA_CACHE=redis needs REDIS_URL"):
        from_environment({"AGENDA_CACHE": "redis"}, str(tmp_path))
    with pytest.raises(ValueError, match="AGENDA_CACHE_SIZE .* not '0'"):
        from_environment({"AGENDA_CACHE_SIZE": "0"}, str(tmp_path))
