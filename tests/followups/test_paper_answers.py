"""Keying in paper follow-up forms: one attendee's answers about all their meetings at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting
from app.services.followups.references import code_of as ref
from tests.conftest import post_form


@pytest.fixture
def meetings(event: Event, make_version) -> list[Meeting]:
    """Published: Person0 meets Person4 (round 1), Person6 (round 2) and Person9 (round 3).

    The event was held yesterday, so every follow-up is open (they close 14 days after it).
    """
    event.starts_at = (datetime.now(ZoneInfo(event.timezone)) - timedelta(days=1)).replace(
        tzinfo=None, hour=9, minute=0, second=0, microsecond=0
    )
    db.session.commit()
    p = sorted(event.attendees, key=lambda a: a.id)
    version = make_version(
        event,
        [(1, 1, p[0], p[4]), (1, 2, p[2], p[5]), (2, 1, p[0], p[6]), (3, 1, p[9], p[0])],
        published=True,
    )
    return version.meetings


def person(event: Event, number: int) -> Attendee:
    return sorted(event.attendees, key=lambda a: a.id)[number]


def url(event: Event) -> str:
    return f"/organiser/events/{event.slug}/paper"


def answers(event: Event) -> list[FollowUp]:
    db.session.expire_all()
    return db.session.scalars(
        db.select(FollowUp).where(FollowUp.event_id == event.id).order_by(FollowUp.round)
    ).all()


def test_find_by_name_or_printed_meeting_id(event, meetings, login_as) -> None:
    """An old meeting id finds both people of that meeting; a unique name opens the form."""
    client: FlaskClient = login_as(event.organiser)
    html = client.get(f"{url(event)}?q={meetings[1].id}").get_data(as_text=True)
    assert "Person2 Example" in html and "Person5 Example" in html
    assert "Person0 Example" not in html
    response = client.get(f"{url(event)}?q=person0")
    assert response.status_code == 302 and f"attendee={person(event, 0).id}" in response.location
    html = client.get(response.location).get_data(as_text=True)
    assert html.count('class="card paper-row') == 3
    assert html.count(" autofocus") == 1
    for m in (meetings[0], meetings[2], meetings[3]):
        assert f'name="m{ref(m)}-held"' in html and f"meeting {ref(m)}" in html


def test_saving_two_meetings_answers_at_once(event, meetings, login_as) -> None:
    client: FlaskClient = login_as(event.organiser)
    p0 = person(event, 0)
    first, _, second, third = meetings
    data = {
        "attendee": p0.id,
        f"m{ref(first)}-held": "yes",
        f"m{ref(first)}-rating": "4",
        f"m{ref(first)}-recommend": "9",
        f"m{ref(first)}-next_step": "proposal",
        f"m{ref(first)}-pipeline_value": "25,000",
        f"m{ref(first)}-currency": "USD",
        f"m{ref(first)}-why": "Good fit",
        f"m{ref(second)}-held": "they_no_show",
        f"m{ref(second)}-next_step": "call",
        f"m{ref(second)}-currency": "EUR",
        f"m{ref(third)}-next_step": "none",  # blank form: skipped
        f"m{ref(third)}-currency": "EUR",
    }
    response = post_form(client, url(event), data, follow_redirects=True)
    assert "Saved 2 answers for Person0 Example." in response.get_data(as_text=True)
    one, two = answers(event)
    assert (one.attendee_id, one.other_id, one.held, one.rating, one.recommend) == (
        p0.id,
        person(event, 4).id,
        "yes",
        4,
        9,
    )
    assert (one.next_step, one.pipeline_value, one.currency, one.why) == (
        "proposal",
        25000.0,
        "USD",
        "Good fit",
    )
    assert (two.other_id, two.held, two.rating, two.next_step) == (
        person(event, 6).id,
        "they_no_show",
        None,
        "call",
    )
    # Keyed in again: the form shows the stored answers.
    html = client.get(f"{url(event)}?attendee={p0.id}").get_data(as_text=True)
    assert 'value="25000"' in html and 'value="Good fit"' in html


def test_an_invalid_row_saves_nothing_and_names_the_row_and_field(
    event, meetings, login_as
) -> None:
    client: FlaskClient = login_as(event.organiser)
    first, _, second, _ = meetings
    data = {
        "attendee": person(event, 0).id,
        f"m{ref(first)}-held": "yes",
        f"m{ref(first)}-rating": "4",
        f"m{ref(first)}-recommend": "9",
        f"m{ref(second)}-held": "yes",
        f"m{ref(second)}-rating": "7",  # out of 1-5
        f"m{ref(second)}-recommend": "3",
    }
    response = post_form(client, url(event), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert answers(event) == []
    assert "Nothing saved" in html
    assert f"Meeting {ref(second)} with Person6 Example: not saved" in html
    assert f'id="m{ref(second)}-rating-error"' in html and "Rate the meeting from 1" in html
    assert f'id="m{ref(first)}-rating-error"' not in html
    assert 'value="7"' in html  # what was typed stays to be corrected


def test_follow_ups_not_open_yet_are_not_saved(event, meetings, login_as) -> None:
    event.starts_at = datetime(2099, 3, 4, 9, 0)
    db.session.commit()
    client: FlaskClient = login_as(event.organiser)
    first = meetings[0]
    data = {
        "attendee": person(event, 0).id,
        f"m{ref(first)}-held": "yes",
        f"m{ref(first)}-rating": "4",
        f"m{ref(first)}-recommend": "9",
    }
    html = post_form(client, url(event), data).get_data(as_text=True)
    assert answers(event) == [] and "Nothing saved" in html


def test_another_organiser_gets_404(event, meetings, login_as, make_organiser) -> None:
    client: FlaskClient = login_as(make_organiser())
    p0 = person(event, 0)
    assert client.get(f"{url(event)}?attendee={p0.id}").status_code == 404
    first = meetings[0]
    data = {"attendee": p0.id, f"m{ref(first)}-held": "they_no_show"}
    assert post_form(client, url(event), data).status_code == 404
    assert answers(event) == []


def test_an_attendee_of_another_event_is_404(
    event, meetings, login_as, make_event, make_attendee
) -> None:
    stranger = make_attendee(make_event(event.organiser, name="Other"))
    client: FlaskClient = login_as(event.organiser)
    assert client.get(f"{url(event)}?attendee={stranger.id}").status_code == 404


def test_the_follow_ups_page_links_here(event, meetings, login_as) -> None:
    client: FlaskClient = login_as(event.organiser)
    html = client.get(f"/organiser/events/{event.slug}/followups").get_data(as_text=True)
    assert url(event) in html
