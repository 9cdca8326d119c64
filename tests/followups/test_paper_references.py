"""Printed meeting references keep working after a re-plan or a re-published version.

An agenda is printed from the published version; then the organiser re-plans around
no-shows (a new version) and paper forms come back. Keying a form in by the reference printed
on it, and opening its QR link, must find the pair's meeting in whatever version is published
now, say where it moved, or say plainly when the re-plan cancelled it. Mistyped references are
refused instead of naming another meeting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting, MeetingRef, ScheduleVersion
from app.models.common import utcnow
from app.models.meeting_ref import ALPHABET, check_character, is_valid_code, new_code
from app.services.followups.answers import record_followup
from app.services.printing.agendas import AgendaSlot
from app.services.printing.data import agenda_data
from app.services.scheduling import versions
from app.services.scheduling.replanning import replan_event
from tests.conftest import post_form
from tests.scheduling.test_scheduling import build

ZONE = "Europe/Warsaw"
ANSWER = {"held": "yes", "rating": "4", "recommend": "9", "currency": "EUR", "why": "Good fit"}


@dataclass
class Printed:
    """One paper form as printed before the re-plan: whose agenda, and what is on it."""

    attendee: Attendee
    other: Attendee
    slot: AgendaSlot
    meeting: Meeting  # the row of the version it was printed from

    @property
    def reference(self) -> str:
        """What the organiser types: the text printed under the QR code, e.g. "meeting KA7MX"."""
        return self.slot.reference

    def link(self, app: Flask) -> str:
        """The QR code's link, as a phone would open it on this server."""
        return self.slot.followup_url.removeprefix(app.config["PUBLIC_URL"])


@dataclass
class Replanned:
    """An event held yesterday in Warsaw, printed from version 1, then re-planned at 11:05."""

    event: Event
    printed: ScheduleVersion
    replan: ScheduleVersion
    kept: Printed  # a round-1 meeting: unchanged by the re-plan
    dropped: Printed  # a round-2 meeting of a no-show, seen from their present partner


def printed_form(event: Event, version: ScheduleVersion, meeting: Meeting) -> Printed:
    """The paper form of ``meeting`` on its first attendee's printed agenda."""
    person = meeting.attendee_a
    (agenda,) = agenda_data(event, person)
    slot = next(s for s in agenda.slots if s.round == meeting.round and s.kind == "meeting")
    return Printed(person, meeting.attendee_b, slot, meeting)


def replan_after_printing(event: Event, answer_first: bool = False) -> Replanned:
    """Build and publish; print; one person does not come; re-plan from round 2 at 11:05.

    ``answer_first``: both printed forms are answered online before the re-plan.
    """
    event.timezone = ZONE
    event.starts_at = (datetime.now(ZoneInfo(ZONE)) - timedelta(days=1)).replace(
        tzinfo=None, hour=9, minute=0, second=0, microsecond=0
    )
    db.session.commit()
    v1 = build(event).version
    versions.publish(v1)
    first_round = sorted((m for m in v1.meetings if m.round == 1), key=lambda m: m.table)
    kept = first_round[0]
    later = [
        m
        for m in v1.meetings
        if m.round == 2
        and not {kept.attendee_a_id, kept.attendee_b_id} & {m.attendee_a_id, m.attendee_b_id}
    ]
    dropped = later[0]
    no_show = dropped.attendee_b
    for person in event.attendees:
        person.checked_in_at = None if person.id == no_show.id else utcnow()
    db.session.commit()
    kept_form = printed_form(event, v1, kept)
    dropped_form = printed_form(event, v1, dropped)  # on the present partner's agenda
    assert dropped_form.attendee.id != no_show.id
    if answer_first:
        record_followup(kept, kept_form.attendee, ANSWER)
        record_followup(dropped, dropped_form.attendee, {**ANSWER, "why": "Cancelled one"})
    report = replan_event(event, 2)
    v2 = report.version
    # The re-plan was stored at 10:05 UTC the morning of the event: 11:05 in Warsaw.
    v2.created_at = event.starts_at.replace(hour=10, minute=5)
    db.session.commit()
    return Replanned(event, v1, v2, kept_form, dropped_form)


@pytest.fixture
def replanned(event: Event) -> Replanned:
    """The event re-planned after printing, nothing answered yet."""
    return replan_after_printing(event)


def switch_user() -> None:
    """Forget whom the last request ran as: these tests share one app context, where
    Flask-Login caches the user in ``g`` (separate browsers never share it)."""
    g.pop("_login_user", None)


