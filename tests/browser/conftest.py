"""Browser tests: the real app on a live server, driven by Debian's Chromium through Playwright.

One server and one browser serve the whole session; every test gets fresh browser contexts
(cookies and storage of their own), so tests do not see each other's logins. Chromium comes
from Debian (`make browser`), never from Playwright's downloads. Without /usr/bin/chromium the
tests are skipped with the reason, except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.services.accounts import create_organiser

CHROMIUM = Path("/usr/bin/chromium")
# Headless, no sandbox (CI runs as root), and nothing that phones home or slows the start.
# Playwright gives each launched browser a fresh profile (--user-data-dir) in the temp folder
# and removes it on close; it refuses a --user-data-dir of ours with launch().
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
TIMEOUT_MS = 10_000  # a page or element that takes longer than this is a failure
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "browser test password"


# Sample attendees for the journeys: realistic names (not all ASCII), and companies that send
# two people, who must never be seated together.
HEADER = "email,name,company,kind,region,offers,seeks,target_regions,tier"
# (company, kind, region, tier, offers, seeks, people)
COMPANIES = [
    ("Northwind Cloud", "vendor", "NA", "gold", "cloud;backup", "resellers;msp", [
        ("Maya Thompson", "maya.thompson@northwind.example"),
        ("Daniel Okafor", "daniel.okafor@northwind.example"),
    ]),
    ("Fabrikam Security", "vendor", "EMEA", "silver", "security;siem", "msp;integrators", [
        ("Sofia Lindqvist", "sofia.lindqvist@fabrikam.example"),
        ("Marco Bianchi", "marco.bianchi@fabrikam.example"),
    ]),
    ("Contoso Distribution", "distributor", "EMEA", "", "logistics;financing", "cloud;security", [
        ("Hannah Weber", "hannah.weber@contoso.example"),
        ("Luca Rossi", "luca.rossi@contoso.example"),
    ]),
    ("Tailspin Networks", "partner", "APAC", "", "networking", "cloud;financing", [
        ("Aiko Tanaka", "aiko.tanaka@tailspin.example"),
        ("Raj Patel", "raj.patel@tailspin.example"),
    ]),
    ("Bluefin IT Services", "partner", "EMEA", "", "msp", "security;backup", [
        ("Chloé Martin", "chloe.martin@bluefin.example"),
    ]),
    ("Alpine Data", "partner", "EMEA", "", "analytics;erp", "cloud", [
        ("Jonas Müller", "jonas.mueller@alpinedata.example"),
        ("Elena García", "elena.garcia@alpinedata.example"),
    ]),
    ("Pacific Managed Services", "partner", "APAC", "", "msp;backup", "security;siem", [
        ("Wei Chen", "wei.chen@pacificms.example"),
    ]),
    ("Harbor Integrations", "partner", "NA", "", "integrators;erp", "cloud;logistics", [
        ("Olivia Brown", "olivia.brown@harbor.example"),
        ("James Wilson", "james.wilson@harbor.example"),
    ]),
    ("Andes Tech", "partner", "LATAM", "", "networking;security", "financing;cloud", [
        ("Mateo Fernández", "mateo.fernandez@andestech.example"),
        ("Camila Souza", "camila.souza@andestech.example"),
    ]),
    ("Maple Solutions", "partner", "NA", "", "analytics", "erp;backup", [
        ("Emily Tremblay", "emily.tremblay@maple.example"),
        ("Noah Gagnon", "noah.gagnon@maple.example"),
    ]),
    ("Sahara Systems", "distributor", "EMEA", "", "logistics", "networking;msp", [
        ("Youssef El Amrani", "youssef.elamrani@sahara.example"),
    ]),
    ("Baltic Bytes", "partner", "EMEA", "", "security", "cloud;analytics", [
        ("Ieva Kalniņa", "ieva.kalnina@balticbytes.example"),
    ]),
]  # fmt: skip
PEOPLE = sum(len(people) for *_, people in COMPANIES)
TARGETS = {"NA": "EMEA;APAC", "EMEA": "NA;LATAM", "APAC": "NA;EMEA", "LATAM": "NA"}


def attendees_csv(bad_row: tuple[int, str, str] | None = None) -> bytes:
    """The sample attendees file (PEOPLE rows), as a spreadsheet exports it.

    ``bad_row=(row, column, value)`` puts ``value`` in ``column`` of spreadsheet row ``row``
    (the header is row 1).
    """
    columns = HEADER.split(",")
    lines = [columns]
    for company, kind, region, tier, offers, seeks, people in COMPANIES:
        for name, email in people:
            lines.append([email, name, company, kind, region, offers, seeks, TARGETS[region], tier])
    if bad_row:
        row, column, value = bad_row
        lines[row - 1][columns.index(column)] = value
    return "".join(",".join(line) + "\r\n" for line in lines).encode("utf-8")


@dataclass(frozen=True)
class Account:
    """An organiser's login, as the person who logs in knows it."""

    id: int
    email: str
    password: str


