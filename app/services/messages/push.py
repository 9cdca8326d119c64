"""Web Push to attendees' phones: the VAPID key, subscriptions, and sending (pywebpush).

An attendee allows notifications on their agenda page; the browser's ``PushManager`` gives an
endpoint on its push service and two keys, stored as a ``PushSubscription`` (at most
``MAX_DEVICES`` per attendee: a new device replaces the oldest). Messages are encrypted for
that browser (RFC 8291, aes128gcm) and signed with the server's VAPID key (RFC 8292), which is
generated on first use into the instance folder (``vapid_private.pem``, mode 0600, never
committed). A push service answering 404 or 410 says the subscription is gone: it is deleted.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, PushSubscription
from app.models.common import utcnow
from app.models.notice import ENDPOINT_LENGTH, ERROR_LENGTH, KEY_LENGTH

VAPID_KEY_FILENAME = "vapid_private.pem"
MAX_DEVICES = 5  # subscriptions kept per attendee
TTL = 4 * 3600  # seconds a push service keeps a message for a phone that is off
TIMEOUT = 5.0  # seconds per push service request, so a dead one cannot hang a publish
GONE = (404, 410)  # the push service no longer knows the subscription
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class PushRefused(Exception):
    """A subscription that cannot be stored: the message names the field and the value."""


# The server's key


def vapid_key_path() -> Path:
    """Where the VAPID private key lives: ``VAPID_KEY_FILE``, else the instance folder."""
    configured = current_app.config.get("VAPID_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / VAPID_KEY_FILENAME


def vapid_key() -> Vapid:
    """The server's VAPID key, generated into the instance folder on first use (mode 0600)."""
    path = vapid_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Vapid()
        key.generate_keys()
        try:  # O_EXCL: of two processes starting at once, one writes and both read its key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(key.private_pem())
    return Vapid.from_file(str(path))


def public_key() -> str:
    """The VAPID public key as the page's ``applicationServerKey`` wants it (base64url)."""
    raw = vapid_key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def vapid_subject() -> str:
    """The contact push services may use: ``VAPID_SUBJECT``, else the public https URL or mail."""
    config = current_app.config
    if config.get("VAPID_SUBJECT"):
        return str(config["VAPID_SUBJECT"])
    if str(config["PUBLIC_URL"]).startswith("https://"):
        return str(config["PUBLIC_URL"])
    address = str(config.get("MAIL_FROM") or "").rpartition("<")[2].rstrip(">").strip()
    return f"mailto:{address or 'no-reply@localhost'}"


# Subscriptions


def _shown(value: object) -> str:
    """A value as an error message quotes it: short."""
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _check_endpoint(endpoint: object) -> str:
    """The endpoint if a push service's https URL (http on loopback only when allowed)."""
    if not isinstance(endpoint, str) or not endpoint:
        raise PushRefused("endpoint: a push service address is required")
    if len(endpoint) > ENDPOINT_LENGTH:
        raise PushRefused(f"endpoint: at most {ENDPOINT_LENGTH} characters, not {len(endpoint)}")
    try:
        parts = urlsplit(endpoint)
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:
        raise PushRefused(f"endpoint: {_shown(endpoint)} is not a web address") from exc
    loopback_ok = current_app.config.get("PUSH_ALLOW_HTTP_LOOPBACK", False)
    if loopback_ok and parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return endpoint
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise PushRefused(f"endpoint: {_shown(endpoint)} must be an https address")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:  # push services have names; an address could aim the server at a private network
        raise PushRefused(f"endpoint: {_shown(endpoint)} must name a push service, not an IP")
    if port not in (None, 443):
        raise PushRefused(f"endpoint: {_shown(endpoint)} must use the https port 443")
    return endpoint


