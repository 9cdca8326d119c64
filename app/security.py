"""Site-wide HTTP protections: security headers, the proxy in front, CSRF and 429 pages.

Headers are plain strings set in one ``after_request``, rather than by Flask-Talisman: its
defaults (forcing HTTPS redirects and secure cookies whatever the config says, its own
Referrer-Policy) fight the settings ``PUBLIC_URL`` already drives, and every header here is a
constant.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from flask import Flask, Response, current_app, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter.errors import RateLimitExceeded
from flask_login import login_url
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import limiter, login_manager

# No inline script or style anywhere: every script and stylesheet is a file under /static
# (the attendee service worker is /a/sw.js). Nobody may frame a page (clickjacking), and
# forms only post back here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The Referer reaches only this site, whose HTTPS CSRF check needs it on every POST, and never
# another site, so a token in a URL (/a/<token>, /s/<token>) never leaves. strict-origin would
# also pass Flask-WTF's check (it compares scheme, host and port only) but would tell every
# linked site which Mingle server the visitor came from.
REFERRER_POLICY = "same-origin"
HSTS = "max-age=31536000"  # a year; only sent when PUBLIC_URL is https
# The door scanner needs the camera, for this site only; nothing needs any other device.
PERMISSIONS = ", ".join(
    ["camera=(self)"]
    + [
        f"{feature}=()"
        for feature in (
            "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "hid",
            "display-capture", "midi", "accelerometer", "gyroscope", "magnetometer",
            "screen-wake-lock", "xr-spatial-tracking", "browsing-topics",
        )
    ]
)  # fmt: skip
# Pages whose URL or content is a credential or personal: attendee and sponsor links, the door,
# the live board's link, door links and invitations.
PRIVATE_PREFIXES = ("/a/", "/s/", "/checkin/", "/board/", "/door/", "/organiser/invite/")
CACHEABLE_ENDPOINTS = {"attendee.service_worker"}  # code, not personal; sets its own caching
# Private pages with an ETag (the agenda): the browser may keep them but must ask every time
# (a 304 costs the server almost nothing); never a shared cache, the URL holds a token.
REVALIDATED_ENDPOINTS = {"attendee.agenda"}


def install_security(app: Flask) -> None:
    """Trust the configured proxies, add the headers, and answer CSRF and 429 failures plainly."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Client address (rate limits), scheme (CSRF's HTTPS checks, secure cookies) and host,
        # as the last ``proxies`` hops report them; anything earlier could be forged.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.after_request(security_headers)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    login_manager.unauthorized_handler(not_logged_in)


def security_headers(response: Response) -> Response:
    """Add the site-wide headers, and keep private pages out of caches and search engines."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = REFERRER_POLICY
    headers["Permissions-Policy"] = PERMISSIONS
    if current_app.config["PUBLIC_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    if request.path.startswith(PRIVATE_PREFIXES) and request.endpoint not in CACHEABLE_ENDPOINTS:
        revalidated = request.endpoint in REVALIDATED_ENDPOINTS and "ETag" in headers
        headers["Cache-Control"] = "private, no-cache" if revalidated else "private, no-store"
        headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def wants_json() -> bool:
    """Whether the request came from a script asking for JSON (the door scanner), rather
    than from a browser or a client that takes anything (``*/*``)."""
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def not_logged_in() -> ResponseReturnValue:
    """A page needs a log-in: 401 JSON for scripts (the door), else the log-in page and back."""
    if wants_json():
        return jsonify(ok=False, error="Your session ended: reload the page and log in."), 401
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def csrf_failed(error: CSRFError) -> ResponseReturnValue:
    """Say why a form was refused and what to do, as JSON for scripts and as a page for people."""
    reason = error.description or "The form could not be checked."
    if "expired" in reason:
        advice = "The page was open too long: reload it and try again."
    else:
        advice = "Reload the page and try again."
    if wants_json():
        return jsonify(ok=False, error=advice, reason=reason, csrf=True), 400
    return render_template("errors/form_refused.html", reason=reason, advice=advice), 400


def too_many_requests(error: RateLimitExceeded) -> ResponseReturnValue:
    """The 429 page: which limit, and the time when trying again will work."""
    limit = limiter.current_limit
    seconds = max(1, math.ceil(limit.reset_at - time.time())) if limit else 60
    return retry_later(seconds)


def retry_later(seconds: int) -> ResponseReturnValue:
    """A 429 page saying in plain words when to try again, with Retry-After for programs."""
    at = datetime.fromtimestamp(time.time() + seconds, UTC)
    if seconds < 90:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} minutes"
    body = render_template("errors/too_many.html", wait=wait, at=at.strftime("%H:%M:%S UTC"))
    response = Response(body, status=429)
    response.headers["Retry-After"] = str(seconds)
    return response
