"""Site-wide HTTP protections (issue 11, items 1 and 13): headers on every blueprint, attendee
forms over HTTPS and behind a TLS proxy, and templates that a strict CSP does not break."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from tests.attendee_helpers import Forum, local_start, make_forum
from tests.conftest import CSRF_INPUT
from tests.report_helpers import add_bosses, build

HTTPS = "https://mingle.example"
# The directives that make the policy strict: nothing inline, nothing from elsewhere, no framing.
STRICT_CSP = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
META_REFERRER = re.compile(r'<meta name="referrer" content="([^"]*)"')
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def live(make_event, make_attendee, make_version) -> Forum:
    """The forum started 2 hours ago: follow-ups are open (requests too, until publication)."""
    return make_forum(make_event, make_attendee, make_version, starts_at=local_start(120))


@pytest.fixture
def planning(make_event, make_attendee, make_version) -> Forum:
    """The forum before publication, in 2030: must-meet requests are open."""
    return make_forum(make_event, make_attendee, make_version, published=False)


# What a browser sends


def browser_referer(policy: str, page: str, target: str) -> str | None:
    """The Referer Chromium sends from ``page`` to ``target`` under ``policy`` (W3C Referrer
    Policy), for the policies Mingle could send; None when it sends no Referer at all."""
    page_parts, target_parts = urlsplit(page), urlsplit(target)
    same_origin = (page_parts.scheme, page_parts.netloc) == (
        target_parts.scheme,
        target_parts.netloc,
    )
    origin = f"{page_parts.scheme}://{page_parts.netloc}/"
    downgrade = page_parts.scheme == "https" and target_parts.scheme != "https"
    if policy == "no-referrer":
        return None
    if policy == "same-origin":
        return page if same_origin else None
    if policy == "strict-origin":
        return None if downgrade else origin
    if policy in ("", "strict-origin-when-cross-origin"):  # the browsers' default
        return page if same_origin else (None if downgrade else origin)
    raise AssertionError(f"unexpected Referrer-Policy {policy!r}")


def submit_like_a_browser(
    client: FlaskClient,
    page: str,
    data: dict[str, object],
    base: str = HTTPS,
    seen: str = HTTPS,
    **headers: str,
):
    """GET ``page`` from ``base`` and POST its form back as Chromium would: its CSRF token, and
    the Referer that the page's own Referrer-Policy allows for ``seen`` (the browser's URL)."""
    response = client.get(page, base_url=base, headers=headers)
    assert response.status_code == 200, response.status_code
    token = CSRF_INPUT.search(response.get_data(as_text=True)).group(1)
    # A <meta name="referrer"> in the page overrides the header, as in the browser.
    meta = META_REFERRER.search(response.get_data(as_text=True))
    policy = meta.group(1) if meta else response.headers.get("Referrer-Policy", "")
    referer = browser_referer(policy, seen + page, seen + page)
    sent = {**headers, **({"Referer": referer} if referer else {})}
    return client.post(page, base_url=base, data={**data, "csrf_token": token}, headers=sent)


# Item 1: attendee forms over HTTPS


def test_followup_form_works_over_https(app: Flask, live: Forum) -> None:
    """An attendee's follow-up is saved over HTTPS (it was 400 "The referrer header is missing")."""
    app.config["PUBLIC_URL"] = HTTPS
    page = f"/a/{live.ann.token}/followup/{live.ann_bo.id}"
    answers = {"held": "yes", "rating": "4", "recommend": "9", "next_step": "none"}
    response = submit_like_a_browser(app.test_client(), page, answers)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].endswith(f"/a/{live.ann.token}#round-1")


