"""Security as a person meets it (issue 11): the attendee journey over TLS, a page that tries
to frame the schedule, the door scanner's messages after an hour, the 429 page and the
change-password page. Every page here also fails on any CSP refusal (conftest's ``_page``)."""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, MeetingRequest, Organiser
from app.services.events.editing import create_event
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    TIMEOUT_MS,
    LiveServer,
    _page,
    log_in,
    record_problems,
    screenshot,
    serve,
)
from tests.browser.test_attendee_journey import seed
from tests.conftest import add_version

pytestmark = pytest.mark.browser

# A live server over TLS, with a certificate the test makes


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 valid for a day, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app as production runs it: HTTPS only (PUBLIC_URL https, secure cookies)."""
    folder = tmp_path_factory.mktemp("tls-server")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed_certificate(folder))
    yield from serve(
        folder,
        scheme="https",
        ssl_context=context,
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
    )


@pytest.fixture(scope="module")
def tls_browser(browser: Browser) -> Iterator[Browser]:
    """Chromium that accepts the test's self-signed certificate."""
    browser_type = browser.browser_type
    tolerant = browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"],
    )
    yield tolerant
    tolerant.close()


@pytest.fixture
def tls_phone(tls_browser: Browser, tls_server: LiveServer) -> Iterator[Page]:
    yield from _page(tls_browser, tls_server, viewport=PHONE, is_mobile=True, has_touch=True)


def test_attendee_journey_over_https(tls_phone: Page, tls_server: LiveServer) -> None:
    """Over HTTPS an attendee sends a follow-up and a must-meet request (both were 400)."""
    page = tls_phone
    after = seed(tls_server, minutes_ago=22)
    response = page.goto(f"/a/{after.token}")
    assert response is not None and response.url.startswith("https://")
    page.locator("#round-1").get_by_role("link", name="Answer the follow-up").click()
    page.get_by_text("Yes, we met").click()
    page.locator("fieldset", has_text="How was it?").get_by_text("5", exact=True).click()
    recommend = page.locator("fieldset", has_text="How likely are you to recommend")
    recommend.get_by_text("8", exact=True).click()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("your follow-up on Bo Beta is saved")).to_be_visible()

    before = seed(tls_server, minutes_ago=-24 * 60, published=False)
    page.goto(f"/a/{before.token}/requests")
    page.locator(".match").first.get_by_role("button", name="Must meet").click()
    expect(page.get_by_text("Noted: you must meet Bo Beta.")).to_be_visible()

    with tls_server.app.app_context():
        answer = db.session.scalar(select(FollowUp).where(FollowUp.attendee_id == after.ann_id))
        assert answer is not None and (answer.rating, answer.recommend) == (5, 8)
        asked = db.session.scalars(
            select(MeetingRequest.kind).where(MeetingRequest.attendee_id == before.ann_id)
        ).all()
        assert asked == ["must"]


# Framing


class FramingPage(BaseHTTPRequestHandler):
    """Another site's page that puts a Mingle page in an iframe."""

    target = ""

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        body = f'<!doctype html><iframe id="victim" src="{self.target}" width="900" height="600">'
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_args: object) -> None:
        pass


def schedule_event(live_server: LiveServer, organiser_id: int) -> Event:
    """An event of two attendees with a first schedule version, owned by ``organiser_id``."""
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, organiser_id)
        event = create_event(organiser, {"name": "Framed Forum", "rounds": 2, "tables": 2})
        a, b = (
            Attendee(
                event_id=event.id,
                email=f"{n.lower()}@frame.example",
                name=n,
                company=f"{n} Co",
                kind="partner",
                region="EMEA",
            )
            for n in ("Fay", "Gus")
        )
        db.session.add_all([a, b])
        db.session.commit()
        add_version(event, [(1, 1, a, b)])
        db.session.expunge(event)
        return event


def test_another_site_cannot_frame_the_schedule(browser: Browser, live_server: LiveServer) -> None:
    """A page on another origin frames the logged-in schedule page: Chromium refuses."""
    account = live_server.organiser()
    event = schedule_event(live_server, account.id)
    FramingPage.target = f"{live_server.url}/organiser/events/{event.slug}/schedule"
    other = ThreadingHTTPServer(("127.0.0.1", 0), FramingPage)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, account)
        page.goto(FramingPage.target)
        expect(page.get_by_text("Framed Forum").first).to_be_visible()  # it works unframed
        refusals = record_problems(page)
        page.goto(f"http://127.0.0.1:{other.server_port}/")
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        frame = page.main_frame.child_frames[0]
        shown = frame.evaluate("document.body ? document.body.innerText : ''")
        assert "Framed Forum" not in shown, "the schedule page was shown inside another site"
        assert any("frame-ancestors" in r for r in refusals), refusals
    finally:
        context.close()
        other.shutdown()


# The door scanner


