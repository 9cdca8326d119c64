"""The attendee's agenda and calendar: content, local times, why, breaks, now/next, .ics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from app.extensions import db
from app.models import Attendee, MeetingRequest
from app.services.attendees.agenda import (
    NO_REASON,
    build_agenda,
    explain_match,
    meeting_uid,
)
from app.services.events.clock import to_utc
from tests.attendee_helpers import (
    Forum,
    ics_time,
    make_forum,
    page_text,
    parse_ics,
    unescape_ics,
)


@pytest.fixture
def forum(make_event, make_attendee, make_version) -> Forum:
    return make_forum(make_event, make_attendee, make_version)


def at(forum: Forum, hour: int, minute: int) -> datetime:
    """An aware instant at this local time on the forum's day."""
    return to_utc(forum.event, forum.event.starts_at.replace(hour=hour, minute=minute))


# -- the page ---------------------------------------------------------------------------------


def test_agenda_lists_each_meeting_in_round_order_with_time_table_person_and_why(
    client, forum
) -> None:
    """Round, local start-end, table label, the other person's name, company, kind, region, why."""
    response = client.get(f"/a/{forum.ann.token}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Amsterdam Partner Forum" in text and "RAI Amsterdam, Hall 1" in text
    assert "Round 1 · 09:00–09:10" in text
    assert "Bo Beta Beta Security · Partner · APAC" in text
    assert "Where: Tulip" in text  # table 1 has a name
    assert (
        "Why: You offer cloud, which they seek; they offer security, which you seek; "
        "they sell in APAC, a region you target" in text
    )
    assert "Round 3 · 09:30–09:40" in text
    assert "Cy Gamma Gamma Software · Vendor · NA" in text
    assert "Where: Table 2" in text  # unnamed tables are numbered
    assert "You offer backup, which they seek" in text
    assert text.index("Bo Beta") < text.index("Cy Gamma")
    assert "Last updated" in text
    assert "2 meetings in 4 rounds" in text


def test_agenda_shows_breaks_and_free_rounds(client, forum) -> None:
    """Breaks sit between rounds with their times; rounds without a meeting say so."""
    text = page_text(client.get(f"/a/{forum.ann.token}"))
    assert text.count("Break ·") == 3
    assert "Break · 09:10–09:15" in text and "Break · 09:40–09:45" in text
    assert "Round 2 · 09:15–09:25 Free round" in text
    assert "Round 4 · 09:45–09:55 Free round" in text


def test_rounds_the_attendee_does_not_attend_are_marked(client, forum) -> None:
    forum.ann.available_rounds = "1-3"
    db.session.commit()
    text = page_text(client.get(f"/a/{forum.ann.token}"))
    assert "Round 4 · 09:45–09:55 You are not attending this round" in text


def test_agenda_shows_only_the_published_version(client, forum, make_version) -> None:
    """A newer draft the organiser is still editing does not reach the attendee."""
    make_version(forum.event, [(2, 1, forum.ann, forum.eve)], published=False)
    text = page_text(client.get(f"/a/{forum.ann.token}"))
    assert "Bo Beta" in text and "Eve Epsilon" not in text


def test_before_publication_a_clear_message_and_the_recommendations(
    client, make_event, make_attendee, make_version
) -> None:
    forum = make_forum(make_event, make_attendee, make_version, published=False)
    text = page_text(client.get(f"/a/{forum.ann.token}"))
    assert "Your agenda will appear here once the organiser publishes the schedule" in text
    assert "Bo Beta" not in text and "Round 1" not in text
    assert "say whom to meet" in text
    ics = client.get(f"/a/{forum.ann.token}/agenda.ics").get_data(as_text=True)
    assert parse_ics(ics) == []


def test_an_attendee_without_meetings_is_told_so(client, forum) -> None:
    text = page_text(client.get(f"/a/{forum.eve.token}"))
    assert "You have no meetings in this schedule" in text
    assert "Add to calendar" not in text


def test_now_and_next_are_highlighted_from_the_event_time_zone(forum) -> None:
    """Server side: the round under way is "now" and the next round "next", in local time."""
    agenda = build_agenda(forum.ann, now=at(forum, 9, 5))
    states = {(s.kind, s.round): s.state for s in agenda.slots}
    assert states[("meeting", 1)] == "now"
    assert states[("free", 2)] == "next"
    assert states[("meeting", 3)] == ""
    during_break = build_agenda(forum.ann, now=at(forum, 9, 42))
    states = {(s.kind, s.round): s.state for s in during_break.slots}
    assert states[("meeting", 3)] == "past" and states[("break", 3)] == ""
    assert states[("free", 4)] == "next"
    assert "now" not in states.values()


def test_now_is_marked_on_the_page(client, make_event, make_attendee, make_version) -> None:
    """An event under way right now: the current round carries the "Now" badge."""
    from tests.attendee_helpers import local_start

    forum = make_forum(make_event, make_attendee, make_version, starts_at=local_start(3))
    body = client.get(f"/a/{forum.ann.token}").get_data(as_text=True)
    assert 'id="round-1" class="slot slot-meeting is-now"' in body
    assert 'id="round-2" class="slot slot-free is-next"' in body
    assert "data-start=" in body and "data-end=" in body  # for the minute-by-minute script


def test_agenda_pages_register_the_service_worker_and_stay_private(client, forum) -> None:
    response = client.get(f"/a/{forum.ann.token}")
    body = response.get_data(as_text=True)
    assert 'data-sw="/a/sw.js"' in body and "/static/js/attendee.js" in body
    assert "data-offline-page" in body
    # Same-origin: the token never reaches another site, and HTTPS form posts keep working.
    assert response.headers["Referrer-Policy"] == "same-origin"
    # Private (never a shared cache) and revalidated on every load (ETag, 304); see
    # tests/attendees/test_agenda_cache.py.
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "noindex" in response.headers["X-Robots-Tag"]
    worker = client.get("/a/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/a/"
    assert "networkFirst" in worker.get_data(as_text=True)


# -- why this match ---------------------------------------------------------------------------


def person(**fields) -> Attendee:
    values = {"email": "x@example.org", "name": "X", "company": "X", "kind": "partner"}
    return Attendee(**{**values, "region": "EMEA", **fields})


def test_explain_match_speaks_to_the_viewer() -> None:
    """Second person, from the viewer's side: what each offers and seeks, regions, goals."""
    ann = person(offers=["Cloud"], seeks=["security"], target_regions=["apac"], region="EMEA")
    bo = person(
        offers=["Security", "SIEM"], seeks=["cloud"], region="APAC", goals=["find_partners"]
    )
    reasons = explain_match(ann, bo)
    assert reasons[0] == "you offer Cloud, which they seek"
    assert reasons[1] == "they offer Security, which you seek"
    assert reasons[2] == "they sell in APAC, a region you target"
    assert reasons[3] == "they sell in APAC where you don't: you can team up on deals"
    mirrored = explain_match(bo, ann)
    assert mirrored[0] == "you offer Security, which they seek"
    assert "you sell in APAC, a region they target" in mirrored


def test_explain_match_names_the_goals_served() -> None:
    vendor = person(kind="vendor", region="NA", goals=["recruit_partners"])
    partner = person(region="NA", goals=["meet_vendors"])
    assert explain_match(partner, vendor) == [
        "you want to meet vendors",
        "they want to recruit partners like you",
    ]
    assert explain_match(vendor, partner) == [
        "you want to recruit partners",
        "they want to meet vendors like you",
    ]


def test_explain_match_lists_several_tags_and_has_a_fallback() -> None:
    a = person(offers=["erp", "crm", "data", "iot"], seeks=[], kind="vendor")
    b = person(seeks=["ERP", "CRM", "data", "iot"], kind="vendor")
    assert explain_match(a, b) == ["you offer crm, data and erp, which they seek"]
    assert explain_match(person(kind="vendor"), person(kind="vendor")) == [NO_REASON]


def test_a_requested_meeting_says_so(client, forum) -> None:
    db.session.add(
        MeetingRequest(
            event_id=forum.event.id, attendee_id=forum.ann.id, other_id=forum.cy.id, kind="must"
        )
    )
    db.session.commit()
    text = page_text(client.get(f"/a/{forum.ann.token}"))
    assert "Why: You asked to meet them; you offer backup" in text
    assert "asked to meet" not in page_text(client.get(f"/a/{forum.cy.token}"))


# -- calendar ---------------------------------------------------------------------------------


def test_ics_has_one_event_per_meeting_in_utc(client, forum) -> None:
    """Amsterdam in March is UTC+1: 09:00 local is 08:00Z."""
    response = client.get(f"/a/{forum.ann.token}/agenda.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    events = parse_ics(response.get_data(as_text=True))
    assert len(events) == 2
    first, second = events
    assert ics_time(first["DTSTART"]) == datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
    assert ics_time(first["DTEND"]) == datetime(2030, 3, 4, 8, 10, tzinfo=UTC)
    assert ics_time(second["DTSTART"]) == datetime(2030, 3, 4, 8, 30, tzinfo=UTC)
    assert unescape_ics(first["SUMMARY"]) == "Meeting: Bo Beta (Beta Security)"
    assert unescape_ics(first["LOCATION"]) == "Tulip, RAI Amsterdam, Hall 1"
    assert unescape_ics(second["LOCATION"]) == "Table 2, RAI Amsterdam, Hall 1"
    assert "you offer cloud, which they seek" in unescape_ics(first["DESCRIPTION"])
    assert f"/a/{forum.ann.token}" in unescape_ics(first["DESCRIPTION"])
    low, high = sorted((forum.ann.id, forum.bo.id))
    assert first["UID"] == f"meeting-{forum.event.id}-{low}-{high}@mingle"


def test_ics_meetings_ring_the_event_s_reminder_minutes_before(client, forum) -> None:
    """5 minutes by default; the organiser's setting; none at 0."""
    url = f"/a/{forum.ann.token}/agenda.ics"

    def alarms() -> list[tuple[str, timedelta, str]]:
        calendar = Calendar.from_ical(client.get(url).get_data())
        return [
            (str(a["ACTION"]), a["TRIGGER"].dt, str(a["DESCRIPTION"]))
            for meeting in calendar.walk("VEVENT")
            for a in meeting.walk("VALARM")
        ]

    assert alarms() == [
        ("DISPLAY", -timedelta(minutes=5), "In 5 min: meeting Bo Beta (Beta Security)"),
        ("DISPLAY", -timedelta(minutes=5), "In 5 min: meeting Cy Gamma (Gamma Software)"),
    ]
    forum.event.reminder_minutes = 15
    db.session.commit()
    assert [trigger for _, trigger, _ in alarms()] == [-timedelta(minutes=15)] * 2
    forum.event.reminder_minutes = 0
    db.session.commit()
    assert alarms() == []


def test_ics_follows_daylight_saving_time(client, make_event, make_attendee, make_version) -> None:
    """Amsterdam in July is UTC+2; Tokyo has no DST (UTC+9) and crosses the date line."""
    summer = make_forum(make_event, make_attendee, make_version, starts_at=datetime(2030, 7, 1, 9))
    events = parse_ics(client.get(f"/a/{summer.ann.token}/agenda.ics").get_data(as_text=True))
    assert ics_time(events[0]["DTSTART"]) == datetime(2030, 7, 1, 7, 0, tzinfo=UTC)
    tokyo = make_forum(
        make_event,
        make_attendee,
        make_version,
        timezone="Asia/Tokyo",
        starts_at=datetime(2030, 7, 1, 8, 0),
    )
    events = parse_ics(client.get(f"/a/{tokyo.ann.token}/agenda.ics").get_data(as_text=True))
    assert ics_time(events[0]["DTSTART"]) == datetime(2030, 6, 30, 23, 0, tzinfo=UTC)


def test_ics_uids_are_stable_across_downloads_and_republication(
    client, forum, make_version
) -> None:
    """Same UIDs every download; a meeting moved to another round keeps its UID, SEQUENCE rises."""
    url = f"/a/{forum.ann.token}/agenda.ics"
    first = parse_ics(client.get(url).get_data(as_text=True))
    again = parse_ics(client.get(url).get_data(as_text=True))
    assert [e["UID"] for e in first] == [e["UID"] for e in again]
    assert len({e["UID"] for e in first}) == 2
    make_version(forum.event, [(2, 1, forum.bo, forum.ann), (3, 2, forum.cy, forum.ann)], True)
    moved = parse_ics(client.get(url).get_data(as_text=True))
    assert [e["UID"] for e in moved] == [e["UID"] for e in first]
    assert ics_time(moved[0]["DTSTART"]) == datetime(2030, 3, 4, 8, 15, tzinfo=UTC)
    assert int(moved[0]["SEQUENCE"]) > int(first[0]["SEQUENCE"])
    # Both people get the same UID for their shared meeting.
    bo = parse_ics(client.get(f"/a/{forum.bo.token}/agenda.ics").get_data(as_text=True))
    assert bo[0]["UID"] == moved[0]["UID"]
    assert meeting_uid(forum.event, forum.bo.id, forum.ann.id) == moved[0]["UID"]


def test_ics_escapes_and_folds_long_unicode_text(client, forum) -> None:
    """RFC 5545: commas and semicolons escaped; 75-octet lines, never splitting a character."""
    forum.event.venue = "Ünïcødé café; " * 12 + "Hall 1"
    db.session.commit()
    body = client.get(f"/a/{forum.ann.token}/agenda.ics").get_data(as_text=True)
    events = parse_ics(body)  # checks CRLF, 75-octet lines and continuation spaces
    assert unescape_ics(events[0]["LOCATION"]) == "Tulip, " + forum.event.venue
    assert max(len(line.encode("utf-8")) for line in body.split("\r\n")) <= 75


def test_ics_handles_names_that_need_escaping(client, forum) -> None:
    forum.bo.name = "Bø; Beta, Jr."
    forum.bo.company = "Beta\\Security"
    db.session.commit()
    events = parse_ics(client.get(f"/a/{forum.ann.token}/agenda.ics").get_data(as_text=True))
    assert unescape_ics(events[0]["SUMMARY"]) == "Meeting: Bø; Beta, Jr. (Beta\\Security)"


def test_agenda_times_stay_local_across_midnight(
    client, make_event, make_attendee, make_version
) -> None:
    """An evening session that runs past midnight shows the date on the rounds of the next day."""
    late = make_forum(
        make_event, make_attendee, make_version, starts_at=datetime(2030, 3, 4, 23, 30)
    )
    text = page_text(client.get(f"/a/{late.ann.token}"))
    assert "Round 1 · 23:30–23:40" in text
    assert "Round 3 · Tue 05 Mar 00:00–00:10" in text
    agenda = build_agenda(late.ann, now=datetime(2030, 3, 4, 22, 35, tzinfo=UTC))
    assert [s.state for s in agenda.slots if s.kind != "break"][:2] == ["now", "next"]
    assert agenda.slots[0].start_utc == datetime(2030, 3, 4, 22, 30, tzinfo=UTC)
    assert agenda.rendered_at == datetime(2030, 3, 4, 23, 35)
    assert agenda.slots[-1].end - agenda.slots[-1].start == timedelta(minutes=10)
