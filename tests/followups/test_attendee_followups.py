"""Follow-ups after each meeting: validation, the answering window, edits, both sides."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import FollowUp
from app.models.common import utcnow
from app.models.followup import HELD, NEXT_STEPS
from app.services.events.clock import to_utc
from app.services.followups.answers import (
    HELD_LABELS,
    NEXT_STEP_LABELS,
    FollowUpRefused,
    form_values,
    guess_currency,
    parse_amount,
    record_followup,
)
from tests.attendee_helpers import Forum, local_start, make_forum, page_text
from tests.conftest import post_form

GOOD = {
    "held": "yes",
    "rating": "4",
    "recommend": "9",
    "why": "They know the APAC market.",
    "next_step": "proposal",
    "pipeline_value": "25 000",
    "currency": "EUR",
    "comment": "Follow-up call booked for Tuesday.",
}


@pytest.fixture
def forum(make_event, make_attendee, make_version) -> Forum:
    """The forum in 2030 (see ``after``): Ann meets Bo in round 1, which ends at 09:10."""
    return make_forum(make_event, make_attendee, make_version)


@pytest.fixture
def live(make_event, make_attendee, make_version) -> Forum:
    """The forum started 2 hours ago: every round is over, follow-ups are open."""
    return make_forum(make_event, make_attendee, make_version, starts_at=local_start(120))


def after(forum: Forum, hour: int = 10, minute: int = 0) -> datetime:
    """An aware instant at this local time on the forum's day."""
    return to_utc(forum.event, forum.event.starts_at.replace(hour=hour, minute=minute))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(FollowUp))


def test_the_labels_cover_every_stored_value() -> None:
    assert tuple(HELD_LABELS) == HELD and tuple(NEXT_STEP_LABELS) == NEXT_STEPS


# -- validation -------------------------------------------------------------------------------


