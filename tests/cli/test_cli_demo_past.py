"""``flask demo --past``: this year's and last year's editions in a series, with people who
came back and follow-ups at both, so the loyalty section and the series page show figures."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, FollowUp, Series
from app.services.events.demo_series import DEMO_SERIES
from app.services.reports.figures import sponsor_companies, sponsor_report
from tests.cli.test_cli_demo import printed

PAST = ["--past", "--attendees", "60", "--rounds", "6", "--time-limit", "2", "--seed", "7"]


def test_demo_past_makes_a_two_event_series_with_loyalty_figures(
    runner: FlaskCliRunner, app_ctx, login_as
) -> None:
    result = runner.invoke(args=["demo", *PAST])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).where(Event.slug == printed(result.stdout, "Event")))
    series = db.session.scalar(select(Series))
    assert series is not None and series.name == DEMO_SERIES
    assert printed(result.stdout, "Series").endswith(f"/organiser/series/{series.id}")
    last_year, this_year = series.events
    assert this_year == event and last_year.starts_at == event.starts_at - timedelta(weeks=52)
    assert last_year.name.endswith(f"{last_year.starts_at:%Y}")
    assert last_year.closed_at is not None and event.closed_at is not None
    for edition in (last_year, event):
        answers = select(func.count()).where(FollowUp.event_id == edition.id)
        assert db.session.scalar(answers.select_from(FollowUp)) > 0

    before = {a.email for a in last_year.attendees}
    now = {a.email for a in event.attendees}
    assert before < now and len(now) - len(before) >= 5  # some came back, some are new
    assert sponsor_companies(last_year) == sponsor_companies(event)

    loyalties = [sponsor_report(event, c).loyalty for c in sponsor_companies(event)]
    assert loyalties and all(loyalty is not None for loyalty in loyalties)
    assert any(loyalty.met_again > 0 and loyalty.new > 0 for loyalty in loyalties if loyalty)
    assert any(not loyalty.paired_withheld for loyalty in loyalties if loyalty)

    page = login_as(series.organiser).get(f"/organiser/series/{series.id}")
    assert page.status_code == 200 and "Who came back" in page.get_data(as_text=True)
