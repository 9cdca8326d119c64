"""Odd numbers and odd text in every form field and URL: a 400 or 404, never a 500.

``"²".isdigit()`` is True and ``int("١٢")`` is 12, so digit checks let superscripts and other
scripts' digits through to ``int()``, and an id of 10^23 overflowed the databases' integers:
each was a 500 (issue 11, item 8). These tests crawl the app as its users see it (an
organiser's pages, an attendee's agenda, a sponsor's report, the door), collect every form and
every link's query, and send each field odd values drawn by hypothesis, while every ``<int:>``
converter of the URL map gets odd ids. Whatever comes back must not be a server error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.models import Meeting, SolveJob
from app.services.followups.answers import record_followup
from app.services.messages.mailing import send_links
from app.services.messages.sponsors import add_sponsor_contact
from tests.attendee_helpers import local_start, make_forum

# Values that broke or could break a parser: digits of other scripts, a number no database
# integer holds, signs, NUL, a huge string, the empty string.
ODD = [
    "²",
    "①",
    "١٢",
    "１２",
    "1" + "0" * 23,
    "2147483648",
    "-1",
    "3.5",
    "1e9",
    "nan",
    "\x00",
    "9" * 300,
    "",
]
ODD_VALUES = (
    st.sampled_from(ODD)
    | st.text(max_size=40)
    | st.integers(min_value=-(2**80), max_value=2**80).map(str)
)
# Forms whose submission ends the crawl's session (logout) or starts a solver thread that would
# outlive this test's database (build); their fields are plain buttons anyway.
NOT_FUZZED = {"organiser.logout", "organiser.event.schedule_build"}
# Forms that are the same form class as another one fuzzed here (new = edit, empty).
SAME_FORM = {"organiser.event_new", "organiser.event.attendee_new"}
MAX_PAGES = 120


@dataclass
class Form:
    """A form as a browser would submit it: method, action and every field's default value."""

    method: str
    action: str
    endpoint: str
    fields: dict[str, str] = field(default_factory=dict)
    has_file: bool = False


class _FormParser(HTMLParser):
    """Collects a page's forms (with their fields' default values) and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str], bool]] = []
        self.links: list[str] = []
        self._form: tuple[str, str, dict[str, str], list[bool]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = (a.get("method", "get").upper(), a.get("action", ""), {}, [False])
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "file":
                self._form[3][0] = True
            elif kind not in ("checkbox", "radio") or "checked" in a:
                self._form[2].setdefault(a["name"], a.get("value", ""))
            else:
                self._form[2].setdefault(a["name"], "")
        elif tag == "button" and a.get("name"):
            self._form[2].setdefault(a["name"], a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form[2].setdefault(a["name"], "")
        elif tag == "option" and self._select:
            if not self._form[2][self._select] or "selected" in a:
                self._form[2][self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form[2].setdefault(a["name"], "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form[2][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            method, action, fields, has_file = self._form
            self.forms.append((method, action, fields, has_file[0]))
            self._form = None


def _endpoint(app: Flask, path: str, method: str) -> str | None:
    """The endpoint that serves ``method path``, or None when none does."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return str(endpoint)


@dataclass
class Site:
    """What the crawl found: pages with their query strings, and one form per endpoint."""

    pages: list[str]
    queries: dict[str, tuple[str, dict[str, str]]]  # endpoint -> (path, query of one link)
    forms: dict[tuple[str, str, tuple[str, ...]], Form]


def crawl(app: Flask, client: FlaskClient, starts: list[str]) -> Site:
    """Follow same-site links from ``starts``; every page must answer without a server error."""
    seen: set[str] = set()
    todo = list(starts)
    site = Site([], {}, {})
    while todo and len(seen) < MAX_PAGES:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        site.pages.append(url)
        path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
        endpoint = _endpoint(app, path, "GET")
        if endpoint and query:
            site.queries.setdefault(endpoint, (path, query))
        if "text/html" not in response.content_type:
            continue
        parser = _FormParser()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target = urljoin(url, href.split("#", 1)[0])
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
                continue
            if parts.path.startswith("/static/") or target in seen:
                continue
            todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        for method, action, fields, has_file in parser.forms:
            target = urlsplit(urljoin(url, action or url))
            endpoint = _endpoint(app, target.path, method)
            if endpoint is None:
                continue
            key = (method, endpoint, tuple(sorted(fields)))
            site.forms.setdefault(key, Form(method, target.path, endpoint, dict(fields), has_file))
    return site