@dataclass
class LiveServer:
    """The app served over HTTP on 127.0.0.1; ``url`` has no trailing slash."""

    app: Flask
    url: str

    def organiser(self, password: str = PASSWORD) -> Account:
        """A new organiser account, made with the accounts service as `create-organiser` does."""
        with self.app.app_context():
            organiser = create_organiser(f"organiser-{uuid.uuid4().hex[:8]}@example.org", password)
            return Account(organiser.id, organiser.email, password)


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def serve(
    folder: Path, scheme: str = "http", ssl_context: ssl.SSLContext | None = None, **config: Any
) -> Iterator[LiveServer]:
    """The real app on a migrated SQLite file in ``folder``, served by werkzeug in a thread.

    ``config`` adds to the test settings; with ``ssl_context`` the server speaks HTTPS.
    """
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": f"{folder.name}-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'mingle.sqlite3'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "REDIS_URL": None,  # schedule builds run in a thread of this server
            **config,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    # Port 0: the OS picks a free port, and the socket is bound before the thread starts.
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
    url = f"{scheme}://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name=folder.name, daemon=True)
    thread.start()
    yield LiveServer(app, url)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on a migrated SQLite file, served over HTTP in a background thread."""
    yield from serve(tmp_path_factory.mktemp("live-server"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once per session."""
    if not CHROMIUM.exists():
        reason = (
            f"browser tests need Debian's chromium at {CHROMIUM}: "
            "`make browser` as root (or `apt-get install chromium`) installs it"
        )
        if _on_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def record_problems(page: Page) -> list[str]:
    """Collect the page's JavaScript errors and Content-Security-Policy refusals.

    Chromium reports what the CSP blocked (an inline script or style, a frame, a load from
    elsewhere) on the console as "Refused to ...".
    """
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    def console(message: ConsoleMessage) -> None:
        if "Refused to" in message.text or "Content Security Policy" in message.text:
            problems.append(f"{page.url}: CSP: {message.text}")

    page.on("console", console)
    return problems


def _page(browser: Browser, live_server: LiveServer, **options: object) -> Iterator[Page]:
    """A page in a fresh context; JavaScript errors or CSP refusals on any page fail the test."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = record_problems(page)
    yield page
    context.close()
    assert not problems, f"JavaScript errors or CSP refusals: {problems}"


@pytest.fixture
def desktop(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A 1280x800 desktop page; ``page.goto("/organiser/login")`` opens the live server."""
    yield from _page(browser, live_server, viewport=DESKTOP)


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A 375x740 touch phone page (mobile viewport meta tag honoured)."""
    yield from _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)


# Set MINGLE_README_SHOTS=docs/screenshots to also keep first-screen shots for the README.
README_SHOTS = os.environ.get("MINGLE_README_SHOTS", "")


def screenshot(page: Page, name: str) -> list[Path]:
    """Save the whole page as it looks now, at desktop and at phone width.

    Writes ``test-artifacts/screenshots/NAME-1280.png`` and ``NAME-375.png`` (the page is
    resized, not reloaded, so a page that answered a POST can be kept too), then restores the
    page's size.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    paths = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{size['width']}.png"
        page.screenshot(path=path, full_page=True, animations="disabled")
        paths.append(path)
        if README_SHOTS:  # the first screen only, small enough for the README
            Path(README_SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=Path(README_SHOTS) / path.name, animations="disabled")
    if original:
        page.set_viewport_size(original)
    return paths


def log_in(page: Page, account: Account) -> None:
    """Log in through the login page, as a person would."""
    page.goto("/organiser/login")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/organiser/events")
