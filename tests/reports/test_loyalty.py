"""Loyalty across a series: known retention, paired NPS change and pipeline by event
(the series of tests/series_helpers.py)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader

from app.services.events.series import company_key, put_in_series
from app.services.reports.figures import sponsor_report
from app.services.reports.loyalty import sponsor_loyalty
from tests.pdf_layout_helpers import layout_faults
from tests.series_helpers import Series2, build_series


@pytest.fixture
def series(make_organiser, make_event, make_attendee, make_version) -> Series2:
    return build_series(make_organiser, make_event, make_attendee, make_version)


def test_company_names_are_compared_without_case_accents_or_spaces() -> None:
    assert company_key("  ACMÉ   Cloud ") == company_key("acme cloud") == "acme cloud"
    assert company_key("Acme") != company_key("Acme Cloud")


def test_retention_new_partners_and_their_sample_sizes(series: Series2) -> None:
    loyalty = sponsor_report(series.second, "ACMÉ").loyalty
    assert loyalty is not None and loyalty.previous == series.first
    assert (loyalty.met_previous, loyalty.met_now) == (6, 7)
    assert (loyalty.met_again, loyalty.new) == (5, 2)
    assert loyalty.retention == pytest.approx(5 / 6)
    assert [e.event for e in loyalty.editions] == [series.first, series.second]
    assert [e.partners_met for e in loyalty.editions] == [6, 7]
    assert [e.met_before for e in loyalty.editions] == [None, 5]


def test_nps_change_is_paired_on_the_people_who_answered_both_times(series: Series2) -> None:
    """Unpaired, both years say +17; the five who answered both times went from 0 to +40."""
    loyalty = sponsor_loyalty(series.second, "Acme")
    assert loyalty is not None
    assert loyalty.paired.people == 5 and not loyalty.paired_withheld
    assert loyalty.paired.before == pytest.approx(0)
    assert loyalty.paired.now == pytest.approx(40)
    assert loyalty.paired.change == pytest.approx(40)
    assert [e.answered for e in loyalty.editions] == [6, 6]
    assert [round(e.nps or 0) for e in loyalty.editions] == [17, 17]


def test_pipeline_by_event_per_currency_with_its_answers(series: Series2) -> None:
    loyalty = sponsor_loyalty(series.second, "acme")
    assert loyalty is not None
    first, second = loyalty.editions
    assert first.pipeline == {"EUR": 1000, "USD": 500}
    assert first.pipeline_answers == {"EUR": 1, "USD": 1}
    assert second.pipeline == {"EUR": 5000} and second.pipeline_answers == {"EUR": 2}


def test_a_paired_nps_on_fewer_people_than_the_threshold_is_withheld(
    make_organiser, make_event, make_attendee, make_version
) -> None:
    """p5 does not answer in 2026: four people answered both times, fewer than 5."""
    series = build_series(
        make_organiser, make_event, make_attendee, make_version, now=(10, 10, 9, 8, None, 0)
    )
    loyalty = sponsor_loyalty(series.second, "Acme")
    assert loyalty is not None and loyalty.threshold == 5
    assert loyalty.paired.people == 4 and loyalty.paired_withheld
    assert loyalty.paired.before is None and loyalty.paired.now is None
    assert loyalty.paired.change is None
    assert loyalty.editions[1].answered == 5  # the event's own NPS still rests on five


def test_the_threshold_follows_the_event_but_never_below_three(series: Series2) -> None:
    series.second.anonymity_threshold = 6  # set per event
    loyalty = sponsor_loyalty(series.second, "Acme")
    assert loyalty is not None and loyalty.threshold == 6 and loyalty.paired_withheld
    series.second.anonymity_threshold = 3  # the lowest an event may set (checked by the database)
    loyalty = sponsor_loyalty(series.second, "Acme")
    assert loyalty is not None and loyalty.threshold == 3 and not loyalty.paired_withheld


def test_no_loyalty_without_an_earlier_event_of_the_company(series: Series2, make_event) -> None:
    assert sponsor_loyalty(series.first, "Acme") is None  # the first edition
    assert sponsor_loyalty(series.second, "Globex") is None  # new to the series
    put_in_series(series.first, "")  # out of the series: nothing to compare with
    assert sponsor_loyalty(series.second, "Acme") is None


def test_another_organisers_series_of_the_same_name_is_not_compared(
    series: Series2, make_organiser, make_event, make_attendee
) -> None:
    """Series belong to their owner: a rival's "Partner Summit" is a different series."""
    rival = make_event(make_organiser(), name="Rival", starts_at=datetime(2025, 9, 1, 9))
    put_in_series(rival, "Partner Summit")
    assert rival.series_id != series.second.series_id
    make_attendee(rival, "x@acme.example", company="Acme", kind="vendor")
    loyalty = sponsor_loyalty(series.second, "Acme")
    assert loyalty is not None and loyalty.previous == series.first


def _section(html: str) -> str:
    start = html.index('<section id="loyalty">')
    return html[start : html.index("</section>", start)]


def test_the_sponsor_page_shows_the_loyalty_section_naming_nobody(client, series: Series2) -> None:
    html = client.get(f"/s/{series.acme_contact.token}").get_data(as_text=True)
    section = _section(html)
    assert 'id="loyalty-met">7<' in section and 'id="loyalty-again">5<' in section
    assert 'id="loyalty-retention">83%<' in section and 'id="loyalty-new">2<' in section
    assert 'id="loyalty-paired-people">5<' in section
    assert 'id="loyalty-nps-before">+0<' in section and 'id="loyalty-nps-now">+40<' in section
    assert 'id="loyalty-nps-change">+40 points<' in section
    assert "EUR 1,000 (1); USD 500 (1)" in section and "EUR 5,000 (2)" in section
    assert "<svg" in section and "Partner Summit 2025: 6 partners met" in section
    for i in range(1, 9):
        assert f"Partner Person {i}" not in section and f"partner{i}.example" not in section
        assert f"Partner Co {i}" not in section
    globex = client.get(f"/s/{series.globex_contact.token}").get_data(as_text=True)
    assert 'id="loyalty"' not in globex  # new to the series: nothing to compare with


def test_the_page_withholds_a_paired_nps_on_too_few_people(
    client, make_organiser, make_event, make_attendee, make_version
) -> None:
    series = build_series(
        make_organiser, make_event, make_attendee, make_version, now=(10, 10, 9, 8, None, 0)
    )
    section = _section(client.get(f"/s/{series.acme_contact.token}").get_data(as_text=True))
    assert "fewer than 5 partners answered at both events" in section
    assert "loyalty-nps-before" not in section and "loyalty-nps-change" not in section


def test_the_sponsor_pdf_has_the_loyalty_chart_and_figures(client, series: Series2) -> None:
    response = client.get(f"/s/{series.acme_contact.token}/report.pdf")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    assert "Loyalty" in text and "retention 83%" in text and "2 new" in text
    assert "+0 at Partner Summit 2025, +40 now (+40 points)" in text
    assert "of them met at the event before" in text  # the chart's legend
    assert "EUR 5,000 (2)" in text
    assert "Partner Person" not in text and "partner1.example" not in text
    assert layout_faults(response.data) == []  # the chart and table keep their text apart