def _check_key(name: str, value: object, size: int) -> str:
    """A base64url key of ``size`` bytes, as PushSubscription.toJSON() gives it."""
    if not isinstance(value, str) or not value or len(value) > KEY_LENGTH:
        raise PushRefused(f"keys.{name}: a base64url key is required, not {_shown(value)}")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise PushRefused(f"keys.{name}: {_shown(value)} is not base64url") from exc
    if len(raw) != size or (name == "p256dh" and raw[0] != 4):
        raise PushRefused(f"keys.{name}: {_shown(value)} is not a {size}-byte key")
    return value


def subscribe(attendee: Attendee, data: object) -> PushSubscription:
    """Store (or refresh) the browser subscription ``data`` (PushSubscription.toJSON()).

    Raises:
        PushRefused: malformed data; nothing is stored.
    """
    if not isinstance(data, Mapping):
        raise PushRefused("the subscription must be a JSON object")
    endpoint = _check_endpoint(data.get("endpoint"))
    keys = data.get("keys")
    if not isinstance(keys, Mapping):
        raise PushRefused("keys: the subscription's p256dh and auth keys are required")
    p256dh = _check_key("p256dh", keys.get("p256dh"), 65)
    auth = _check_key("auth", keys.get("auth"), 16)
    query = select(PushSubscription).where(PushSubscription.attendee_id == attendee.id)
    mine = list(db.session.scalars(query.order_by(PushSubscription.id)))
    same = next((s for s in mine if s.endpoint == endpoint), None)
    if same is None:
        for oldest in mine[: max(0, len(mine) - MAX_DEVICES + 1)]:
            db.session.delete(oldest)
        same = PushSubscription(attendee_id=attendee.id, endpoint=endpoint)
        db.session.add(same)
    same.p256dh, same.auth, same.last_error = p256dh, auth, None
    db.session.commit()
    return same


def unsubscribe(attendee: Attendee, endpoint: object) -> bool:
    """Forget the attendee's subscription at ``endpoint``; whether there was one."""
    if not isinstance(endpoint, str) or len(endpoint) > ENDPOINT_LENGTH:
        return False
    query = select(PushSubscription).where(
        PushSubscription.attendee_id == attendee.id, PushSubscription.endpoint == endpoint
    )
    found = db.session.scalar(query)
    if found is not None:
        db.session.delete(found)
        db.session.commit()
    return found is not None


def device_count(attendee: Attendee) -> int:
    """How many browsers get the attendee's notifications."""
    query = select(func.count()).where(PushSubscription.attendee_id == attendee.id)
    return db.session.scalar(query) or 0


def subscriptions_of(attendee_ids: set[int]) -> dict[int, list[PushSubscription]]:
    """attendee id -> their subscriptions."""
    out: dict[int, list[PushSubscription]] = {}
    if attendee_ids:
        query = select(PushSubscription).where(PushSubscription.attendee_id.in_(attendee_ids))
        for sub in db.session.scalars(query.order_by(PushSubscription.id)):
            out.setdefault(sub.attendee_id, []).append(sub)
    return out


# Sending


def send(subscription: PushSubscription, payload: Mapping[str, Any]) -> bool:
    """Send one notification; whether the push service accepted it (the caller commits).

    A refusal is kept in ``last_error``; a subscription the service calls gone is deleted.
    """
    try:
        _check_endpoint(subscription.endpoint)  # as stored, still allowed by this server
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=vapid_key(),
            vapid_claims={"sub": vapid_subject()},  # a new dict: webpush adds aud and exp
            ttl=int(current_app.config.get("PUSH_TTL", TTL)),
            timeout=float(current_app.config.get("PUSH_TIMEOUT", TIMEOUT)),
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in GONE:
            db.session.delete(subscription)
            return False
        subscription.last_error = f"push service answered {status or 'nothing'}"[:ERROR_LENGTH]
        return False
    except (PushRefused, requests.RequestException, ValueError) as exc:
        subscription.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        return False
    subscription.last_sent_at = utcnow()
    subscription.last_error = None
    return True
