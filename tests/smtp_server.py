"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, keeping what it receives.

``refuse`` and ``hang_up`` make it misbehave for chosen recipients, the way real servers do:
a 550 for an unknown mailbox, a 421 that closes the connection mid-batch.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

MAIL_FROM = "Partner Forum <forum@example.org>"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One delivered e-mail: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        """The single envelope recipient."""
        assert len(self.rcpt_tos) == 1, self.rcpt_tos
        return self.rcpt_tos[0]

    @property
    def body(self) -> str:
        """The plain-text body, decoded, with the wire's CRLF line ends made LF."""
        return self.message.get_content().replace("\r\n", "\n")


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps every accepted e-mail; refuses or hangs up on request."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # RCPT TO answered 550
    hang_up: set[str] = field(default_factory=set)  # DATA answered 421 (connection closed)
    connections: int = 0

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses):
        """Count the connections: a batch should use one."""
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        """Accept the recipient unless told to refuse it."""
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        """Keep the message, or close the connection on it."""
        if set(envelope.rcpt_tos) & self.hang_up:
            return "421 4.3.0 Going away now"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def by_recipient(self) -> dict[str, Received]:
        """recipient -> their e-mail (asserting nobody got two)."""
        out: dict[str, Received] = {}
        for mail in self.received:
            assert mail.to not in out, f"{mail.to} received two e-mails"
            out[mail.to] = mail
        return out


def password_checker(user: str, password: str) -> Callable[..., AuthResult]:
    """An aiosmtpd authenticator accepting one user and password (LOGIN and PLAIN)."""

    def check(server, session, envelope, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (user, password)
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def smtp_server(**smtp_options: Any) -> Iterator[tuple[Mailbox, int]]:
    """Run an SMTP server on 127.0.0.1 for the ``with`` block; yields its mailbox and port."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@contextmanager
def app_smtp_server(app: Flask, mail_from: str = MAIL_FROM) -> Iterator[Mailbox]:
    """Run ``smtp_server()`` with ``app`` configured to send through it, plain and without login.

    Yields the server's mailbox; the app's MAIL_FROM is ``mail_from``.
    """
    with smtp_server() as (mailbox, port):
        app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=port,
            SMTP_TLS=False,
            SMTP_USER=None,
            SMTP_PASSWORD=None,
            SMTP_TIMEOUT=5.0,
            MAIL_FROM=mail_from,
        )
        yield mailbox