@pytest.fixture
def world(app: Flask, make_organiser, make_event, make_attendee, make_version, login_as):
    """Two published events of one organiser: one whose rounds are over (answers, a sponsor
    contact, a build job, agenda e-mails in the outbox), and one still to come (requests open).
    """
    organiser = make_organiser()

    def forum(**settings):
        return make_forum(
            lambda **kw: make_event(organiser, **kw), make_attendee, make_version, **settings
        )

    past, future = forum(starts_at=local_start(120)), forum()
    # A second meeting in round 1, so the schedule page offers swaps there.
    past.version.meetings.append(
        Meeting(round=1, table=2, attendee_a_id=past.cy.id, attendee_b_id=past.eve.id, score=1.0)
    )
    record_followup(past.ann_bo, past.ann, {"held": "yes", "rating": "4", "recommend": "9"})
    contact = add_sponsor_contact(past.event, "boss@gamma.example", "Gia Gamma", "Gamma Software")
    db.session.add(SolveJob(event_id=past.event.id, status="done", version_id=past.version.id))
    db.session.commit()
    send_links(past.event)  # SMTP is not set: the messages wait in the outbox
    client = login_as(organiser)
    starts = [
        "/organiser/events",
        f"/organiser/events/{past.event.slug}",
        f"/checkin/{past.event.slug}",
        f"/a/{past.ann.token}",
        f"/a/{future.ann.token}",
        f"/s/{contact.token}",
    ]
    return past, client, crawl(app, client, starts)


def _submit(client: FlaskClient, form: Form, values: dict[str, str]) -> str | None:
    """Submit ``form`` with ``values`` as a browser would; what went wrong on the server, if any.

    The test app propagates exceptions (``TESTING``), so a server error arrives here as the
    exception itself rather than as a 500 page.
    """
    try:
        if form.method == "GET":
            status = client.get(form.action, query_string=values).status_code
        else:
            status = client.post(form.action, data=values).status_code
    except Exception as exc:  # noqa: BLE001 (every server error is a finding)
        return f"{type(exc).__name__}: {str(exc)[:80]}"
    return f"status {status}" if status >= 500 else None


def _fuzzable(site: Site) -> Iterator[tuple[Form, str]]:
    """Every (form, field) the crawl found, but the CSRF token and the forms left out above."""
    for form in site.forms.values():
        if form.endpoint in NOT_FUZZED | SAME_FORM or form.has_file:
            continue
        for name in form.fields:
            if name != "csrf_token":
                yield form, name


def test_the_crawl_reaches_every_audience_and_its_forms(world) -> None:
    """The crawl finds the forms of every audience, so the fuzzing below covers them."""
    _, _, site = world
    endpoints = {form.endpoint for form in site.forms.values()}
    for expected in (
        "attendee.followup",
        "attendee.requests",
        "organiser.event.settings",
        "organiser.event.attendee_edit",
        "organiser.event.meeting_pin",
        "organiser.event.schedule_swap",
        "organiser.event.meeting_add",
        "organiser.event.paper",
        "organiser.event.replan",
        "organiser.event.sponsors",
        "organiser.event.attendees",
        "checkin.door",
    ):
        assert expected in endpoints, f"the crawl found no form of {expected}"
    assert len(list(_fuzzable(site))) >= 60


def _odd_submitter(client: FlaskClient, form: Form, name: str, failures: list[str]):
    """A hypothesis test that submits ``form`` with odd values in field ``name``.

    Server errors are collected, not raised, so every field is tried before the test fails
    (and hypothesis does not spend the run shrinking one failure).
    """

    @settings(
        max_examples=len(ODD) + 2,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(value=ODD_VALUES)
    def submit_odd(value: str) -> None:
        error = _submit(client, form, {**form.fields, name: value})
        if error:
            failures.append(f"{form.method} {form.action} {name}={value[:30]!r}: {error}")

    for value in ODD:  # always tried, whatever hypothesis draws
        submit_odd = example(value=value)(submit_odd)
    return submit_odd


def test_odd_values_in_every_form_field_are_never_a_server_error(world) -> None:
    """Each field of each form, in turn, gets odd values; the other fields keep theirs."""
    _, client, site = world
    failures: list[str] = []
    for form, name in _fuzzable(site):
        _odd_submitter(client, form, name, failures)()
    assert not failures, "\n".join(failures[:40])


def test_odd_values_in_every_link_query_are_never_a_server_error(world) -> None:
    """Query parameters seen in links (?version=, ?page=, ?attendee=...) get odd values too."""
    _, client, site = world
    assert site.queries, "the crawl found links with a query"
    failures = []
    for path, query in site.queries.values():
        form = Form("GET", path, "")
        for name in query:
            for value in ODD:
                error = _submit(client, form, {**query, name: value})
                if error:
                    failures.append(f"GET {path} {name}={value[:30]!r}: {error}")
    assert not failures, "\n".join(failures[:40])


ODD_IDS = ["2147483648", "1" + "0" * 23, "%C2%B2", "%D9%A1%D9%A2", "%EF%BC%91", "-1"]


def test_odd_ids_in_every_url_converter_are_404(app: Flask, world) -> None:
    """Every ``<int:...>`` of the URL map refuses ids no database integer holds, and non-ASCII
    digits (superscript two, Arabic-Indic and full-width digits), with 404."""
    forum, client, _ = world
    checked = []
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        for value in ODD_IDS:
            path = rule.rule.replace("<slug>", forum.event.slug).replace("<token>", forum.ann.token)
            for name in rule._converters:
                path = path.replace(f"<int:{name}>", value)
            path = path.replace("<fmt>", "csv")
            response = client.open(path, method=method)
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
        checked.append(rule.endpoint)
    assert len(checked) >= 15, checked
