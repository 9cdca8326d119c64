"""Sponsor and event reports computed from a hand-built set of answers with known figures."""

from __future__ import annotations

import pytest

from app.services.reports.figures import event_report, sponsor_report
from tests.report_helpers import build


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built event of ``report_helpers.build``."""
    return build(event, make_attendee, make_version)


def test_sponsor_counts_only_its_own_meetings(event, cast) -> None:
    m = sponsor_report(event, "Acme", protected=False).measures
    assert (m.scheduled, m.held, m.no_shows) == (5, 4, 1)
    assert (m.asked, m.answered, m.response_rate) == (4, 3, 0.75)
    assert dict(m.regions) == {"EMEA": 2, "APAC": 1, "Americas": 1}
    assert dict(m.kinds) == {"partner": 4}


def test_sponsor_nps_is_promoters_minus_detractors_from_the_other_side(event, cast) -> None:
    m = sponsor_report(event, "Acme", protected=False).measures
    assert (m.promoters, m.detractors, m.nps) == (1, 1, 0.0)
    assert m.distribution == [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1]
    assert m.small_sample
    assert m.avg_rating == 4.0
    assert len(m.recommend_ids) == 3 and m.recommend_ids == m.rating_ids


def test_sponsor_next_steps_and_pipeline_per_currency(event, cast) -> None:
    m = sponsor_report(event, "Acme", protected=False).measures
    assert m.next_step_counts == {"call": 1, "proposal": 1, "joint_deal": 0, "deal_registered": 1}
    assert m.pipeline == {"EUR": 3000.0, "USD": 500.0}
    assert len(m.pipeline_ids["EUR"]) == 2
    assert [a.why for a in m.why] == ["=great demo", "Ünïcödé ça marche"]


def test_sponsor_reps_and_event_comparison(event, cast) -> None:
    report = sponsor_report(event, "Acme", protected=False)
    reps = {r.attendee.name: r.measures for r in report.reps}
    assert (reps["Vera Acme"].scheduled, reps["Vera Acme"].held, reps["Vera Acme"].nps) == (
        3,
        2,
        50.0,
    )
    assert (reps["Walt Acme"].scheduled, reps["Walt Acme"].nps) == (2, -100.0)
    e = report.event_measures
    assert (e.scheduled, e.held, e.answered) == (8, 7, 7)
    assert e.avg_rating == pytest.approx(24 / 7)
    assert e.nps == pytest.approx(-100 / 7)
    assert "Globex secret" not in {a.why for a in report.answers}
    assert len(report.answers) == 7


def test_other_sponsor_sees_only_its_meetings(event, cast) -> None:
    m = sponsor_report(event, "Globex", protected=False).measures
    assert (m.scheduled, m.held, m.answered, m.nps) == (2, 2, 2, -100.0)
    assert m.pipeline == {}


def test_event_report_sponsors_p2p_and_teaming(event, cast) -> None:
    r = event_report(event)
    assert (r.sponsors.scheduled, r.sponsors.held, r.sponsors.no_shows) == (7, 6, 1)
    assert (r.p2p.scheduled, r.p2p.answered, r.p2p.nps) == (1, 2, 50.0)
    people = len(event.attendees)
    assert r.teaming_share == pytest.approx(2 / people)  # v1 (proposal) and p1 (joint deal)
    assert sum(n for _, _, n in r.score_bands) == 7
