"""The organiser's series report: who comes back, how sponsors fare, and teaming, per event.

For each event of the series (oldest first) against the one before it: of the people of each
kind at the event before, how many came again (recognised by e-mail), and of its companies of
each kind, how many came again (recognised by name without case, accents or extra spaces);
each sponsor's NPS at each event (from the event report, with its number of answers); and the
event's partner-to-partner teaming share. The organiser is not the rated party: nothing is
withheld here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, Series
from app.services.events.series import company_key, person_key
from app.services.reports.figures import event_report

KINDS = ("vendor", "distributor", "partner")
EVERYONE = "everyone"


@dataclass
class Return:
    """Of ``before`` people (or companies) at the event before, ``again`` came to this one."""

    again: int
    before: int

    @property
    def share(self) -> float | None:
        """again / before, or None when there was nobody before."""
        return self.again / self.before if self.before else None


@dataclass
class SeriesEvent:
    """One event of the series and its figures."""

    event: Event
    attendees: int
    companies: int
    people_back: dict[str, Return] | None  # kind (or EVERYONE) -> people; None: the first
    companies_back: dict[str, Return] | None  # kind (or EVERYONE) -> companies
    teaming_share: float | None
    teaming: int  # attendees behind the share


@dataclass
class SponsorRow:
    """One sponsor company's NPS at each event of the series (None: absent or no answers)."""

    company: str  # as written at its latest event
    nps: list[tuple[float | None, int] | None]  # per event: (NPS, answers), None when absent


@dataclass
class SeriesReport:
    """The series page's figures."""

    series: Series
    events: list[SeriesEvent]
    sponsors: list[SponsorRow]


def _attendance(event: Event) -> tuple[dict[str, str], dict[str, set[str]]]:
    """E-mail -> kind, and company key -> its attendees' kinds, of ``event``."""
    people: dict[str, str] = {}
    companies: dict[str, set[str]] = defaultdict(set)
    rows = db.session.execute(
        select(Attendee.email, Attendee.company, Attendee.kind).where(Attendee.event_id == event.id)
    )
    for email, company, kind in rows:
        people[person_key(email)] = kind
        companies[company_key(company)].add(kind)
    return people, dict(companies)


def _returns(before: dict[str, set[str]], now: set[str]) -> dict[str, Return]:
    """Per kind and for everyone: how many keys of ``before`` (key -> kinds) are in ``now``."""
    out = {
        kind: Return(sum(1 for k, ks in before.items() if kind in ks and k in now),
                     sum(1 for ks in before.values() if kind in ks))
        for kind in KINDS
    }  # fmt: skip
    out[EVERYONE] = Return(sum(1 for k in before if k in now), len(before))
    return out


def series_report(series: Series) -> SeriesReport:
    """The figures of every event of ``series``, oldest first."""
    events = sorted(series.events, key=lambda e: (e.starts_at, e.id))
    rows: list[SeriesEvent] = []
    nps: dict[str, dict[int, tuple[float | None, int]]] = defaultdict(dict)
    names: dict[str, str] = {}
    previous: tuple[dict[str, str], dict[str, set[str]]] | None = None
    for i, event in enumerate(events):
        people, companies = _attendance(event)
        report = event_report(event)
        for company, m in report.by_sponsor.items():
            nps[company_key(company)][i] = (m.nps, m.answered)
            names[company_key(company)] = company
        people_back = companies_back = None
        if previous is not None:
            people_back = _returns({k: {v} for k, v in previous[0].items()}, set(people))
            companies_back = _returns(previous[1], set(companies))
        rows.append(
            SeriesEvent(
                event=event,
                attendees=len(people),
                companies=len(companies),
                people_back=people_back,
                companies_back=companies_back,
                teaming_share=report.teaming_share,
                teaming=len(report.teaming_ids),
            )
        )
        previous = (people, companies)
    sponsors = [
        SponsorRow(names[key], [nps[key].get(i) for i in range(len(events))])
        for key in sorted(nps, key=lambda k: names[k].lower())
    ]
    return SeriesReport(series, rows, sponsors)
