"""The organiser's schedule pages: build with progress, review, edit, publish, export."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Meeting, ScheduleVersion
from tests.conftest import post_form


def build_via_web(client, event, keep_pinned="0"):
    """Press "Build schedule", open the progress page, return the job's final status (JSON).

    The tests' runner is inline: the build has ended by the time the button's POST answers.
    """
    response = post_form(
        client, f"/organiser/events/{event.slug}/schedule/build", {"keep_pinned": keep_pinned}
    )
    assert response.status_code == 302
    job_url = response.headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "<progress" in page and "Proven bound" in page
    status = client.get(job_url + ".json").get_json()
    assert status["status"] in ("done", "failed"), status
    return status


def wait_for_json(client, job_url, seconds=60):
    """Poll a background build's progress JSON, as the page's script does, until it ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(job_url + ".json").get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError("build did not finish")


def schedule_state(event) -> tuple[int, list[tuple[int, int, int, int, bool]]]:
    """What the organiser sees of a schedule: how many versions, the latest one's meetings."""
    db.session.expire_all()
    versions = db.session.scalars(
        select(ScheduleVersion).where(ScheduleVersion.event_id == event.id)
    ).all()
    latest = max(versions, key=lambda version: version.number)
    meetings = sorted(
        (m.round, m.table, m.attendee_a_id, m.attendee_b_id, m.pinned) for m in latest.meetings
    )
    return len(versions), meetings


@pytest.fixture
def in_threads(app):
    """Builds run in a thread of the web process, as without Redis in production."""
    app.config["BUILD_RUNNER"] = "thread"


@pytest.fixture
def owner_client(login_as, event):
    return login_as(event.organiser)


def test_build_shows_progress_then_the_schedule(owner_client, event):
    status = build_via_web(owner_client, event)
    assert status["status"] == "done" and status["percent"] == 100
    assert status["schedule_url"].endswith("/schedule")
    page = owner_client.get(f"/organiser/events/{event.slug}/schedule").get_data(as_text=True)
    assert "Schedule, version 1" in page and "draft" in page
    assert "must-meet requests honoured" in page and "rotating round robin" in page
    assert 'class="rounds schedule-grid"' in page
    for a in event.attendees:
        if any(a.id in (m.attendee_a_id, m.attendee_b_id) for m in event.latest_version().meetings):
            assert a.name in page


def test_a_second_build_click_goes_to_the_running_build(owner_client, event, in_threads):
    first = post_form(owner_client, f"/organiser/events/{event.slug}/schedule/build")
    second = post_form(
        owner_client, f"/organiser/events/{event.slug}/schedule/build", follow_redirects=False
    )
    assert second.headers["Location"] == first.headers["Location"]
    assert wait_for_json(owner_client, first.headers["Location"])["status"] == "done"


def test_failed_build_shows_the_reason(owner_client, event):
    event.tables = 1
    event.min_meetings = 3
    db.session.commit()
    status = build_via_web(owner_client, event)
    assert status["status"] == "failed" and "tables" in status["error"]
    page = owner_client.get(f"/organiser/events/{event.slug}/jobs/{status['id']}").get_data(
        as_text=True
    )
    assert "previous schedule is unchanged" in page and "hold only" in page
    db.session.expire_all()
    assert event.latest_version() is None  # no half-built version was stored


