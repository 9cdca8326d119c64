"""Loyalty across a series: known retention, paired NPS change and pipeline by event
(the series of tests/series_helpers.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.services.events.series import company_key, put_in_series
from app.services.reports.figures import sponsor_report
from app.services.reports.loyalty import sponsor_loyalty
from tests.series_helpers import Series2, build_series


@pytest.fixture
def series(make_organiser, make_event, make_attendee, make_version) -> Series2:
    return build_series(make_organiser, make_event, make_attendee, make_version)


def test_company_names_are_compared_without_case_accents_or_spaces() -> None:
    assert company_key("  ACMÉ   Cloud ") == company_key("acme cloud") == "acme cloud"
    assert company_key("Acme") != company_key("Acme Cloud")


def test_retention_new_partners_and_their_sample_sizes(series: Series2) -> None:
    loyalty = sponsor_report(series.second, "ACMÉ  ").loyalty
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
    series.second.anonymity_threshold = 6  # type: ignore[attr-defined]  (set per event)
    loyalty = sponsor_loyalty(series.second, "Acme")
    assert loyalty is not None and loyalty.threshold == 6 and loyalty.paired_withheld
    series.second.anonymity_threshold = 1  # type: ignore[attr-defined]
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
