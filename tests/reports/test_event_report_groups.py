"""The event report's groups add up to All meetings, and the page and PDF say what each holds.

The hand-built event of ``report_helpers.build`` (see ``test_reports.py``), plus answers on the
side that the Sponsor meetings column does not count: a sponsor's rep rating the partner they
met, and a partner naming a next step after meeting a sponsor.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import FollowUp
from app.services.reports.figures import GROUPS_NOTE, event_report
from app.services.reports.measures import Measures
from app.services.reports.pdf import render_event_report
from tests.report_helpers import build

ADDITIVE = {  # what each group adds to All meetings: every answer count
    "asked": lambda m: m.asked,
    "answered": lambda m: m.answered,
    "promoters": lambda m: m.promoters,
    "detractors": lambda m: m.detractors,
    "ratings": lambda m: len(m.ratings),
    "comments": lambda m: len(m.why),
    "next steps": lambda m: m.next_step_counts,
    "pipeline": lambda m: m.pipeline,
}
MEETINGS = {  # counted once per meeting: Sponsor meetings and Partner-to-partner only
    "scheduled": lambda m: m.scheduled,
    "held": lambda m: m.held,
    "no-shows": lambda m: m.no_shows,
    "unanswered": lambda m: m.unanswered,
}


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built event, Vera (Acme) rating Partner 1 and Partner 3 naming a call."""
    cast = build(event, make_attendee, make_version)
    vera = db.session.query(FollowUp).filter_by(attendee_id=cast.v1.id, other_id=cast.p[1].id)
    vera.one().rating, vera.one().recommend, vera.one().why = 4, 9, "Strong reseller"
    p3 = db.session.query(FollowUp).filter_by(attendee_id=cast.p[3].id, other_id=cast.v1.id)
    p3.one().next_step, p3.one().pipeline_value, p3.one().currency = "call", 700, "EUR"
    db.session.commit()
    return cast


def _add(*groups: Measures, figure) -> object:
    """The sum of ``figure`` over ``groups`` (counts, or per-key counts and totals)."""
    values = [figure(m) for m in groups]
    if isinstance(values[0], dict):
        keys = {k for v in values for k in v}
        return {k: sum(v.get(k, 0) for v in values) for k in keys if any(k in v for v in values)}
    return sum(values)


def _nonzero(value: object) -> object:
    """``value`` without zero entries, to compare per-key sums."""
    return {k: v for k, v in value.items() if v} if isinstance(value, dict) else value


def test_the_groups_add_up_to_all_meetings(event, cast) -> None:
    r = event_report(event)
    for name, figure in ADDITIVE.items():
        total = _add(r.sponsors, r.rating_partners, r.p2p, figure=figure)
        assert _nonzero(total) == _nonzero(figure(r.overall)), name
    for name, figure in MEETINGS.items():
        assert figure(r.sponsors) + figure(r.p2p) == figure(r.overall), name


def test_the_groups_hold_the_known_numbers(event, cast) -> None:
    r = event_report(event)
    # 7 sponsor meetings (6 held, 1 no-show) and 1 partner-to-partner meeting.
    assert (r.sponsors.scheduled, r.sponsors.held, r.p2p.scheduled, r.overall.scheduled) == (
        7,
        6,
        1,
        8,
    )
    # Asked: the partner in each of the 6 held sponsor meetings, the rep in each of the same
    # 6, both sides of the P2P meeting: 14. Answered: 5 partners, Vera, 2 partners in P2P.
    assert [m.asked for m in (r.sponsors, r.rating_partners, r.p2p, r.overall)] == [6, 6, 2, 14]
    assert [m.answered for m in (r.sponsors, r.rating_partners, r.p2p, r.overall)] == [5, 1, 2, 8]
    assert r.rating_partners.nps == 100.0 and r.rating_partners.avg_rating == 4.0
    assert [a.why for a in r.rating_partners.why] == ["Strong reseller"]
    assert r.rating_partners.next_step_counts["call"] == 1  # Partner 3's, after meeting Vera
    assert r.rating_partners.pipeline == {"EUR": 700.0}
    assert r.overall.pipeline == {"EUR": 3700.0, "USD": 500.0}


def test_the_page_shows_every_group_and_what_is_in_it(event, cast, login_as) -> None:
    staff = login_as(event.organiser)
    page = staff.get(f"/organiser/events/{event.slug}/report").get_data(as_text=True)
    heads = re.findall(r"<th>([^<]*)</th>", page.split('id="by-sponsor"')[0])
    assert heads[:5] == [
        "Measure",
        "Sponsor meetings",
        "Sponsors rating partners",
        "Partner-to-partner",
        "All meetings",
    ]

    def cell(id_: str) -> str:
        """The text of the figures-table cell ``id_``, tags and spaces dropped."""
        match = re.search(rf'id="{id_}">(.*?)</td>', page, re.S)
        assert match, id_
        return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())

    assert [cell(f"{g}-scheduled") for g in ("sponsors", "rating_partners", "p2p", "overall")] == [
        "7",
        "—",
        "1",
        "8",
    ]
    assert [cell(f"{g}-answered") for g in ("sponsors", "rating_partners", "p2p", "overall")] == [
        "6 / 5",
        "6 / 1",
        "2 / 2",
        "14 / 8",
    ]
    assert GROUPS_NOTE.replace("'", "&#39;") in page
    answers = staff.get(f"/organiser/events/{event.slug}/report/answers/rating_partners/answered")
    assert answers.status_code == 200
    assert "Vera Acme" in answers.get_data(as_text=True)  # the organiser sees who answered


def test_the_pdf_shows_every_group_and_what_is_in_it(event, cast) -> None:
    pages = PdfReader(io.BytesIO(render_event_report(event_report(event)))).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Sponsor meetings Sponsors rating partners Partner-to-partner All meetings" in text
    assert "Meetings scheduled 7 — 1 8" in text
    assert "Asked / answered 6 / 5 6 / 1 2 / 2 14 / 8" in text
    assert "Pipeline EUR 3,000 700 — 3,700" in text
    assert " ".join(GROUPS_NOTE.split()) in text