def current_meeting(event: Event, a: Attendee, b: Attendee) -> Meeting | None:
    """The pair's meeting in the published version."""
    db.session.expire_all()
    for m in db.session.scalars(
        select(Meeting).where(Meeting.version_id == event.published_version_id)
    ):
        if {m.attendee_a_id, m.attendee_b_id} == {a.id, b.id}:
            return m
    return None


def paper(event: Event) -> str:
    return f"/organiser/events/{event.slug}/paper"


def fields(client: FlaskClient, event: Event, attendee: Attendee) -> dict[str, str]:
    """The row prefixes of the key-in form, by the other person's name, read from the page."""
    html = client.get(f"{paper(event)}?attendee={attendee.id}").get_data(as_text=True)
    return dict(
        re.findall(r"<legend>Round \d+ · [^·<]+ · ([^<]+) <span[^>]*>.*?meeting (\w+)\)", html)
    )


# -- keying in by the printed reference -----------------------------------------------------------


def test_a_reference_printed_before_the_replan_keys_in_the_current_meeting(
    replanned: Replanned, login_as
) -> None:
    """Regression: "meeting 660" said "Nobody found" once a re-plan had published version 2."""
    r = replanned
    form = r.kept
    client = login_as(r.event.organiser)
    html = client.get(paper(r.event), query_string={"q": form.reference}).get_data(as_text=True)
    assert "Nobody found" not in html
    assert form.attendee.name in html and form.other.name in html
    now = current_meeting(r.event, form.attendee, form.other)
    assert now is not None and now.version_id == r.replan.id  # a row of the new version
    assert f"is in round 1 at {r.event.table_label(now.table)}" in html
    # The organiser opens the attendee's agenda and types the form in.
    rows = fields(client, r.event, form.attendee)
    code = rows[form.other.name]
    assert form.reference == f"meeting {code}"
    data = {"attendee": form.attendee.id, **{f"m{code}-{k}": v for k, v in ANSWER.items()}}
    response = post_form(client, paper(r.event), data, follow_redirects=True)
    assert f"Saved 1 answer for {form.attendee.name}." in response.get_data(as_text=True)
    stored = db.session.scalar(select(FollowUp).where(FollowUp.attendee_id == form.attendee.id))
    assert stored is not None and stored.other_id == form.other.id and stored.rating == 4
    assert stored.meeting_id == now.id


def test_the_qr_link_printed_before_the_replan_opens_the_current_form(
    app: Flask, replanned: Replanned, client: FlaskClient
) -> None:
    """Regression: the paper form's QR link answered 404 after the re-plan."""
    form = replanned.kept
    page = client.get(form.link(app))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"How was your meeting with {form.other.name}?" in html
    assert "moved" not in html  # round 1 is unchanged
    response = post_form(client, form.link(app), ANSWER)
    assert response.status_code == 302
    now = current_meeting(replanned.event, form.attendee, form.other)
    stored = db.session.scalar(select(FollowUp).where(FollowUp.attendee_id == form.attendee.id))
    assert stored is not None and stored.meeting_id == now.id and stored.why == "Good fit"


def test_a_dropped_meeting_says_when_the_replan_cancelled_it(
    app: Flask, replanned: Replanned, login_as, client: FlaskClient
) -> None:
    """Not "Nobody found", not a 404: the re-plan at 11:05 (Warsaw time) cancelled it."""
    r = replanned
    form = r.dropped
    assert current_meeting(r.event, form.attendee, form.other) is None
    page = client.get(form.link(app))
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "This meeting was cancelled in the re-plan at 11:05." in text
    assert 'name="held"' not in text  # nothing offered that must then fail
    assert post_form(client, form.link(app), ANSWER).status_code == 410
    assert db.session.scalar(select(FollowUp)) is None
    switch_user()
    organiser = login_as(r.event.organiser)
    html = organiser.get(paper(r.event), query_string={"q": form.reference}).get_data(as_text=True)
    assert "This meeting was cancelled in the re-plan at 11:05." in html
    assert form.attendee.name in html  # their other forms can still be keyed in


