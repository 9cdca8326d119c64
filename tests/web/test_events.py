"""Event pages: create, list, edit, and the dashboard of what is done and what is next."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event
from tests.conftest import post_form

EVENT_FORM = {
    "name": "Nordic Partner Day",
    "venue": "Hall B",
    "timezone": "Europe/Oslo",
    "starts_at": "2030-09-12T13:30",
    "rounds": "8",
    "round_minutes": "12",
    "break_minutes": "3",
    "tables": "3",
    "table_names": "Window\n\nStage left",
    "min_meetings": "4",
    "tier_platinum": "7",
    "tier_gold": "5",
    "tier_silver": "",
    "p2p_weight": "1.5",
    "p2v_weight": "0.5",
    "solve_time_limit": "60",
    "reminder_minutes": "10",
}


def test_create_an_event_on_the_web(login_as, make_organiser) -> None:
    """Every setting on the form is saved, incl. table names and tier minimums."""
    organiser = make_organiser()
    client = login_as(organiser)
    assert "New event" in client.get("/organiser/events/new").get_data(as_text=True)
    response = post_form(client, "/organiser/events/new", EVENT_FORM)
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert response.headers["Location"] == f"/organiser/events/{event.slug}"
    assert event.organiser_id == organiser.id
    assert event.starts_at == datetime(2030, 9, 12, 13, 30)
    assert event.timezone == "Europe/Oslo" and event.venue == "Hall B"
    assert (event.rounds, event.round_minutes, event.break_minutes, event.tables) == (8, 12, 3, 3)
    assert event.table_names == ["Window", "", "Stage left"]
    assert event.table_label(3) == "Stage left"
    assert event.tier_minimums == {"platinum": 7, "gold": 5}
    assert (event.p2p_weight, event.p2v_weight, event.min_meetings) == (1.5, 0.5, 4)
    assert event.solve_time_limit == 60
    assert event.reminder_minutes == 10


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("table_names", "a\nb\nc\nd", "4 names for 3 tables"),
        ("min_meetings", "9", "more than the number of rounds"),
        ("rounds", "0", "Number must be between 1 and 100"),
        ("reminder_minutes", "121", "Number must be between 0 and 120"),
        ("timezone", "Mars/Base", "Not a valid choice"),
        ("name", "", "This field is required"),
    ],
)
def test_event_form_refuses_bad_settings(
    login_as, make_organiser, field: str, value: str, message: str
) -> None:
    """Bad settings show the form again with the reason and save nothing."""
    client = login_as(make_organiser())
    response = post_form(client, "/organiser/events/new", {**EVENT_FORM, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Event)).all() == []


def test_event_list_shows_only_my_events(login_as, make_organiser, make_event) -> None:
    """Each organiser sees their own events and nobody else's."""
    me, other = make_organiser(), make_organiser()
    make_event(me, name="Mine")
    make_event(other, name="Theirs")
    html = login_as(me).get("/organiser/events").get_data(as_text=True)
    assert "Mine" in html and "Theirs" not in html


def test_edit_an_event(login_as, make_organiser, make_event) -> None:
    """The edit form shows the current settings and saves changes."""
    organiser = make_organiser()
    event = make_event(organiser, name="Old name", tier_minimums={"gold": 3})
    client = login_as(organiser)
    page = client.get(f"/organiser/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="Old name"' in page and 'id="tier_gold"' in page and 'value="3"' in page
    response = post_form(client, f"/organiser/events/{event.slug}/edit", EVENT_FORM)
    assert response.headers["Location"] == f"/organiser/events/{event.slug}"
    db.session.refresh(event)
    assert event.name == "Nordic Partner Day" and event.tier_minimums == {
        "platinum": 7,
        "gold": 5,
    }


def test_fewer_rounds_than_the_schedule_uses_warns(
    login_as, make_organiser, make_event, make_attendee, make_version
) -> None:
    """Shrinking the event below the latest schedule says to rebuild it."""
    organiser = make_organiser()
    event = make_event(organiser, rounds=8, tables=3)
    a, b = make_attendee(event), make_attendee(event)
    make_version(event, [(8, 1, a, b)])
    client = login_as(organiser)
    post_form(client, f"/organiser/events/{event.slug}/edit", EVENT_FORM | {"rounds": "6"})
    html = client.get(f"/organiser/events/{event.slug}").get_data(as_text=True)
    assert "uses 8 rounds" in html and "build the schedule again" in html


def test_dashboard_of_a_new_event_points_to_the_import(
    login_as, make_organiser, make_event
) -> None:
    """No attendees yet: the next step is the import, and no unbuilt feature is offered."""
    organiser = make_organiser()
    event = make_event(organiser, name="Fresh")
    html = login_as(organiser).get(f"/organiser/events/{event.slug}").get_data(as_text=True)
    assert "Next step" in html and "Import attendees" in html
    assert f"/organiser/events/{event.slug}/import" in html
    assert "None yet." in html and "Not built yet." in html


def test_dashboard_tracks_progress(
    app, login_as, make_organiser, make_event, make_attendee, make_version
) -> None:
    """Attendee count, the latest version and its gap, the published version are shown."""
    organiser = make_organiser()
    event = make_event(organiser)
    a, b = make_attendee(event), make_attendee(event)
    client = login_as(organiser)
    html = client.get(f"/organiser/events/{event.slug}").get_data(as_text=True)
    assert "2 attendees." in html and "Build the meeting schedule" in html
    if "organiser.event.schedule_build" not in app.view_functions:
        assert "Build schedule</button>" not in html
    make_version(event, [(1, 1, a, b)], objective=9.0, bound=10.0, gap=0.1)
    html = client.get(f"/organiser/events/{event.slug}").get_data(as_text=True)
    assert "Version 1, within 10.0% of the best possible." in html
    assert "publish it" in html
    make_version(event, [(1, 1, a, b)], published=True)
    html = client.get(f"/organiser/events/{event.slug}").get_data(as_text=True)
    assert "Version 2 is what attendees see." in html
    assert "Print the badges" in html