def test_pin_remove_swap_and_publish_from_the_page(owner_client, event):
    build_via_web(owner_client, event)
    version = event.latest_version()
    meeting = version.meetings[0]
    base = f"/organiser/events/{event.slug}/schedule"
    done = post_form(owner_client, f"{base}/meetings/{meeting.id}/pin", {"pinned": "1"},
                     follow_redirects=True)  # fmt: skip
    assert f"in round {meeting.round} pinned." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).pinned

    # removing a meeting of someone at their minimum (2) is refused with the rule
    counts: dict[int, int] = {}
    for m in version.meetings:
        for x in (m.attendee_a_id, m.attendee_b_id):
            counts[x] = counts.get(x, 0) + 1
    tight = next(m for m in version.meetings if counts[m.attendee_a_id] == 2)
    before = schedule_state(event)
    refused = post_form(owner_client, f"{base}/meetings/{tight.id}/remove", follow_redirects=True)
    assert "Not changed:" in refused.get_data(as_text=True)
    assert "fewer than the 2 required" in refused.get_data(as_text=True)
    assert schedule_state(event) == before

    # one attendee's view offers swaps and shows reasons
    someone = tight.attendee_a
    view = owner_client.get(f"{base}?attendee={someone.id}").get_data(as_text=True)
    assert "Swap places" in view and someone.name in view

    confirm = f"{base}/versions/{version.number}/publish"
    shown = owner_client.get(confirm).get_data(as_text=True)  # publishing asks first
    stamp = dict(re.findall(r'name="(revision|published)" value="(\d+)"', shown))
    published = post_form(owner_client, confirm, stamp, follow_redirects=True)
    assert f"Version {version.number} is published" in published.get_data(as_text=True)
    db.session.expire_all()
    assert event.published_version_id == version.id

    # an edit after publishing makes a new draft; the published one stays as it was
    post_form(owner_client, f"{base}/meetings/{meeting.id}/pin", {"pinned": "0"})
    db.session.expire_all()
    assert event.latest_version().number == version.number + 1
    assert db.session.get(ScheduleVersion, version.id).meetings[0].pinned


def test_exports_download_csv_and_xlsx(owner_client, event):
    build_via_web(owner_client, event)
    base = f"/organiser/events/{event.slug}/schedule/versions/1"
    response = owner_client.get(f"{base}/schedule.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(event.latest_version().meetings)
    xlsx = owner_client.get(f"{base}/schedule.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert owner_client.get(f"{base}/schedule.pdf").status_code == 404


def test_meetings_of_another_event_are_404(owner_client, event, make_event, make_attendee):
    """Another event's meeting or attendee in an edit: page not found, neither schedule moves."""
    build_via_web(owner_client, event)
    other = make_event(event.organiser, name="Other")
    a, b = make_attendee(other), make_attendee(other)
    version = ScheduleVersion(event_id=other.id, number=1)
    version.meetings = [Meeting(round=1, table=1, attendee_a_id=a.id, attendee_b_id=b.id)]
    db.session.add(version)
    db.session.commit()
    foreign = version.meetings[0].id
    before = schedule_state(event), schedule_state(other)
    response = post_form(
        owner_client, f"/organiser/events/{event.slug}/schedule/meetings/{foreign}/remove"
    )
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    swap = post_form(
        owner_client,
        f"/organiser/events/{event.slug}/schedule/swap",
        {"round": 1, "x": a.id, "y": event.attendees[0].id},
    )
    assert swap.status_code == 404
    assert "Page not found" in swap.get_data(as_text=True)
    assert (schedule_state(event), schedule_state(other)) == before
    assert owner_client.get(f"/organiser/events/{event.slug}/jobs/99999").status_code == 404


def test_edits_without_a_round_are_refused(owner_client, event):
    """A forged edit form without a round: refused (400), and the schedule stays as it was."""
    build_via_web(owner_client, event)
    meeting = event.latest_version().meetings[0]
    a, b = meeting.attendee_a_id, meeting.attendee_b_id
    base = f"/organiser/events/{event.slug}/schedule"
    before = schedule_state(event)
    for url, data in (
        (f"{base}/meetings/add", {"a": a, "b": b}),
        (f"{base}/swap", {"x": a, "y": b, "round": "first"}),
    ):
        response = post_form(owner_client, url, data)
        assert response.status_code == 400, url
        text = response.get_data(as_text=True)
        assert "That request could not be understood" in text and "nothing was" in text, url
        assert schedule_state(event) == before, url
