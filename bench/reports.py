"""Benchmark the reports on a big event: a sponsor's and the organiser's, as pages and downloads.

A global partner conference has thousands of attendees. The bench (``--sizes reports``) builds,
per size, a throwaway app on a temporary SQLite database (the migration chain), imports a
synthetic attendees file through the real import, stores a round-robin schedule of every round
(the reports read meetings; their quality does not matter here, so no solver run), publishes it,
fills in follow-up answers with the demo's ``simulate_followups`` (about 85% of the attendees
answer) and gives every sponsor company a report contact. Then it times whole requests through
the Flask test client, best of ``REPEATS``: the largest sponsor's report page, its CSV and PDF,
and the organiser's event report page, its CSV and PDF. The answers are real rows, so a report
counts every one of them, as it would after the event.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting, ScheduleVersion
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.demo import add_demo_sponsor_contacts, demo_organiser, simulate_followups
from app.services.events.editing import create_event
from app.services.reports.figures import SPONSOR_KINDS
from app.services.scheduling.instance import event_instance
from app.services.scheduling.versions import add_meetings
from bench.appdb import migrate_quietly, sqlite_app
from solver.baselines import round_robin
from solver.synthetic import generate_event, write_attendees_csv

SIZES = (2000, 10_000)
ROUNDS = 8
REPEATS = 3
# Targets: a page answers within 2 s, a download within 10 s, at 10,000 attendees.
PAGE_SECONDS = 2.0
DOWNLOAD_SECONDS = 10.0
HEADER = [
    "attendees",
    "report",
    "answers in it",
    "page s",
    "CSV s",
    "PDF s",
    "target",
    "worst / target",
    "met",
]


@dataclass
class ReportRun:
    """One report's timings at one event size (best of a few whole requests)."""

    attendees: int
    label: str  # "sponsor (Company)" or "event"
    answers: int  # answer rows behind the report (its CSV's data rows)
    page: float = 0.0
    csv: float = 0.0
    pdf: float = 0.0
    error: str = ""
    page_seconds: float = PAGE_SECONDS

    @property
    def ratio(self) -> float:
        """The worst of page / page target and downloads / download target: below 1 meets."""
        return max(
            self.page / self.page_seconds, self.csv / DOWNLOAD_SECONDS, self.pdf / DOWNLOAD_SECONDS
        )

    def misses(self) -> list[str]:
        """Why this report misses its targets (empty when met)."""
        if self.error:
            return [self.error]
        if self.ratio < 1:
            return []
        return [
            f"{self.label} at {self.attendees:,}: page {self.page:.2f} s, CSV {self.csv:.2f} s, "
            f"PDF {self.pdf:.2f} s (targets {self.page_seconds:g} s / {DOWNLOAD_SECONDS:g} s)"
        ]

    def cells(self) -> list[str]:
        """The row's table cells, in HEADER order."""
        done = not self.error
        return [
            f"{self.attendees:,}",
            self.label if done else f"{self.label}: {self.error}",
            f"{self.answers:,}",
            f"{self.page:.2f}" if done else "-",
            f"{self.csv:.2f}" if done else "-",
            f"{self.pdf:.2f}" if done else "-",
            f"page < {self.page_seconds:g} s, downloads < {DOWNLOAD_SECONDS:g} s",
            f"{self.ratio:.2f}" if done else "-",
            "no" if self.misses() else "yes",
        ]


def bench_reports(
    sizes: tuple[int, ...] = SIZES,
    seed: int = 0,
    repeats: int = REPEATS,
    page_seconds: float = PAGE_SECONDS,
) -> list[ReportRun]:
    """Build each size's event with its answers and time both reports; returns the runs."""
    return [run for n in sizes for run in _bench_size(n, seed, repeats, page_seconds)]


