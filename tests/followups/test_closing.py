"""Closing follow-ups: by the organiser (dashboard, CLI), by themselves FOLLOWUP_DAYS after the
event, re-opening, and what the attendee's form and the reports say about it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader

from app.config import followup_days
from app.extensions import db
from app.services.followups.answers import FollowUpRefused, record_followup
from app.services.followups.closing import (
    close_followups,
    closes_at_utc,
    collection,
    is_closed,
    reopen_followups,
)
from app.services.reports.exports import event_report_export
from tests.attendee_helpers import Forum, make_forum, page_text
from tests.conftest import post_form
from tests.followups.test_attendee_followups import GOOD

# The forum's last round (4 rounds from 09:00 Amsterdam) ends at 09:55 local, 08:55 UTC.
LAST_END_UTC = datetime(2030, 3, 4, 8, 55, tzinfo=UTC)


@pytest.fixture
def forum(make_event, make_attendee, make_version, make_organiser) -> Forum:
    forum = make_forum(make_event, make_attendee, make_version)
    forum.event.organiser = make_organiser()
    db.session.commit()
    return forum


def test_follow_ups_close_by_themselves_fourteen_days_after_the_last_round(forum) -> None:
    event = forum.event
    assert closes_at_utc(event) == LAST_END_UTC + timedelta(days=14)
    day_after = collection(event, now=LAST_END_UTC + timedelta(days=1))
    assert not day_after.closed and day_after.days_left == 13
    assert day_after.label == "still collecting, 13 days left"
    assert day_after.closes_at == datetime(2030, 3, 18, 9, 55)  # local, Amsterdam
    assert not is_closed(event, LAST_END_UTC + timedelta(days=14) - timedelta(seconds=1))
    later = collection(event, now=LAST_END_UTC + timedelta(days=14))
    assert later.closed and later.label == "final" and later.days_left == 0


def test_the_number_of_days_is_a_setting(app: Flask, forum) -> None:
    app.config["FOLLOWUP_DAYS"] = 3
    assert closes_at_utc(forum.event) == LAST_END_UTC + timedelta(days=3)
    assert followup_days({"FOLLOWUP_DAYS": "30"}) == 30
    assert followup_days({}) == 14
    for bad in ("0", "366", "two", "٣"):
        with pytest.raises(ValueError, match="FOLLOWUP_DAYS must be a whole number"):
            followup_days({"FOLLOWUP_DAYS": bad})


def test_closing_freezes_answers_and_reopening_opens_them_again(forum) -> None:
    now = LAST_END_UTC + timedelta(hours=1)
    record_followup(forum.ann_bo, forum.ann, GOOD, now=now)
    close_followups(forum.event, now=now)
    assert is_closed(forum.event, now + timedelta(seconds=1))
    closes = reopen_followups(forum.event, now=now + timedelta(days=1))
    assert closes == datetime(2030, 3, 19, 10, 55)  # local: 14 days after re-opening
    assert not is_closed(forum.event, now + timedelta(days=2))


def test_the_dashboard_closes_and_reopens_and_the_form_and_reports_follow(
    forum, login_as, client
) -> None:
    event = forum.event
    event.starts_at = (datetime.now(UTC) - timedelta(hours=3)).replace(tzinfo=None)
    event.timezone = "UTC"
    db.session.commit()
    owner = login_as(event.organiser)
    dashboard = page_text(owner.get(f"/organiser/events/{event.slug}"))
    assert "Close follow-ups now" in dashboard and "14 days left" in dashboard
    report = page_text(owner.get(f"/organiser/events/{event.slug}/report"))
    assert "Figures: still collecting, 14 days left" in report

    response = post_form(owner, f"/organiser/events/{event.slug}/followups/close", {})
    assert response.status_code == 302
    dashboard = page_text(owner.get(response.headers["Location"]))
    assert "Follow-ups are closed: the reports are final" in dashboard
    assert "Re-open for 14 days" in dashboard
    form = f"/a/{forum.ann.token}/followup/{forum.ann_bo.id}"
    assert "answers can no longer be given or changed" in page_text(client.get(form))
    with pytest.raises(FollowUpRefused):
        record_followup(forum.ann_bo, forum.ann, GOOD)
    assert "Figures: final" in page_text(owner.get(f"/organiser/events/{event.slug}/report"))
    pdf = event_report_export(event, "pdf")
    assert pdf is not None
    first_page = PdfReader(io.BytesIO(pdf.body)).pages[0].extract_text()
    assert "Figures: final (follow-ups closed on" in first_page

    post_form(owner, f"/organiser/events/{event.slug}/followups/reopen", {})
    assert "Did the meeting happen?" in page_text(client.get(form))
    assert record_followup(forum.ann_bo, forum.ann, GOOD).rating == 4
    assert "Close follow-ups now" in page_text(owner.get(f"/organiser/events/{event.slug}"))


def test_another_organiser_cannot_close_the_event(forum, login_as, make_organiser) -> None:
    stranger = login_as(make_organiser("stranger@example.org"))
    response = post_form(stranger, f"/organiser/events/{forum.event.slug}/followups/close", {})
    assert response.status_code == 404
    db.session.refresh(forum.event)
    assert forum.event.closed_at is None


def test_the_cli_closes_and_reopens(runner: FlaskCliRunner, forum) -> None:
    slug = forum.event.slug
    result = runner.invoke(args=["events", "close", slug])
    assert result.exit_code == 0 and f"Follow-ups of {slug} are closed" in result.output
    db.session.refresh(forum.event)
    assert is_closed(forum.event)
    result = runner.invoke(args=["events", "reopen", slug])
    assert result.exit_code == 0 and "are open again until" in result.output
    db.session.refresh(forum.event)
    assert not is_closed(forum.event)
    assert runner.invoke(args=["events", "close", "no-such-event"]).exit_code != 0