def test_must_meet_request_works_over_https(app: Flask, planning: Forum) -> None:
    """A must-meet request is saved over HTTPS."""
    app.config["PUBLIC_URL"] = HTTPS
    page = f"/a/{planning.ann.token}/requests"
    response = submit_like_a_browser(
        app.test_client(), page, {"other": planning.bo.id, "kind": "must"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_token_urls_never_reach_another_site(client: FlaskClient, live: Forum) -> None:
    """A link out of an agenda sends no Referer to another site, so the token stays here."""
    page = f"{HTTPS}/a/{live.ann.token}"
    policy = client.get(page).headers["Referrer-Policy"]
    assert browser_referer(policy, page, "https://other.example/") is None
    assert browser_referer(policy, page, "http://other.example/") is None


BEHIND = "http://10.0.0.2:8000"  # the app's own address, where the proxy sends requests
PROXY_HEADERS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "mingle.example",
    "X-Forwarded-For": "198.51.100.7",
}


def test_behind_a_tls_proxy_forms_work_and_the_https_checks_apply(
    app: Flask, database_url: str, planning: Forum
) -> None:
    """With TRUSTED_PROXIES=1 the app sees what the proxy saw: HTTPS and the public host. Forms
    work, and a POST from another site is refused by its Referer as on direct HTTPS."""
    proxied = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "proxy-test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,  # the database ``app`` migrated and filled
            "PUBLIC_URL": HTTPS,
            "TRUSTED_PROXIES": 1,
        }
    )
    client = proxied.test_client()
    page = f"/a/{planning.ann.token}/requests"
    behind = {"base": BEHIND, **PROXY_HEADERS}
    response = submit_like_a_browser(
        client, page, {"other": planning.bo.id, "kind": "must"}, **behind
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].startswith(HTTPS + "/") or response.headers[
        "Location"
    ].startswith("/")
    # A forged POST from another site, with a valid token: the HTTPS referrer check applies.
    html = client.get(page, base_url=BEHIND, headers=PROXY_HEADERS).get_data(as_text=True)
    token = CSRF_INPUT.search(html).group(1)
    forged = client.post(
        page,
        base_url=BEHIND,
        data={"other": planning.bo.id, "kind": "none", "csrf_token": token},
        headers={**PROXY_HEADERS, "Referer": "https://evil.example/"},
    )
    assert forged.status_code == 400
    assert "does not match" in forged.get_data(as_text=True)
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


# Item 13: headers on every blueprint


def assert_site_headers(response, private: bool, revalidated: bool = False) -> None:
    """The headers every page carries, and those only private pages carry.

    ``revalidated``: the agenda, which the phone may keep but must check every time (ETag).
    """
    headers = response.headers
    csp = [d.strip() for d in headers["Content-Security-Policy"].split(";")]
    for directive in STRICT_CSP:
        assert directive in csp, directive
    assert not any("unsafe" in d for d in csp)
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    permissions = {p.strip() for p in headers["Permissions-Policy"].split(",")}
    assert "camera=(self)" in permissions  # the door scanner
    assert {"microphone=()", "geolocation=()", "payment=()", "usb=()"} <= permissions
    if private:
        assert headers["Cache-Control"] == (
            "private, no-cache" if revalidated else "private, no-store"
        )
        assert headers["X-Robots-Tag"] == "noindex, nofollow"
    else:
        assert "X-Robots-Tag" not in headers


def test_every_blueprint_sends_the_security_headers(
    app: Flask, client: FlaskClient, login_as, make_organiser, event, make_attendee, make_version
) -> None:
    """Home, health, organiser, check-in, attendee and sponsor pages, and a static file."""
    organiser = event.organiser
    cast = build(event, make_attendee, make_version)
    contact = add_bosses(event)["Acme"]
    staff = login_as(organiser)
    public = {
        "/": client,
        "/healthz": client,
        "/organiser/login": client,
        "/static/css/mingle.css": client,
        "/organiser/events": staff,
        f"/organiser/events/{event.slug}/schedule": staff,
    }
    private = {
        f"/a/{cast.p[1].token}": client,
        f"/a/{cast.p[1].token}/agenda.ics": client,
        "/a/not-a-token-at-all-not-a-token-at-all-xx": client,  # the 404 page too
        f"/s/{contact.token}": client,
        f"/s/{contact.token}/report.csv": client,
        f"/checkin/{event.slug}": staff,
        f"/checkin/{event.slug}/counts.json": staff,
    }
    for pages, is_private in ((public, False), (private, True)):
        for url, who in pages.items():
            with app.app_context():  # its own ``g``: the logged-in user is not carried over
                response = who.get(url)
            assert response.status_code in (200, 404), (url, response.status_code)
            revalidated = url == f"/a/{cast.p[1].token}"
            assert_site_headers(response, is_private, revalidated), url
    assert "Strict-Transport-Security" not in client.get("/").headers  # PUBLIC_URL is http


def test_hsts_when_the_public_address_is_https(app: Flask, client: FlaskClient) -> None:
    """Strict-Transport-Security is sent once PUBLIC_URL is https."""
    app.config["PUBLIC_URL"] = HTTPS
    assert client.get("/", base_url=HTTPS).headers["Strict-Transport-Security"] == (
        "max-age=31536000"
    )


# Item 13: nothing in the templates that the CSP would block

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on... event attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_nothing_the_csp_blocks(template: Path) -> None:
    """No inline script, style or event handler: the strict CSP would refuse them."""
    text = template.read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template.relative_to(TEMPLATES)}: {found}"
