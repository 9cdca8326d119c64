"""Attendees' requests: recommendations, must-meet / rather-not, refusals, and the next build."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, MeetingRequest
from app.services.attendees import requests as requests_service
from app.services.attendees.requests import RequestRefused, recommendations, set_request
from app.services.scheduling import instance as instances
from app.services.scheduling.stats import schedule_stats
from solver.score import Scorer
from tests.attendee_helpers import Forum, local_start, make_forum, page_text
from tests.conftest import post_form
from tests.scheduling.test_scheduling import build


@pytest.fixture
def forum(make_event, make_attendee, make_version) -> Forum:
    """The forum before publication, in 2030: requests are open."""
    return make_forum(make_event, make_attendee, make_version, published=False)


def stored(attendee: Attendee) -> dict[int, str]:
    rows = db.session.scalars(
        select(MeetingRequest).where(MeetingRequest.attendee_id == attendee.id)
    )
    return {r.other_id: r.kind for r in rows}


# -- recommendations --------------------------------------------------------------------------


def test_recommendations_rank_people_the_attendee_may_meet(forum) -> None:
    """Best complementarity first, with reasons; never oneself or a colleague."""
    page = recommendations(forum.ann)
    names = [r.other.name for r in page.recommendations]
    assert names[0] == "Bo Beta"  # offers what Ann seeks, seeks what she offers, in APAC
    assert "Ann Alpha" not in names and "Dee Alpha" not in names  # self and colleague
    scores = [r.score for r in page.recommendations]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert page.recommendations[0].reasons[0] == "you offer cloud, which they seek"
    assert page.must_limit == 3 and page.must_used == 0 and page.open


def test_recommendations_leave_out_people_without_a_shared_round(forum) -> None:
    forum.ann.available_rounds = "1-2"
    forum.bo.available_rounds = "3-4"
    db.session.commit()
    assert "Bo Beta" not in [r.other.name for r in recommendations(forum.ann).recommendations]


def test_recommendations_are_capped_and_keep_people_already_asked_about(
    forum, make_attendee
) -> None:
    """At most RECOMMENDATIONS; someone asked about stays listed so the ask can be undone."""
    for k in range(20):
        make_attendee(forum.event, company=f"Seeker {k}", seeks=["cloud"], region="APAC")
    set_request(forum.ann, forum.eve, "avoid")
    page = recommendations(forum.ann)
    assert len(page.recommendations) == 16  # the top 15 and Eve, who matches weakly
    assert page.recommendations[-1].other.id == forum.eve.id
    assert page.recommendations[-1].kind == "avoid"
    assert requests_service.RECOMMENDATIONS == 15
    assert len(recommendations(forum.ann, limit=5).recommendations) == 6


def test_the_requests_page_shows_matches_with_reasons_and_buttons(client, forum) -> None:
    text = page_text(client.get(f"/a/{forum.ann.token}/requests"))
    assert "Whom to meet" in text and "0 of 3 must-meet choices used" in text
    assert "Bo Beta Beta Security · Partner · APAC Why: You offer cloud, which they seek" in text
    assert "Must meet" in text and "Rather not meet" in text


# -- storing and refusing ---------------------------------------------------------------------


def test_must_and_avoid_are_stored_changed_and_withdrawn(forum) -> None:
    set_request(forum.ann, forum.bo, "must")
    set_request(forum.ann, forum.eve, "avoid")
    assert stored(forum.ann) == {forum.bo.id: "must", forum.eve.id: "avoid"}
    set_request(forum.ann, forum.bo, "avoid")
    assert stored(forum.ann)[forum.bo.id] == "avoid"
    assert set_request(forum.ann, forum.bo, None) is None
    assert stored(forum.ann) == {forum.eve.id: "avoid"}


def test_more_must_meets_than_the_limit_are_refused(forum) -> None:
    forum.event.max_must_requests = 2
    db.session.commit()
    set_request(forum.ann, forum.bo, "must")
    set_request(forum.ann, forum.cy, "must")
    set_request(forum.ann, forum.bo, "must")  # the same again does not count twice
    with pytest.raises(RequestRefused, match="at most 2 people as 'must meet'"):
        set_request(forum.ann, forum.eve, "must")
    set_request(forum.ann, forum.eve, "avoid")  # rather-not has no limit
    set_request(forum.ann, forum.cy, None)
    set_request(forum.ann, forum.eve, "must")  # a freed choice can be used
    assert sorted(k for k in stored(forum.ann).values()) == ["must", "must"]


def test_an_event_without_must_meets_refuses_them(forum) -> None:
    forum.event.max_must_requests = 0
    db.session.commit()
    with pytest.raises(RequestRefused, match="does not take must-meet requests"):
        set_request(forum.ann, forum.bo, "must")


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("self", "yourself"),
        ("colleague", "your own company"),
        ("stranger", "not at this event"),
        ("nobody", "not at this event"),
    ],
)
def test_requests_about_oneself_a_colleague_or_an_outsider_are_refused(
    forum, make_event, make_attendee, who: str, message: str
) -> None:
    other_event = make_event(name="Elsewhere")
    others = {
        "self": forum.ann,
        "colleague": forum.dee,
        "stranger": make_attendee(other_event, company="Zeta"),
        "nobody": None,
    }
    for kind in ("must", "avoid"):
        with pytest.raises(RequestRefused, match=message):
            set_request(forum.ann, others[who], kind)
    assert stored(forum.ann) == {}


def test_a_colleague_is_recognised_whatever_the_spelling(forum) -> None:
    forum.dee.company = "  alpha CLOUD "
    db.session.commit()
    with pytest.raises(RequestRefused, match="your own company"):
        set_request(forum.ann, forum.dee, "must")


def test_must_meet_needs_a_shared_round(forum) -> None:
    forum.ann.available_rounds = "1"
    forum.bo.available_rounds = "2-4"
    db.session.commit()
    with pytest.raises(RequestRefused, match="do not attend any round together"):
        set_request(forum.ann, forum.bo, "must")


def test_unknown_kinds_are_refused(forum) -> None:
    with pytest.raises(RequestRefused):
        set_request(forum.ann, forum.bo, "marry")


def test_requests_close_when_the_event_starts(make_event, make_attendee, make_version) -> None:
    forum = make_forum(make_event, make_attendee, make_version, starts_at=local_start(1))
    with pytest.raises(RequestRefused, match="closed when the event started"):
        set_request(forum.ann, forum.bo, "must")
    assert not recommendations(forum.ann).open


def test_requests_through_the_page(client, forum) -> None:
    """A tap stores the request and says so; a refusal explains itself and stores nothing."""
    url = f"/a/{forum.ann.token}/requests"
    response = post_form(client, url, {"other": forum.bo.id, "kind": "must"})
    assert response.status_code == 302
    text = page_text(client.get(url))
    assert "Noted: you must meet Bo Beta" in text and "1 of 3 must-meet choices used" in text
    refused = post_form(client, url, {"other": forum.dee.id, "kind": "must"})
    assert refused.status_code == 400
    assert "Dee Alpha works for Alpha Cloud, your own company" in page_text(refused)
    post_form(client, url, {"other": forum.bo.id, "kind": "none"})
    assert stored(forum.ann) == {}
    missing = post_form(client, url, {"kind": "must"})
    assert missing.status_code == 400 and "not at this event" in page_text(missing)


# -- feeding the next build -------------------------------------------------------------------


def test_avoid_requests_become_hard_avoid_pairs(forum) -> None:
    set_request(forum.bo, forum.ann, "avoid")
    built = instances.event_instance(forum.event)
    i, j = built.position[forum.ann.id], built.position[forum.bo.id]
    assert forum.ann.email in built.instance.attendees[j].avoid
    assert not Scorer(built.instance).may_meet(i, j)
    plain = instances.event_instance(forum.event, with_requests=False)
    assert Scorer(plain.instance).may_meet(i, j)


def test_must_requests_become_a_bonus_worth_more_than_any_other_meeting(forum) -> None:
    set_request(forum.ann, forum.eve, "must")  # a weak match on its own
    built = instances.event_instance(forum.event)
    i, j = sorted((built.position[forum.ann.id], built.position[forum.eve.id]))
    assert set(built.instance.pair_bonus) == {(i, j)}
    scorer = Scorer(built.instance)
    plain = Scorer(instances.event_instance(forum.event, with_requests=False).instance)
    best = max(
        float(np.max(np.where(plain.allowed(np.array([k])), plain.block(np.array([k])), 0)))
        for k in (i, j)
    )
    assert scorer.pair(i, j) == pytest.approx(instances.MUST_BONUS_SHARE * best, abs=0.01)
    assert scorer.pair(i, j) > best
    assert plain.pair(i, j) < best


def test_a_must_request_against_an_avoid_gets_no_bonus(forum) -> None:
    set_request(forum.ann, forum.bo, "must")
    set_request(forum.bo, forum.ann, "avoid")
    built = instances.event_instance(forum.event)
    assert built.instance.pair_bonus == {}


def test_the_next_build_honours_requests_and_the_organiser_sees_it(event, login_as) -> None:
    """A weak pair asked for is scheduled; an avoided strong pair is not; stats count it."""
    people = list(db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)))
    built = instances.event_instance(event, with_requests=False)
    scorer = Scorer(built.instance)
    pairs = [
        (scorer.pair(i, j), i, j)
        for i in range(len(people))
        for j in range(i + 1, len(people))
        if scorer.may_meet(i, j)
    ]
    pairs.sort()
    _, wi, wj = pairs[0]  # the weakest allowed pair
    _, si, sj = pairs[-1]  # the strongest
    weak = (built.attendees[wi], built.attendees[wj])
    strong = (built.attendees[si], built.attendees[sj])
    set_request(weak[0], weak[1], "must")
    set_request(strong[1], strong[0], "avoid")
    job = build(event)
    met = {frozenset((m.attendee_a_id, m.attendee_b_id)) for m in job.version.meetings}
    assert frozenset(a.id for a in weak) in met
    assert frozenset(a.id for a in strong) not in met
    stats = schedule_stats(event, job.version, people)
    assert (stats.requests_must, stats.requests_must_honoured) == (1, 1)
    page = page_text(login_as(event.organiser).get(f"/organiser/events/{event.slug}/schedule"))
    assert "1 of 1 attendees' own must-meet requests honoured" in page