def test_answers_given_before_the_replan_stay_with_the_pair(
    app: Flask, event: Event, login_as, client: FlaskClient
) -> None:
    """Answers to a kept meeting still show as done; those to a cancelled one are kept."""
    r = replan_after_printing(event, answer_first=True)
    agenda = client.get(f"/a/{r.kept.attendee.token}").get_data(as_text=True)
    assert "Follow-up done" in agenda
    form = client.get(r.kept.link(app)).get_data(as_text=True)
    assert "You answered already" in form and "Good fit" in form
    cancelled = client.get(r.dropped.link(app)).get_data(as_text=True)
    assert "the answer you gave is kept" in cancelled
    switch_user()
    organiser = login_as(r.event.organiser)
    html = organiser.get(paper(r.event), query_string={"q": r.dropped.reference}).get_data(
        as_text=True
    )
    assert "The 1 answer(s) given about it are kept." in html
    assert db.session.scalar(select(FollowUp).where(FollowUp.why == "Cancelled one"))
    rows = organiser.get(f"{paper(r.event)}?attendee={r.kept.attendee.id}").get_data(as_text=True)
    assert 'value="Good fit"' in rows  # the paper key-in shows the answer given on version 1


def test_old_meeting_numbers_still_resolve_to_the_current_meeting(
    app: Flask, replanned: Replanned, login_as, client: FlaskClient
) -> None:
    """Agendas printed before references showed "meeting <row id>": those numbers still work."""
    r = replanned
    old = r.kept.meeting.id  # a row of version 1, no longer published
    switch_user()
    organiser = login_as(r.event.organiser)
    html = organiser.get(paper(r.event), query_string={"q": f"meeting {old}"}).get_data(
        as_text=True
    )
    assert r.kept.attendee.name in html and r.kept.other.name in html and "Nobody found" not in html
    page = client.get(f"/a/{r.kept.attendee.token}/followup/{old}")
    assert page.status_code == 200
    assert f"How was your meeting with {r.kept.other.name}?" in page.get_data(as_text=True)
    dropped = client.get(f"/a/{r.dropped.attendee.token}/followup/{r.dropped.meeting.id}")
    assert dropped.status_code == 410


def test_the_attendee_agenda_links_by_reference(replanned: Replanned, client: FlaskClient) -> None:
    """The phone agenda's follow-up links carry the stable reference, not a row id."""
    r = replanned
    code = r.kept.reference.removeprefix("meeting ")
    html = client.get(f"/a/{r.kept.attendee.token}").get_data(as_text=True)
    assert f'/followup/{code}"' in html  # the whole link: no row id after it


# -- a meeting that moved, in a re-published version ----------------------------------------------


@pytest.fixture
def moved(make_organiser, make_event, make_attendee, make_version):
    """Ann meets Bo in round 2 at table 1 in version 1; version 2 moves them to round 3, table 2."""
    event = make_event(make_organiser(), rounds=3, tables=3, timezone=ZONE)
    ann = make_attendee(event, "ann@a.example", name="Ann Alpha", company="Alpha")
    bo = make_attendee(event, "bo@b.example", name="Bo Beta", company="Beta")
    v1 = make_version(event, [(2, 1, ann, bo)], published=True)
    (form,) = [s for s in agenda_data(event, ann)[0].slots if s.kind == "meeting"]
    v2 = make_version(event, [(3, 2, bo, ann)], published=True)
    return event, ann, bo, form, v1, v2


def test_a_moved_meeting_opens_where_it_is_now_and_says_it_moved(
    app: Flask, moved, login_as, client: FlaskClient
) -> None:
    event, ann, bo, form, _v1, v2 = moved
    link = form.followup_url.removeprefix(app.config["PUBLIC_URL"])
    html = client.get(link).get_data(as_text=True)
    assert "How was your meeting with Bo Beta?" in html
    assert (
        "This meeting moved: it is now in round 3 at Table 2 (printed: round 2 at Table 1)." in html
    )
    switch_user()
    organiser = login_as(event.organiser)
    page = organiser.get(paper(event), query_string={"q": form.reference}).get_data(as_text=True)
    assert "is in round 3 at Table 2" in page
    assert form.reference.removeprefix("meeting ") == db.session.scalar(
        select(MeetingRef.code).where(MeetingRef.event_id == event.id)
    )
    # Bo's link with the same reference reaches the same meeting; a stranger's does not.
    assert client.get(link.replace(ann.token, bo.token)).status_code == 200


# -- typos ---------------------------------------------------------------------------------------


def typo(code: str) -> str:
    """``code`` with its second character replaced by another of the alphabet."""
    other = next(c for c in "7K4Q" if c != code[1])
    return code[0] + other + code[2:]


