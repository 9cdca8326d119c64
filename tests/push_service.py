"""A push service for tests: a werkzeug server on 127.0.0.1 that does what a browser's push
service and the browser do with a Web Push message.

It checks the VAPID ``Authorization: vapid t=<JWT>,k=<key>`` header (RFC 8292: an ES256 JWT
signed by that key, for this service's origin, not expired), then decrypts the body as the
subscribed browser would (RFC 8291, aes128gcm) with the private key made here, keeping the
plain text. ``answer`` makes it refuse, as real services do (410 Gone, 500).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserKeys:
    """What PushManager.subscribe() makes in a browser: a P-256 key pair and an auth secret."""

    private: ec.EllipticCurvePrivateKey
    secret: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    @property
    def auth(self) -> str:
        return b64url(self.secret)


def browser_keys() -> BrowserKeys:
    """A fresh browser key pair and auth secret."""
    import os

    return BrowserKeys(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


@dataclass
class Delivery:
    """One message the service accepted: to which subscription, decrypted, and its VAPID."""

    path: str
    text: str
    ttl: str
    claims: dict[str, Any]
    vapid_key: str  # the k= of the Authorization header

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.text)


@dataclass
class PushService:
    """The running service: its base URL, what it received, and how it answers."""

    url: str = ""
    browsers: dict[str, BrowserKeys] = field(default_factory=dict)  # path -> keys
    delivered: list[Delivery] = field(default_factory=list)
    answer: dict[str, int] = field(default_factory=dict)  # path -> status to answer instead
    refused: list[str] = field(default_factory=list)  # why requests were refused

    def subscription(self, name: str) -> dict[str, Any]:
        """A new browser's PushSubscription.toJSON() with its endpoint on this service."""
        keys = browser_keys()
        path = f"/push/{name}"
        self.browsers[path] = keys
        return {"endpoint": self.url + path, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}

    def handle(self, request: Request) -> Response:
        if request.method != "POST" or request.path not in self.browsers:
            return Response("unknown subscription", status=404)
        if request.path in self.answer:
            return Response("as told", status=self.answer[request.path])
        try:
            claims, key = self._check_vapid(request.headers.get("Authorization", ""))
        except (AssertionError, ValueError, KeyError) as exc:
            self.refused.append(f"VAPID: {exc}")
            return Response("bad VAPID", status=401)
        if request.headers.get("Content-Encoding") != "aes128gcm":
            self.refused.append("not aes128gcm")
            return Response("bad encoding", status=415)
        keys = self.browsers[request.path]
        plain = http_ece.decrypt(
            request.get_data(),
            private_key=keys.private,
            auth_secret=keys.secret,
            version="aes128gcm",
        )
        ttl = request.headers.get("TTL", "")
        self.delivered.append(Delivery(request.path, plain.decode("utf-8"), ttl, claims, key))
        return Response("", status=201)

    def _check_vapid(self, header: str) -> tuple[dict[str, Any], str]:
        """The JWT's claims and key, once its signature, audience and expiry check out."""
        assert header.startswith("vapid "), f"not a vapid Authorization: {header[:20]!r}"
        assert Vapid02.verify(header), "the JWT's signature does not match k="
        parts = dict(p.split("=", 1) for p in header[len("vapid ") :].split(","))
        token = parts["t"]
        head, body, _ = token.split(".")
        assert json.loads(unb64url(head))["alg"] == "ES256"
        claims = json.loads(unb64url(body))
        assert claims["aud"] == self.url, f"aud {claims['aud']!r} is not {self.url!r}"
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "exp out of range"
        assert str(claims["sub"]).startswith(("mailto:", "https://")), "sub"
        return claims, parts["k"]


@contextmanager
def push_service() -> Iterator[PushService]:
    """Run a PushService on 127.0.0.1 and a free port for the ``with`` block."""
    service = PushService()

    def application(environ, start_response):
        return service.handle(Request(environ))(environ, start_response)

    server = make_server("127.0.0.1", 0, application, threaded=True)
    service.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        thread.join(timeout=5)
