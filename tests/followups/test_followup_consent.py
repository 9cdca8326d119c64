"""The follow-up says who sees what before the first question, and asks before quoting anyone."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import FollowUp
from app.services.followups.answers import record_followup
from tests.attendee_helpers import Forum, local_start, make_forum, page_text
from tests.conftest import post_form

MET = {"held": "yes", "rating": "4", "recommend": "9", "why": "Sharp demo.", "next_step": "call"}


@pytest.fixture
def live(make_event, make_attendee, make_version) -> Forum:
    """Every round is over: Ann met Bo (a partner) in round 1 and Cy (Gamma, a vendor) in 3."""
    return make_forum(make_event, make_attendee, make_version, starts_at=local_start(120))


def stored(forum: Forum) -> FollowUp:
    db.session.expire_all()
    return (
        db.session.query(FollowUp).filter_by(attendee_id=forum.ann.id, other_id=forum.cy.id).one()
    )


def test_the_form_says_who_sees_what_before_the_first_question(client, live) -> None:
    text = page_text(client.get(f"/a/{live.ann.token}/followup/{live.cy_ann.id}"))
    notice = text.index("Who sees what.")
    assert notice < text.index("Did the meeting happen?")
    assert "Gamma Software sees only totals of at least 5 answers" in text
    assert "never your name, your scores, or which meeting" in text
    assert "You may quote me to Gamma Software" in text and "with my name" in text
    partner = page_text(client.get(f"/a/{live.ann.token}/followup/{live.ann_bo.id}"))
    assert "Bo Beta never sees your answers." in partner
    assert "You may quote me" not in partner  # a partner gets no sponsor report


def test_nothing_is_quoted_unless_ticked(client, live) -> None:
    url = f"/a/{live.ann.token}/followup/{live.cy_ann.id}"
    assert post_form(client, url, {**MET, "contact_asked": "1"}).status_code == 302
    assert (stored(live).quote_ok, stored(live).quote_name) == (False, False)
    post_form(client, url, {**MET, "contact_asked": "1", "quote_ok": "yes"})
    assert (stored(live).quote_ok, stored(live).quote_name) == (True, False)
    post_form(client, url, {**MET, "contact_asked": "1", "quote_ok": "yes", "quote_name": "yes"})
    assert (stored(live).quote_ok, stored(live).quote_name) == (True, True)
    again = client.get(url).get_data(as_text=True)
    assert 'name="quote_ok" value="yes" checked' in again
    # "with my name" alone quotes nothing; unticking both withdraws the quote.
    post_form(client, url, {**MET, "contact_asked": "1", "quote_name": "yes"})
    assert (stored(live).quote_ok, stored(live).quote_name) == (False, False)


def test_a_paper_answer_keeps_the_consent_given_online(live) -> None:
    record_followup(live.cy_ann, live.ann, {**MET, "contact_asked": "1", "quote_ok": "yes"})
    record_followup(live.cy_ann, live.ann, {**MET, "why": "Keyed in from paper."})  # not asked
    assert stored(live).quote_ok is True