def test_a_mistyped_reference_is_refused_with_what_to_check(
    app: Flask, replanned: Replanned, login_as, client: FlaskClient
) -> None:
    r = replanned
    code = r.kept.reference.removeprefix("meeting ")
    switch_user()
    organiser = login_as(r.event.organiser)
    cases = {
        typo(code): "one character is mistyped",
        code[:3] + "0" + code[4]: "references never use 0, 1, I, L, O, S and U (found 0)",
        code[:4]: "references have 5 letters and digits",
    }
    for typed, message in cases.items():
        html = organiser.get(paper(r.event), query_string={"q": typed}).get_data(as_text=True)
        assert message in html, typed
        assert r.kept.other.name not in html, typed  # it matched nobody's meeting
    # Lower case, spaces and a dash are how people type it: those are fine.
    spaced = f" {code[:2].lower()} {code[2:4]}-{code[4]} "
    html = organiser.get(paper(r.event), query_string={"q": spaced}).get_data(as_text=True)
    assert r.kept.other.name in html
    link = r.kept.link(app)
    assert client.get(link.replace(code, typo(code))).status_code == 404


def test_every_single_typo_and_swap_breaks_the_check() -> None:
    """The check character catches any one wrong character and any swap of two."""
    for _ in range(200):
        code = new_code()
        assert is_valid_code(code) and code[0].isalpha() and any(c.isdigit() for c in code)
        for i in range(len(code)):
            for c in ALPHABET:
                if c != code[i]:
                    assert not is_valid_code(code[:i] + c + code[i + 1 :]), (code, i, c)
            for j in range(i + 1, len(code)):
                if code[i] != code[j]:
                    swapped = list(code)
                    swapped[i], swapped[j] = swapped[j], swapped[i]
                    assert not is_valid_code("".join(swapped)), (code, i, j)
    assert check_character("KA7M") in ALPHABET


def test_a_reference_of_another_event_finds_nothing(
    replanned: Replanned, make_organiser, make_event, make_attendee, make_version, login_as
) -> None:
    """Codes are per event: another event's valid code is no meeting of this one."""
    r = replanned
    elsewhere = make_event(make_organiser(), name="Elsewhere")
    x = make_attendee(elsewhere, "x@x.example", company="X")
    y = make_attendee(elsewhere, "y@y.example", company="Y")
    make_version(elsewhere, [(1, 1, x, y)], published=True)
    theirs = db.session.scalar(select(MeetingRef.code).where(MeetingRef.event_id == elsewhere.id))
    mine = set(db.session.scalars(select(MeetingRef.code).where(MeetingRef.event_id == r.event.id)))
    if theirs in mine:
        pytest.skip("the two events drew the same code")
    html = (
        login_as(r.event.organiser)
        .get(paper(r.event), query_string={"q": theirs})
        .get_data(as_text=True)
    )
    assert f"is no meeting reference of {r.event.name}" in html


def test_a_replan_while_forms_are_typed_in_saves_nothing_and_says_why(
    make_organiser, make_event, make_attendee, make_version, login_as
) -> None:
    """The page was loaded on version 1; version 2 dropped one of its rows before "Save"."""
    start = (datetime.now(ZoneInfo(ZONE)) - timedelta(days=1)).replace(
        tzinfo=None, hour=9, minute=0, second=0, microsecond=0
    )
    event = make_event(make_organiser(), rounds=3, tables=3, timezone=ZONE, starts_at=start)
    ann = make_attendee(event, "ann@a.example", name="Ann Alpha", company="Alpha")
    bo = make_attendee(event, "bo@b.example", name="Bo Beta", company="Beta")
    cy = make_attendee(event, "cy@c.example", name="Cy Gamma", company="Gamma")
    make_version(event, [(1, 1, ann, bo), (2, 1, ann, cy)], published=True)
    client = login_as(event.organiser)
    rows = fields(client, event, ann)  # the form as the organiser opened it
    v2 = make_version(event, [(1, 2, bo, ann)], published=True)  # Cy's meeting dropped
    v2.created_at = start.replace(hour=10, minute=5)
    db.session.commit()
    typed = {f"m{rows[name]}-{k}": v for name in ("Bo Beta", "Cy Gamma") for k, v in ANSWER.items()}
    html = post_form(client, paper(event), {"attendee": ann.id, **typed}).get_data(as_text=True)
    assert (
        f"Meeting {rows['Cy Gamma']} with Cy Gamma: This meeting was cancelled in a new schedule "
        "at 11:05. Nothing was saved"
    ) in html
    assert db.session.scalar(select(FollowUp)) is None
    assert "Cy Gamma" not in fields(client, event, ann)  # the page now shows version 2
    again = {k: v for k, v in typed.items() if k.startswith(f"m{rows['Bo Beta']}-")}
    response = post_form(client, paper(event), {"attendee": ann.id, **again})
    assert response.status_code == 302
    stored = db.session.scalar(select(FollowUp))
    assert stored is not None and stored.other_id == bo.id and stored.meeting.version_id == v2.id