def test_a_complete_answer_is_stored(forum) -> None:
    followup = record_followup(forum.ann_bo, forum.ann, GOOD, now=after(forum))
    assert (followup.attendee_id, followup.other_id) == (forum.ann.id, forum.bo.id)
    assert (followup.round, followup.meeting_id) == (1, forum.ann_bo.id)
    assert (followup.held, followup.rating, followup.recommend) == ("yes", 4, 9)
    assert followup.next_step == "proposal"
    assert (followup.pipeline_value, followup.currency) == (25000.0, "EUR")
    assert followup.why == "They know the APAC market."
    assert followup.comment == "Follow-up call booked for Tuesday."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"held": ""}, "held", "whether the meeting happened"),
        ({"held": "maybe"}, "held", "whether the meeting happened"),
        ({"rating": ""}, "rating", "from 1 (poor) to 5"),
        ({"rating": "0"}, "rating", "from 1 (poor) to 5"),
        ({"rating": "6"}, "rating", "from 1 (poor) to 5"),
        ({"rating": "3.5"}, "rating", "from 1 (poor) to 5"),
        ({"recommend": ""}, "recommend", "0 to 10 how likely you are to recommend Beta Security"),
        ({"recommend": "11"}, "recommend", "0 to 10"),
        ({"recommend": "-1"}, "recommend", "0 to 10"),
        ({"next_step": "wedding"}, "next_step", "next steps listed"),
        ({"pipeline_value": "lots"}, "pipeline_value", "as a number"),
        ({"pipeline_value": "-5"}, "pipeline_value", "as a number"),
        ({"pipeline_value": "1e13"}, "pipeline_value", "as a number"),
        ({"pipeline_value": "nan"}, "pipeline_value", "as a number"),
        ({"currency": ""}, "currency", "currency of the estimate"),
        ({"currency": "XXX"}, "currency", "currency of the estimate"),
        ({"why": "x" * 2001}, "why", "under 2000 characters"),
        ({"comment": "x" * 4001}, "comment", "under 4000 characters"),
    ],
)
def test_invalid_answers_are_refused_with_a_message_per_field(
    forum, changes: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(FollowUpRefused) as refused:
        record_followup(forum.ann_bo, forum.ann, {**GOOD, **changes}, now=after(forum))
    assert field in refused.value.errors
    assert message in refused.value.errors[field]
    assert count() == 0


@pytest.mark.parametrize("held", ["they_no_show", "i_no_show"])
def test_a_meeting_that_did_not_happen_needs_no_rating_and_gets_none(forum, held: str) -> None:
    followup = record_followup(
        forum.ann_bo, forum.ann, {"held": held, "rating": "5", "recommend": "10"}, after(forum)
    )
    assert followup.held == held
    assert (followup.rating, followup.recommend, followup.why) == (None, None, "")
    assert followup.next_step == "none" and followup.pipeline_value is None


def test_the_pipeline_value_is_optional_and_read_as_people_write_it() -> None:
    assert parse_amount("25000") == 25000
    assert parse_amount("25 000") == 25000
    assert parse_amount("25,000") == 25000
    assert parse_amount("1,250,000.50") == 1250000.5
    assert parse_amount("12,5") is None  # ambiguous: refused rather than guessed
    assert parse_amount("inf") is None


def test_currency_defaults_from_country_then_region(forum) -> None:
    assert guess_currency(forum.ann) == "EUR"  # EMEA
    forum.ann.country = "United Kingdom"
    assert guess_currency(forum.ann) == "GBP"
    assert guess_currency(forum.cy) == "USD"  # NA
    forum.eve.region = "Mars"
    assert guess_currency(forum.eve) == "EUR"
    assert form_values(forum.cy, None)["currency"] == "USD"


# -- the window -------------------------------------------------------------------------------


def test_follow_ups_open_when_the_round_ends(forum) -> None:
    """Round 1 runs 09:00-09:10 local time (08:00-08:10 UTC)."""
    with pytest.raises(FollowUpRefused, match="opens at 09:10 on 04 Mar, when round 1 ends"):
        record_followup(forum.ann_bo, forum.ann, GOOD, now=after(forum, 9, 9))
    assert count() == 0
    record_followup(forum.ann_bo, forum.ann, GOOD, now=after(forum, 9, 10))
    assert count() == 1


def test_follow_ups_close_with_the_event(forum) -> None:
    record_followup(forum.ann_bo, forum.ann, GOOD, now=after(forum))
    forum.event.closed_at = after(forum, 12).replace(tzinfo=None)  # closing at noon
    db.session.commit()
    record_followup(forum.ann_bo, forum.ann, {**GOOD, "rating": "5"}, now=after(forum, 11))
    with pytest.raises(FollowUpRefused, match="event is closed"):
        record_followup(forum.ann_bo, forum.ann, {**GOOD, "rating": "1"}, now=after(forum, 13))
    with pytest.raises(FollowUpRefused, match="event is closed"):
        record_followup(forum.cy_ann, forum.cy, GOOD, now=after(forum, 13))
    db.session.expire_all()
    assert [f.rating for f in db.session.scalars(select(FollowUp))] == [5]


def test_only_people_in_the_meeting_may_answer(forum) -> None:
    with pytest.raises(FollowUpRefused, match="not in this meeting"):
        record_followup(forum.ann_bo, forum.cy, GOOD, now=after(forum))
    assert count() == 0


def test_meetings_of_an_unpublished_version_take_no_answers(forum, make_version) -> None:
    draft = make_version(forum.event, [(2, 1, forum.ann, forum.eve)])
    with pytest.raises(FollowUpRefused, match="not in this meeting"):
        record_followup(draft.meetings[0], forum.ann, GOOD, now=after(forum))


# -- edits and both sides ---------------------------------------------------------------------


def test_answers_can_be_edited_and_stay_one_row(forum) -> None:
    first = record_followup(forum.ann_bo, forum.ann, GOOD, now=after(forum))
    second = record_followup(
        forum.ann_bo,
        forum.ann,
        {**GOOD, "rating": "2", "pipeline_value": "", "next_step": "none"},
        now=after(forum, 11),
    )
    assert second.id == first.id and count() == 1
    assert (second.rating, second.pipeline_value, second.currency) == (2, None, None)


def test_both_sides_answer_independently(forum) -> None:
    mine = record_followup(forum.ann_bo, forum.ann, GOOD, now=after(forum))
    theirs = record_followup(
        forum.ann_bo, forum.bo, {"held": "they_no_show", "comment": "Waited 10 min"}, after(forum)
    )
    assert mine.id != theirs.id and count() == 2
    record_followup(forum.ann_bo, forum.ann, {**GOOD, "rating": "1"}, now=after(forum))
    db.session.expire_all()
    theirs = db.session.get(FollowUp, theirs.id)
    assert (theirs.held, theirs.rating, theirs.comment) == ("they_no_show", None, "Waited 10 min")
    assert db.session.get(FollowUp, mine.id).rating == 1


def test_an_answer_survives_a_republished_schedule(forum, make_version) -> None:
    """Answers are keyed by the two people; the new version's meeting row takes them over."""
    record_followup(forum.ann_bo, forum.ann, GOOD, now=after(forum))
    v2 = make_version(forum.event, [(1, 3, forum.bo, forum.ann)], published=True)
    followup = record_followup(v2.meetings[0], forum.ann, {**GOOD, "rating": "3"}, after(forum))
    assert count() == 1 and followup.meeting_id == v2.meetings[0].id and followup.rating == 3


# -- pages ------------------------------------------------------------------------------------


def test_the_form_before_the_round_ends_says_when_it_opens(client, forum) -> None:
    url = f"/a/{forum.ann.token}/followup/{forum.ann_bo.id}"
    text = page_text(client.get(url))
    assert "This follow-up opens at 09:10 on 04 Mar, when round 1 ends" in text
    assert "Did the meeting happen?" not in text
    refused = post_form(client, url, GOOD)
    assert refused.status_code == 409 and count() == 0
    agenda = page_text(client.get(f"/a/{forum.ann.token}"))
    assert "Follow-up opens at 09:10" in agenda


def test_answering_on_the_phone(client, live) -> None:
    """The form asks every question, saves, and the agenda then shows it done."""
    url = f"/a/{live.ann.token}/followup/{live.ann_bo.id}"
    form = page_text(client.get(url))
    for question in (
        "How was your meeting with Bo Beta?",
        "Did the meeting happen? Yes, we met No, they did not come No, I could not come",
        "How was it? 1 = poor, 5 = excellent 1 2 3 4 5",
        "How likely are you to recommend Beta Security to a colleague?",
        "0 1 2 3 4 5 6 7 8 9 10",
        "Why?",
        "Next step None Follow-up call Proposal Joint deal Deal registered",
        "Estimated pipeline value",
        "Currency",
        "Anything else?",
    ):
        assert question in form
    agenda = page_text(client.get(f"/a/{live.ann.token}"))
    assert "2 follow-ups to answer" in agenda and agenda.count("Answer the follow-up") == 2
    response = post_form(client, url, GOOD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/a/{live.ann.token}#round-1")
    agenda = page_text(client.get(f"/a/{live.ann.token}"))
    assert "your follow-up on Bo Beta is saved" in agenda
    assert "✓ Follow-up done · change your answer" in agenda
    assert "1 follow-up to answer" in agenda
    again = client.get(url).get_data(as_text=True)
    assert 'value="4" checked' in again and 'value="25000"' in again
    assert "Save changes" in again


def test_invalid_answers_are_shown_back_with_their_messages(client, live) -> None:
    url = f"/a/{live.ann.token}/followup/{live.ann_bo.id}"
    response = post_form(client, url, {**GOOD, "rating": "", "pipeline_value": "lots"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Please check the answers marked below" in text
    assert "Rate the meeting from 1 (poor) to 5 (excellent)" in text
    assert "Write the estimated value as a number" in text
    body = response.get_data(as_text=True)
    assert 'value="9" checked' in body and 'value="lots"' in body  # what was typed is kept
    assert count() == 0


def test_after_closing_the_form_and_agenda_say_so(client, live) -> None:
    record_followup(live.ann_bo, live.ann, GOOD)
    live.event.closed_at = utcnow()
    db.session.commit()
    url = f"/a/{live.ann.token}/followup/{live.ann_bo.id}"
    assert "answers can no longer be given or changed" in page_text(client.get(url))
    assert post_form(client, url, {**GOOD, "rating": "1"}).status_code == 409
    agenda = page_text(client.get(f"/a/{live.ann.token}"))
    assert "Follow-ups are closed; yours is recorded" in agenda
    assert "Follow-ups are closed." in agenda  # the unanswered one
