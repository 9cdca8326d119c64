"""Real parallel requests against gunicorn on PostgreSQL: Build clicks, pins and swaps at once.

gunicorn serves the app (several workers, several threads each) on this test's PostgreSQL
schema; clients log in over HTTP with the CSRF token read from the form, then fire their
requests together from threads released by a barrier. No mocks: whatever the database and the
workers do under the race is what is checked.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, ScheduleVersion, SolveJob
from app.services.scheduling import jobs, versions
from tests.conftest import DEFAULT_PASSWORD
from tests.scheduling.test_concurrency import build_now, swap_triple

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WORKERS, THREADS = 3, 4
READY_SECONDS = 30
CONFLICT = (  # what the second editor reads (app/services/scheduling/edits.py)
    "Someone else changed this schedule a moment ago; here is the current version, "
    "please try again."
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[str]:
    """gunicorn serving the app on this test's (migrated) database; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "parallel-requests-test",
        "MINGLE_ENV": "production",
        "PUBLIC_URL": base,
        "REDIS_URL": "",  # builds run in threads of the gunicorn workers
        "SMTP_HOST": "",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
        "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "--log-level", "warning",
        "wsgi:app",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            assert process.poll() is None, f"gunicorn exited: {log.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
            time.sleep(0.2)
        yield base
        assert "Traceback" not in log.read_text(), log.read_text()[-4000:]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand 3xx answers back as they are: the test reads where they point."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    location: str
    body: str


class Browser:
    """One organiser's browser: a cookie jar, GET and POST, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, data: dict[str, Any] | None = None) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as answer:
                return Answer(answer.status, "", answer.read().decode())
        except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx and 5xx
            location = answer.headers.get("Location", "")
            return Answer(answer.code, location, answer.read().decode(errors="replace"))

    def get(self, path: str) -> str:
        answer = self.request(path)
        assert answer.status == 200, (path, answer.status, answer.body[:500])
        return answer.body

    def follow(self, answer: Answer) -> str:
        """The page a redirect leads to (where the flashed message is shown)."""
        assert answer.status in (302, 303), (answer.status, answer.body[:1000])
        return self.get(
            urllib.parse.urlsplit(answer.location)._replace(scheme="", netloc="").geturl()
        )

    def login(self, email: str, password: str) -> None:
        form = forms(self.get("/organiser/login"))[0]
        answer = self.request(
            "/organiser/login", {**form.fields, "email": email, "password": password}
        )
        assert answer.status == 302 and "/login" not in answer.location, answer.body[:1000]


@dataclass
class Form:
    action: str
    fields: dict[str, str]


class FormParser(HTMLParser):
    """Every POST form of a page, with its hidden (and pre-selected) fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.current = Form(unescape(a.get("action", "")), {})
        elif tag == "input" and self.current is not None and a.get("type") == "hidden":
            self.current.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None


def forms(page: str) -> list[Form]:
    parser = FormParser()
    parser.feed(page)
    return parser.forms


def all_at_once(calls: list[Callable[[], Answer]]) -> list[Answer]:
    """Run the calls in threads released together; their answers in order."""
    barrier = threading.Barrier(len(calls), timeout=30)
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(a is not None for a in answers), answers
    return answers


def flashes(page: str) -> list[str]:
    """The flashed messages of a page, as text."""
    found = re.findall(r'class="flash flash-[a-z]+"[^>]*>(.*?)</', page, re.S)
    return [unescape(re.sub(r"\s+", " ", f)).strip() for f in found]


def wait_done(browser: Browser, slug: str, job_id: int) -> dict[str, Any]:
    import json

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = json.loads(browser.get(f"/organiser/events/{slug}/jobs/{job_id}.json"))
        if status["status"] not in jobs.ACTIVE:
            return status
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish")


def schedule_versions(event: Event) -> list[int]:
    db.session.expire_all()
    query = select(ScheduleVersion.number).where(ScheduleVersion.event_id == event.id)
    return sorted(db.session.scalars(query))


@pytest.fixture
def organisers(server: str, event: Event) -> tuple[Browser, Browser]:
    """Two browsers logged in over HTTP as the event's organiser (two people, one account)."""
    event.solve_time_limit = 2
    db.session.commit()
    browsers = Browser(server), Browser(server)
    for browser in browsers:
        browser.login(event.organiser.email, DEFAULT_PASSWORD)
    return browsers