def _bench_size(attendees: int, seed: int, repeats: int, page_seconds: float) -> list[ReportRun]:
    with tempfile.TemporaryDirectory(prefix="mingle-bench-reports-") as folder:
        app = sqlite_app(Path(folder))
        with app.app_context():
            migrate_quietly()
            slug, login_id, token, company = _past_event(attendees, seed, Path(folder))
            sponsor_answers, event_answers = _answer_counts(slug, company)
            db.session.remove()

        sponsor = app.test_client()
        organiser = app.test_client()
        with organiser.session_transaction() as session:
            session["_user_id"] = login_id  # Organiser.get_id(): id and session version
            session["_fresh"] = True
        runs = [
            _time_report(
                ReportRun(
                    attendees, f"sponsor ({company})", sponsor_answers, page_seconds=page_seconds
                ),
                sponsor,
                f"/s/{token}",
                (f"/s/{token}/report.csv", f"/s/{token}/report.pdf"),
                repeats,
            ),
            _time_report(
                ReportRun(
                    attendees,
                    "event (all sponsors, P2P, overall)",
                    event_answers,
                    page_seconds=page_seconds,
                ),
                organiser,
                f"/organiser/events/{slug}/report",
                (f"/organiser/events/{slug}/report.csv", f"/organiser/events/{slug}/report.pdf"),
                repeats,
            ),
        ]
        with app.app_context():
            db.engine.dispose()
        return runs


def _past_event(attendees: int, seed: int, folder: Path) -> tuple[str, str, str, str]:
    """An event that took place: imported, scheduled, answered, with sponsor contacts.

    Returns the event's slug, its organiser's login id (``get_id()``), and the report token
    and company of the sponsor with the most people.
    """
    organiser, _ = demo_organiser()
    event = create_event(
        organiser,
        {"name": f"Report benchmark {attendees}", "rounds": ROUNDS, "tables": attendees // 2},
    )
    path = folder / "attendees.csv"
    write_attendees_csv(generate_event(attendees, ROUNDS, seed=seed), path)
    apply_import(event, preview_import(event, path.read_bytes(), path.name))

    built = event_instance(event)
    version = ScheduleVersion(event_id=event.id, number=1, source="solver", status="ready")
    add_meetings(version, built, round_robin(built.instance, seed=seed), set())
    db.session.add(version)
    db.session.flush()
    # Published directly: a round robin may miss a tier minimum, which the reports do not read.
    event.published_version_id = version.id
    db.session.commit()
    simulate_followups(event, seed)
    contacts = {c.company: c for c in add_demo_sponsor_contacts(event)}
    db.session.commit()
    people = Counter(
        a.company for a in event.attendees if a.kind in SPONSOR_KINDS and a.company in contacts
    )
    company = max(sorted(people), key=lambda c: people[c])
    return event.slug, organiser.get_id(), contacts[company].token, company


def _answer_counts(slug: str, company: str) -> tuple[int, int]:
    """Answers about meetings with ``company``'s people, and all of the event's answers."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    ours = select(Attendee.id).where(Attendee.event_id == event.id, Attendee.company == company)
    mine = db.session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .where(
            FollowUp.event_id == event.id,
            FollowUp.attendee_id.in_(ours) | FollowUp.other_id.in_(ours),
        )
    )
    everything = db.session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.event_id == event.id)
    )
    meetings = db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.version_id == event.published_version_id)
    )
    if not meetings:
        raise RuntimeError("the benchmark event has no published meetings")
    return mine or 0, everything or 0


def _time_report(
    run: ReportRun, client: FlaskClient, page: str, downloads: tuple[str, str], repeats: int
) -> ReportRun:
    """Time the page and its two downloads, best of ``repeats`` each; errors end the run."""
    try:
        run.page = _best(client, page, repeats)
        run.csv = _best(client, downloads[0], repeats)
        run.pdf = _best(client, downloads[1], repeats)
    except RuntimeError as exc:
        run.error = str(exc)
    return run


def _best(client: FlaskClient, url: str, repeats: int) -> float:
    """The fastest of ``repeats`` whole requests for ``url``, in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        response.close()
    return min(times)
