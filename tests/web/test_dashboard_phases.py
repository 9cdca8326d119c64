"""The event dashboard follows the event (issue 13): before it the checklist, on the day the
door, the board, re-plans and the round on, after it follow-ups and reports."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.services.events.board import issue_board_link
from app.services.events.clock import TEST_CLOCK

ZONE = ZoneInfo("America/New_York")


def next_step(html: str) -> str:
    """The text of the dashboard's first card (the next step, or what is on now)."""
    card = re.search(r'<section class="card next-step".*?</section>', html, re.S)
    assert card, "no next-step card"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card.group(0))).strip()


@pytest.fixture
def forum(make_organiser, make_event, make_attendee, make_version):
    """Six 20-minute rounds from 09:00 New York time, 10-minute breaks; published, badges not
    printed (so before the event the next step is to print them)."""
    owner = make_organiser()
    event = make_event(
        owner,
        timezone="America/New_York",
        starts_at=datetime(2030, 3, 4, 9, 0),
        rounds=6,
        round_minutes=20,
        break_minutes=10,
    )
    a, b = make_attendee(event), make_attendee(event)
    make_version(event, [(1, 1, a, b), (3, 2, a, b)], published=True)
    event.owner = owner
    return event


def dashboard(app, login_as, event, moment: datetime) -> str:
    """The dashboard's page with the app's clock at ``moment``."""
    app.config[TEST_CLOCK] = lambda: moment
    response = login_as(event.owner).get(f"/organiser/events/{event.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_before_the_event_the_next_step_is_the_checklist(app, login_as, forum) -> None:
    html = dashboard(app, login_as, forum, datetime(2030, 3, 1, 12, 0, tzinfo=ZONE))
    step = next_step(html)
    assert step.startswith("Next step") and "Print badges" in step


def test_while_rounds_run_the_dashboard_shows_the_round_and_the_day_s_tools(
    app, login_as, forum
) -> None:
    """Round 3 is on (10:00-10:20): no "Print badges"; the door, the board, the re-plan."""
    token = issue_board_link(forum)
    html = dashboard(app, login_as, forum, datetime(2030, 3, 4, 10, 5, tzinfo=ZONE))
    step = next_step(html)
    assert "Print badges" not in step and not step.startswith("Next step")
    assert step.startswith("Now: round 3 of 6")
    assert "Round 3 ends at 10:20. Next: round 4 at 10:30." in step
    assert f'href="/checkin/{forum.slug}"' in html
    assert f"/board/{token}" in html
    assert f'href="/organiser/events/{forum.slug}/replan"' in html
    assert "No-shows and re-plan" in step and "Door: check-in" in step


def test_in_a_break_and_earlier_that_day_it_says_what_comes_next(app, login_as, forum) -> None:
    html = dashboard(app, login_as, forum, datetime(2030, 3, 4, 10, 25, tzinfo=ZONE))
    assert next_step(html).startswith("Now: break after round 3 Next: round 4 starts at 10:30.")
    html = dashboard(app, login_as, forum, datetime(2030, 3, 4, 7, 45, tzinfo=ZONE))
    step = next_step(html)
    assert step.startswith("Today: round 1 at 09:00") and "Print badges" not in step
    assert "Set up the live board" in step  # no board link yet: the card below makes one


def test_after_the_event_the_next_step_is_follow_ups_and_reports(app, login_as, forum) -> None:
    """The last round ended at 11:50: follow-up progress, closing them, the reports."""
    html = dashboard(app, login_as, forum, datetime(2030, 3, 4, 14, 0, tzinfo=ZONE))
    step = next_step(html)
    assert step.startswith("Next step: follow-ups and reports")
    assert "The last round ended on 04 Mar 2030 at 11:50." in step
    assert "0 of 4 follow-up answers are in (0%)" in step
    assert "Follow-up progress" in step and "Event report" in step
    assert "Close follow-ups" in step and "Print badges" not in step


def test_before_the_event_sending_the_links_is_the_last_step(app, login_as, forum) -> None:
    """Badges printed: "Send agenda links" comes next; once sent, everything is ready."""
    from app.extensions import db
    from app.models.common import utcnow
    from app.services.messages.mailing import compose_agenda_link

    forum.badges_printed_at = utcnow()
    db.session.commit()
    early = datetime(2030, 3, 1, 12, 0, tzinfo=ZONE)
    assert "Send agenda links" in next_step(dashboard(app, login_as, forum, early))
    db.session.add(compose_agenda_link(forum, forum.attendees[0]))
    db.session.commit()
    html = dashboard(app, login_as, forum, early)
    assert "Everything is ready" in next_step(html)
    assert "1 agenda e-mail in the outbox." in html