def test_eight_parallel_build_clicks_start_one_build(organisers, event: Event) -> None:
    """One build, seven clicks told where it is; no 500, no SQL; one version, numbered 1."""
    slug = event.slug

    def build_form(b: Browser) -> Form:
        page = b.get(f"/organiser/events/{slug}")
        return next(f for f in forms(page) if f.action.endswith("/schedule/build"))

    clickers = [(b, build_form(b)) for b in organisers] * 4
    clicks = all_at_once(
        [
            lambda b=b, f=f: b.request(f.action, {**f.fields, "keep_pinned": "0"})
            for b, f in clickers
        ]
    )
    assert all(a.status == 302 for a in clicks), [(a.status, a.body[:300]) for a in clicks]
    jobs = {int(re.search(r"/jobs/(\d+)$", a.location).group(1)) for a in clicks}
    assert len(jobs) == 1, jobs
    db.session.expire_all()
    count = select(func.count()).select_from(SolveJob).where(SolveJob.event_id == event.id)
    assert db.session.scalar(count) == 1
    (job_id,) = jobs
    browser = organisers[0]
    job_page = browser.follow(clicks[2])
    assert "A build for this event is already running." in flashes(job_page)
    status = wait_done(browser, slug, job_id)
    assert status["status"] == "done" and status["error"] is None, status
    assert schedule_versions(event) == [1]


def test_two_parallel_pins_on_the_published_version(organisers, event: Event) -> None:
    """Both pins applied to one draft, or the second refused plainly: no 500, no lost edit."""
    slug = event.slug
    build_now(event, publish=True)
    browser, second = organisers
    mine = forms(browser.get(f"/organiser/events/{slug}/schedule?version=1"))
    theirs = forms(second.get(f"/organiser/events/{slug}/schedule?version=1"))
    pins = [
        next(f for f in mine if f.action.endswith("/pin")),
        [f for f in theirs if f.action.endswith("/pin")][1],
    ]
    answers = all_at_once(
        [lambda: browser.request(pins[0].action, pins[0].fields),
         lambda: second.request(pins[1].action, pins[1].fields)]
    )  # fmt: skip
    said = [flashes(b.follow(a)) for b, a in zip(organisers, answers, strict=True)]
    pinned = sum(any(m.endswith(" pinned.") for m in s) for s in said)
    refused = sum(CONFLICT in s for s in said)
    assert pinned >= 1 and pinned + refused == 2, said
    assert schedule_versions(event) == [1, 2]  # one draft, whoever came second
    db.session.expire_all()
    draft = event.latest_version()
    assert sum(m.pinned for m in draft.meetings) == pinned


def test_two_parallel_swaps_sharing_a_person(organisers, event: Event) -> None:
    """x<->y and y<->z in one round at once: one applied, the other refused; never double-booked."""
    slug = event.slug
    draft = build_now(event)
    round_, x, y, z = swap_triple(draft)
    browser, second = organisers

    def swap_form(b: Browser, who: int) -> Form:
        page = b.get(f"/organiser/events/{slug}/schedule?version={draft.number}&attendee={who}")
        return next(f for f in forms(page) if f.action.endswith("/schedule/swap"))

    swap, swap2 = swap_form(browser, x), swap_form(second, y)
    answers = all_at_once(
        [lambda: browser.request(swap.action, {**swap.fields, "round": round_, "x": x, "y": y}),
         lambda: second.request(swap.action, {**swap2.fields, "round": round_, "x": y, "y": z})]
    )  # fmt: skip
    said = [flashes(b.follow(a)) for b, a in zip(organisers, answers, strict=True)]
    db.session.expire_all()
    report = versions.check_version(event.latest_version())
    assert report.ok, report.violations
    swapped = sum(any("swapped places" in m for m in s) for s in said)
    assert swapped == 1 and sum(CONFLICT in s for s in said) == 1, said

    # The same race from forms that carry no revision (an old page, a script): never
    # double-booked either; the second swap works on what the first left.
    draft = event.latest_version()
    round_, x, y, z = swap_triple(draft)
    bare = [
        {k: v for k, v in f.fields.items() if k not in ("base", "revision")} for f in (swap, swap2)
    ]
    answers = all_at_once(
        [lambda: browser.request(swap.action, {**bare[0], "round": round_, "x": x, "y": y}),
         lambda: second.request(swap.action, {**bare[1], "round": round_, "x": y, "y": z})]
    )  # fmt: skip
    assert all(a.status == 302 for a in answers), [(a.status, a.body[:300]) for a in answers]
    db.session.expire_all()
    report = versions.check_version(event.latest_version())
    assert report.ok, report.violations
