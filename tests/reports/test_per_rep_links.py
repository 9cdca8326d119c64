"""Per-rep figures link to their answers like every other figure of the sponsor report.

Acme's reps in ``report_helpers.build``: Vera was rated 5 and 4 (recommend 10 and 8) by
Partners 1 and 3; Walt was rated 3 (recommend 6) by Partner 2.
"""

from __future__ import annotations

import html
import re

import pytest

from app.extensions import db
from app.models import FollowUp
from tests.report_helpers import add_bosses, build


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built event of ``report_helpers.build``."""
    return build(event, make_attendee, make_version)


def _answer_ids(page: str) -> set[int]:
    """The answers a figure's page lists."""
    return {int(n) for n in re.findall(r'id="answer-(\d+)"', page)}


def _about(cast, rep) -> set[int]:
    """The ids of the answers partners gave about ``rep``."""
    rows = db.session.query(FollowUp).filter(FollowUp.other_id == rep.id)
    return {f.id for f in rows if f.recommend is not None}


@pytest.mark.parametrize("figure", ["nps", "rating"])
def test_each_reps_nps_and_rating_open_that_reps_answers(client, event, cast, figure) -> None:
    """Walt rests on 1 answer and Vera on 2 (the event shows scores from 3): both withheld,
    with no link, and their answers' pages refused; tests/reports/test_anonymity.py follows
    a rep's link where there are enough answers."""
    token = add_bosses(event)["Acme"].token
    page = client.get(f"/s/{token}").get_data(as_text=True)
    rows = page.split("Per sales rep")[1].split("</table>")[0]
    for rep in (cast.v1, cast.v2):
        row = next(r for r in rows.split("<tr>") if rep.name in r)
        links = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', row)]
        assert not [h for h in links if f"/answers/{figure}?" in h], (rep.name, links)
        assert "fewer than 3 answers" in row
        assert client.get(f"/s/{token}/answers/{figure}?rep={rep.id}").status_code == 404
        assert _about(cast, rep)  # they have answers: withheld, not missing