SCANNER = """
window.__scans = [];
window.BarcodeDetector = class {
  constructor() {}
  detect() {
    return Promise.resolve(window.__scans.length ? [{ rawValue: window.__scans.shift() }] : []);
  }
};
if (navigator.mediaDevices) {
  navigator.mediaDevices.getUserMedia = function () {
    var canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 48;
    canvas.getContext("2d").fillRect(0, 0, 64, 48);
    return Promise.resolve(canvas.captureStream(5));
  };
}
"""  # a camera and a QR decoder that "see" the codes the test queues


class SignedAnHourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3660


def age_door_token(page: Page, live_server: LiveServer) -> None:
    """Make the open door page's CSRF token what it would be after an hour: this session's
    secret, signed 61 minutes ago (Flask-WTF's tokens last an hour)."""
    app = live_server.app
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    session = app.session_interface.get_signing_serializer(app).loads(cookie["value"])
    signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=SignedAnHourAgo)
    stale = signer.dumps(session["csrf_token"])
    page.evaluate("t => document.getElementById('door').setAttribute('data-csrf', t)", stale)


def scan(page: Page, code: str) -> None:
    page.evaluate("code => window.__scans.push(code)", code)


def test_door_scanner_after_an_hour_and_its_messages(phone: Page, live_server: LiveServer) -> None:
    """An hour-old token: the scan still checks the attendee in. The server's own words are
    shown (an unknown badge, a session that ended); "could not reach" only with no network."""
    page = phone
    account = live_server.organiser()
    event = schedule_event(live_server, account.id)
    with live_server.app.app_context():
        fay, gus = db.session.scalars(
            select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.name)
        ).all()
        fay_token, gus_token = fay.token, gus.token
    page.add_init_script(SCANNER)
    log_in(page, account)
    page.goto(f"/checkin/{event.slug}")
    page.get_by_role("button", name="Start the camera").click()
    result = page.locator("#scan-result")

    age_door_token(page, live_server)
    scan(page, fay_token)
    expect(result).to_have_text("Fay is checked in.")
    expect(page.locator("#count-present")).to_have_text("1")

    scan(page, "not-a-badge-of-this-event")
    expect(result).to_have_text("Not a badge of this event.")

    page.route("**/scan", lambda route: route.abort())
    scan(page, "the-network-is-down")
    expect(result).to_have_text("Could not reach the server: check the network and try again.")
    page.unroute("**/scan")

    from app.services.accounts import end_sessions

    with live_server.app.app_context():
        end_sessions(db.session.get(Organiser, account.id))  # logged out on another device
    scan(page, gus_token)
    expect(result).to_have_text("Your session ended: reload the page and log in.")
    expect(result).to_have_class("door-result door-bad")
    screenshot(page, "door-scanner-session-ended")


# The 429 page and the change-password page


def test_too_many_log_ins_page(desktop: Page, live_server: LiveServer) -> None:
    """Wrong passwords, then the 429 page says when to try again; the right one waits too."""
    page = desktop
    account = live_server.organiser()
    try:
        page.goto("/organiser/login")
        for guess in range(5):
            page.get_by_label("E-mail").fill(account.email)
            page.get_by_label("Password").fill(f"wrong guess {guess}")
            page.get_by_role("button", name="Log in").click()
            if guess < 4:
                expect(page.get_by_text("Wrong e-mail or password.")).to_be_visible()
        expect(page.get_by_role("heading", name="Too many log-in attempts")).to_be_visible()
        expect(page.get_by_text("Try again in")).to_contain_text("UTC")
        screenshot(page, "login-too-many")
        page.get_by_role("link", name="Back to the log-in page").click()
        page.get_by_label("E-mail").fill(account.email)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Too many log-in attempts")).to_be_visible()
    finally:
        from app.extensions import limiter

        limiter.reset()  # the other tests log in from this address too


def test_change_password_page(browser: Browser, desktop: Page, live_server: LiveServer) -> None:
    """The policy's message, then a change that logs the other browser out."""
    page = desktop
    account = live_server.organiser()
    other = browser.new_context(base_url=live_server.url)
    try:
        elsewhere = other.new_page()
        log_in(elsewhere, account)
        log_in(page, account)
        page.get_by_role("link", name="Password").click()
        expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
        page.get_by_label("Current password").fill(account.password)
        page.get_by_label("New password", exact=True).fill("aaaaaaaa")
        page.get_by_label("New password again").fill("aaaaaaaa")
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_text("The password must have at least 12 characters.")).to_be_visible()
        screenshot(page, "change-password-refused")
        page.get_by_label("Current password").fill(account.password)
        page.get_by_label("New password", exact=True).fill("tulip rose daisy 2030")
        page.get_by_label("New password again").fill("tulip rose daisy 2030")
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_text("Your password is changed")).to_be_visible()
        elsewhere.goto("/organiser/events")
        expect(elsewhere).to_have_url(
            f"{live_server.url}/organiser/login?next=%2Forganiser%2Fevents"
        )
    finally:
        other.close()
