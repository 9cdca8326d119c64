"""After a re-publish, each changed meeting of an agenda says "Changed at 11:05"; cancelled ones
are struck through with the time of the publish that cancelled them."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.extensions import db
from app.models import Publication
from app.services.scheduling.publications import meeting_marks
from app.services.scheduling.versions import publish
from tests.attendee_helpers import Forum, make_forum, page_text
from tests.conftest import add_version

# 09:52 UTC is 10:52 in Amsterdam (March: UTC+1).
PUBLISHED_UTC = datetime(2030, 3, 4, 9, 52)


@pytest.fixture
def forum(make_event, make_attendee, make_version) -> Forum:
    """The forum of tests/attendee_helpers.py with version 1 published."""
    return make_forum(make_event, make_attendee, make_version)


def republish(forum: Forum, meetings, at: datetime = PUBLISHED_UTC):
    """Publish a new version with ``meetings`` through the service, stamped at ``at`` (UTC)."""
    version = add_version(forum.event, meetings)
    publication = publish(version)
    assert publication is not None
    publication.published_at = at
    db.session.commit()
    return version


def ann_page(client, forum: Forum) -> str:
    return page_text(client.get(f"/a/{forum.ann.token}"))


def test_moved_new_and_cancelled_meetings_are_marked_in_the_event_zone(client, forum) -> None:
    """Bo moves from round 1 to round 2, Eve is new in round 4, Cy's round 3 is cancelled."""
    f = forum
    republish(f, [(2, 1, f.ann, f.bo), (4, 1, f.ann, f.eve)])
    text = ann_page(client, f)
    assert "Round 2 · 09:15–09:25 Changed at 10:52 · was round 1 Bo Beta" in text
    assert "Round 4 · 09:45–09:55 Changed at 10:52 · new meeting Eve Epsilon" in text
    assert (
        "Round 3 · 09:30–09:40 Cancelled at 10:52 your meeting with Cy Gamma "
        "(Gamma Software), Table 2 Free round" in text
    )
    html = client.get(f"/a/{f.ann.token}").get_data(as_text=True)
    assert "<del>your meeting with Cy Gamma" in html  # struck through
    # Round 1 lost its meeting by the move, not by a cancellation: it is just free.
    assert "Round 1 · 09:00–09:10 Free round" in text
    # Bo and Cy see their own changes; Dee, whose agenda did not change, sees no mark.
    assert "Changed at 10:52 · was round 1 Ann Alpha" in page_text(client.get(f"/a/{f.bo.token}"))
    assert "Cancelled at 10:52 your meeting with Ann Alpha" in page_text(
        client.get(f"/a/{f.cy.token}")
    )
    dee = page_text(client.get(f"/a/{f.dee.token}"))
    assert "Changed at" not in dee and "Cancelled at" not in dee


def test_a_table_change_says_which_table_it_was(client, forum) -> None:
    f = forum
    republish(f, [(1, 3, f.ann, f.bo), (3, 2, f.cy, f.ann)])
    text = ann_page(client, f)
    assert "Changed at 10:52 · was Tulip Bo Beta" in text
    assert text.count("Changed at") == 1  # Cy's meeting did not move


def test_the_first_publication_marks_nothing(client, make_event, make_attendee) -> None:
    f = make_forum(make_event, make_attendee, add_version, published=False)
    assert publish(f.version) is not None
    text = ann_page(client, f)
    assert "Bo Beta" in text and "Changed at" not in text


def test_publishing_the_same_version_again_records_nothing(forum) -> None:
    f = forum
    version = republish(f, [(2, 1, f.ann, f.bo)])
    assert publish(version) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Publication)) == 1


def test_a_mark_stays_until_a_later_publish_changes_that_meeting(client, forum) -> None:
    """Each mark tells the time of the publish that made the meeting what it is now."""
    f = forum
    republish(f, [(2, 1, f.ann, f.bo), (3, 2, f.cy, f.ann)])  # 10:52: Bo moves
    later = datetime(2030, 3, 4, 10, 5)  # 11:05 in Amsterdam
    republish(f, [(2, 1, f.ann, f.bo), (4, 2, f.cy, f.ann)], at=later)  # 11:05: Cy moves
    text = ann_page(client, f)
    assert "Changed at 10:52 · was round 1 Bo Beta" in text
    assert "Changed at 11:05 · was round 3 Cy Gamma" in text
    # Moving Bo back to round 1 at 11:20 is a change too, marked with its own time.
    republish(f, [(1, 1, f.ann, f.bo), (4, 2, f.cy, f.ann)], at=datetime(2030, 3, 4, 10, 20))
    text = ann_page(client, f)
    assert "Changed at 11:20 · was round 2 Bo Beta" in text
    assert set(meeting_marks(f.ann)) == {f.bo.id, f.cy.id}


def test_a_change_published_the_day_before_names_its_day(client, forum) -> None:
    f = forum
    republish(f, [(2, 1, f.ann, f.bo), (3, 2, f.cy, f.ann)], at=datetime(2030, 3, 3, 16, 20))
    assert "Changed at 17:20, 03 Mar · was round 1 Bo Beta" in ann_page(client, f)
