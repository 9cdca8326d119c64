"""E-mailing attendees their personal agenda link, through the outbox and SMTP.

Every e-mail is first stored as an ``OutboxMessage``; when ``SMTP_HOST`` is set the batch then
goes out over one SMTP connection and each message records ``sent_at`` or its ``error``. Without
SMTP the outbox page and the links CSV are how the organiser hands the links out.

The body carries the link and the attendee's meetings of the published version, with the reasons
worded as on their agenda page, so the e-mail itself is a paper-like fallback when the venue
Wi-Fi fails.

"Changed" attendees: those for whom the e-mail composed now (address, subject and body: the
link, the meetings, their times, tables and partners, the event's date and place) differs from
the last agenda e-mail stored for them that did not fail. Someone never written to, or whose
last e-mail failed, counts as changed, so "send to the changed ones" is also the retry after an
SMTP outage. A message kept in the outbox without SMTP counts as handed over.

``store_and_send`` and ``deliver`` also carry the sponsor report links
(app/services/messages/sponsors.py).
"""

from __future__ import annotations

import smtplib
import ssl
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Attendee, Event, Meeting, OutboxMessage
from app.models.common import utcnow
from app.services.attendees.agenda import explain_match
from app.services.scheduling.exports import CSV, Export, csv_text

AGENDA_LINK = "agenda_link"  # OutboxMessage.kind of these e-mails
COMMIT_EVERY = 100  # sent messages recorded per commit, so a crash loses little
LINKS_HEADER = ["email", "name", "company", "link"]
OUTBOX_PER_PAGE = 100
# Outbox filters: sent (an SMTP server accepted it), failed (it has an error), unsent (neither).
STATUSES = {
    "sent": OutboxMessage.sent_at.is_not(None),
    "failed": OutboxMessage.sent_at.is_(None) & OutboxMessage.error.is_not(None),
    "unsent": OutboxMessage.sent_at.is_(None) & OutboxMessage.error.is_(None),
}


@dataclass
class SendReport:
    """What ``send_links`` did: stored in the outbox, sent, failed, skipped as unchanged."""

    stored: int = 0
    sent: int = 0
    failed: int = 0
    unchanged: int = 0
    smtp: bool = False  # whether SMTP_HOST was set, i.e. sending was attempted
    errors: list[str] = field(default_factory=list)  # "address: reason", first few

    def summary(self) -> str:
        """One sentence for the organiser."""
        if not self.stored:
            return "Nobody's agenda changed since their last e-mail: nothing to send."
        parts = [f"{self.stored} e-mail{'s' if self.stored != 1 else ''} put in the outbox"]
        if self.smtp:
            parts.append(f"{self.sent} sent")
            if self.failed:
                parts.append(f"{self.failed} failed (they stay in the outbox)")
        else:
            parts.append("not sent: SMTP_HOST is not set, copy them or use the links CSV")
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged skipped")
        return ", ".join(parts) + "."


@dataclass
class LinksPlan:
    """What the confirmation page shows before sending: how many, and how."""

    everyone: int
    changed: int
    published: bool
    smtp_host: str | None


# Composing


def agenda_url(attendee: Attendee) -> str:
    """The attendee's personal agenda link: ``PUBLIC_URL/a/<token>``."""
    return f"{current_app.config['PUBLIC_URL']}/a/{attendee.token}"


def compose_agenda_link(
    event: Event, attendee: Attendee, meetings: Sequence[Meeting] | None = None
) -> OutboxMessage:
    """The e-mail with ``attendee``'s link and meetings of the published version (not saved).

    Args:
        meetings: the attendee's published meetings when the caller loaded them in bulk;
            None loads them.
    """
    if meetings is None:
        meetings = _published_meetings(event, attendee).get(attendee.id, [])
    subject = " ".join(f"Your meetings at {event.name}".split())  # no line breaks in a header
    return OutboxMessage(
        event_id=event.id,
        attendee_id=attendee.id,
        to_address=attendee.email,
        subject=subject[:300],
        body=_body(event, attendee, meetings),
        kind=AGENDA_LINK,
    )


def _body(event: Event, attendee: Attendee, meetings: Sequence[Meeting]) -> str:
    """The plain-text body: greeting, link, then every round with its meeting or a free slot."""
    where = f", {event.venue}" if event.venue else ""
    lines = [
        f"Hello {attendee.name},",
        "",
        f"Here is your personal agenda for {event.name}, {event.starts_at:%A %d %B %Y}{where}.",
        "",
        "Open it on your phone (no password needed; keep this link to yourself):",
        agenda_url(attendee),
        "",
    ]
    if event.published_version_id is None:
        lines += [
            "Your meetings are not scheduled yet: the link shows them as soon as the schedule "
            "is published.",
        ]
    else:
        by_round = {m.round: m for m in meetings}
        lines += [f"Your meetings (times in {event.timezone}):", ""]
        for number, (start, end) in enumerate(event.round_times(), start=1):
            slot = f"Round {number}, {start:%H:%M}-{end:%H:%M}"
            meeting = by_round.get(number)
            if meeting is None:
                lines += [f"{slot}: no meeting", ""]
                continue
            other = (
                meeting.attendee_b if meeting.attendee_a_id == attendee.id else meeting.attendee_a
            )
            lines += [
                f"{slot}, {event.table_label(meeting.table)}",
                f"  {other.name}, {other.company} ({other.kind}, {other.region})",
                f"  Why: {'; '.join(explain_match(attendee, other))}",
                "",
            ]
        lines += [
            "The page also puts the meetings in your calendar and, after each meeting, asks a "
            "one-minute follow-up.",
        ]
    lines += ["", "See you there!"]
    return "\n".join(lines) + "\n"


def _published_meetings(event: Event, attendee: Attendee | None = None) -> dict[int, list[Meeting]]:
    """attendee id -> their meetings in the published version, by round (one attendee or all)."""
    if event.published_version_id is None:
        return {}
    query = (
        select(Meeting)
        .where(Meeting.version_id == event.published_version_id)
        .options(selectinload(Meeting.attendee_a), selectinload(Meeting.attendee_b))
        .order_by(Meeting.round, Meeting.table)
    )
    if attendee is not None:
        query = query.where(
            or_(Meeting.attendee_a_id == attendee.id, Meeting.attendee_b_id == attendee.id)
        )
    agenda: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in db.session.scalars(query):
        agenda[meeting.attendee_a_id].append(meeting)
        agenda[meeting.attendee_b_id].append(meeting)
    return agenda


def _attendees_by_name(event: Event) -> list[Attendee]:
    """Everyone at the event, by name."""
    query = (
        select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.name, Attendee.id)
    )
    return list(db.session.scalars(query))


def _last_handed_over(event: Event) -> dict[int, OutboxMessage]:
    """attendee id -> the newest agenda e-mail stored for them that did not fail."""
    newest = (
        select(func.max(OutboxMessage.id))
        .where(
            OutboxMessage.event_id == event.id,
            OutboxMessage.kind == AGENDA_LINK,
            OutboxMessage.error.is_(None),
            OutboxMessage.attendee_id.is_not(None),
        )
        .group_by(OutboxMessage.attendee_id)
    )
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(newest)))
    return {m.attendee_id: m for m in messages if m.attendee_id is not None}


def _same(a: OutboxMessage, b: OutboxMessage | None) -> bool:
    """Whether two e-mails say the same thing to the same address.

    A "your meetings changed" e-mail (app/services/messages/notices.py) is the agenda e-mail
    with the changes put first: it handed over the agenda its body ends with.
    """
    if b is None or a.to_address != b.to_address:
        return False
    return (a.subject, a.body) == (b.subject, b.body) or b.body.endswith("\n\n" + a.body)


def _compose_all(
    event: Event, attendees: Iterable[Attendee] | None, changed_only: bool
) -> tuple[list[OutboxMessage], int]:
    """The e-mails to send (only the changed ones when asked) and how many were unchanged."""
    people = _attendees_by_name(event) if attendees is None else list(attendees)
    agenda = _published_meetings(event)
    last = _last_handed_over(event) if changed_only else {}
    messages, unchanged = [], 0
    for attendee in people:
        message = compose_agenda_link(event, attendee, agenda.get(attendee.id, []))
        if changed_only and _same(message, last.get(attendee.id)):
            unchanged += 1
        else:
            messages.append(message)
    return messages, unchanged


def links_plan(event: Event) -> LinksPlan:
    """Count who would get an e-mail when sending to everyone or only to the changed ones."""
    changed, _ = _compose_all(event, None, changed_only=True)
    return LinksPlan(
        everyone=event.attendee_count(),
        changed=len(changed),
        published=event.published_version_id is not None,
        smtp_host=current_app.config.get("SMTP_HOST"),
    )


# Sending


def send_links(
    event: Event, attendees: Iterable[Attendee] | None = None, *, changed_only: bool = False
) -> SendReport:
    """Store each attendee's agenda e-mail in the outbox, then send them when SMTP is set.

    Args:
        attendees: whom to write to; None means everyone at the event.
        changed_only: skip attendees whose e-mail would repeat their last one that did not
            fail (see the module docstring).

    Returns:
        Counts of stored, sent, failed and skipped messages. A failed message keeps its error
        and stays in the outbox; it never stops the others.
    """
    messages, unchanged = _compose_all(event, attendees, changed_only)
    return store_and_send(messages, unchanged)


def store_and_send(messages: Sequence[OutboxMessage], unchanged: int = 0) -> SendReport:
    """Store composed messages in the outbox, then send them when ``SMTP_HOST`` is set.

    Shared by every kind of e-mail (agenda links, sponsor report links).

    Args:
        messages: new, unsaved messages.
        unchanged: how many the caller skipped, carried into the report.

    Returns:
        Counts of stored, sent and failed messages, with the first few errors.
    """
    db.session.add_all(messages)
    db.session.commit()  # stored before any sending: a crash or an SMTP outage loses nothing
    config = current_app.config
    report = SendReport(stored=len(messages), unchanged=unchanged, smtp=bool(config["SMTP_HOST"]))
    if report.smtp and messages:
        deliver(messages, config)
        report.sent = sum(m.sent_at is not None for m in messages)
        report.failed = len(messages) - report.sent
        report.errors = [f"{m.to_address}: {m.error}" for m in messages if m.error][:5]
    return report


def deliver(messages: Sequence[OutboxMessage], config: Mapping[str, Any]) -> None:
    """Send stored messages over one SMTP connection, recording ``sent_at`` or ``error`` on each.

    A refused recipient only fails its own message. A dropped connection is opened again for
    the next message; when the server cannot be reached at all, every remaining message keeps
    the connection error.
    """
    smtp: smtplib.SMTP | None = None
    try:
        for done, message in enumerate(messages, start=1):
            if smtp is None:
                try:
                    smtp = _connect(config)
                except OSError as exc:  # smtplib's errors are OSErrors too
                    reason = f"cannot reach the SMTP server: {_describe(exc)}"
                    for rest in messages[done - 1 :]:
                        rest.error = reason
                    break
            try:
                smtp.send_message(_email(message, config))
            except (OSError, ValueError) as exc:
                message.error = _describe(exc)
                if _connection_lost(exc) or smtp.sock is None:
                    _close(smtp)
                    smtp = None  # the next message opens a fresh connection
            else:
                message.sent_at = utcnow()
                message.error = None
            if done % COMMIT_EVERY == 0:
                db.session.commit()
    finally:
        if smtp is not None:
            _close(smtp)
        db.session.commit()


def _connection_lost(exc: BaseException) -> bool:
    """Whether the error broke the connection, rather than only refusing this one message."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    """An open, greeted (and, when configured, encrypted and logged-in) SMTP connection."""
    smtp = smtplib.SMTP(
        config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=config["SMTP_TIMEOUT"]
    )
    try:
        smtp.ehlo()
        if config.get("SMTP_TLS"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    """Say QUIT when the server still listens, then drop the socket."""
    try:
        smtp.quit()
    except OSError:
        smtp.close()


def _email(message: OutboxMessage, config: Mapping[str, Any]) -> EmailMessage:
    """The outbox message as an RFC 5322 e-mail (UTF-8 plain text).

    Raises:
        ValueError: the recipient address cannot be written in a header.
    """
    attendee = db.session.get(Attendee, message.attendee_id) if message.attendee_id else None
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = Address(
        display_name=attendee.name if attendee else "", addr_spec=message.to_address
    )
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}", domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    return email


def _describe(exc: BaseException) -> str:
    """A short, readable reason from an SMTP or socket error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reasons = [f"{code} {_text(text)}" for code, text in exc.recipients.values()]
        return "recipient refused: " + "; ".join(reasons)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(value: bytes | str) -> str:
    """Server text as one line of str."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())


# The outbox


@dataclass
class OutboxPage:
    """One page of an event's outbox, newest first, with the count of each status."""

    messages: list[OutboxMessage]
    counts: dict[str, int]  # all, sent, failed, unsent
    status: str
    page: int
    pages: int


def outbox_page(event: Event, status: str = "", page: int = 1) -> OutboxPage:
    """The event's outbox messages with ``status`` (any when not one of STATUSES), one page."""
    in_event = OutboxMessage.event_id == event.id
    counted = select(func.count()).select_from(OutboxMessage).where(in_event)
    counts = {name: db.session.scalar(counted.where(cond)) or 0 for name, cond in STATUSES.items()}
    counts["all"] = sum(counts.values())
    status = status if status in STATUSES else ""
    conditions = [in_event, *([STATUSES[status]] if status else [])]
    total = counts[status or "all"]
    pages = max(1, -(-total // OUTBOX_PER_PAGE))
    page = min(max(page, 1), pages)
    query = (
        select(OutboxMessage)
        .where(*conditions)
        .order_by(OutboxMessage.id.desc())
        .offset((page - 1) * OUTBOX_PER_PAGE)
        .limit(OUTBOX_PER_PAGE)
    )
    return OutboxPage(list(db.session.scalars(query)), counts, status, page, pages)


def message_status(message: OutboxMessage) -> str:
    """sent, failed or unsent."""
    if message.sent_at is not None:
        return "sent"
    return "failed" if message.error else "unsent"


# Links for mail-merge, and re-issuing one


def links_csv(event: Event) -> str:
    """Everyone's ``email,name,company,link`` as CSV for mail-merge (UTF-8 with a BOM for Excel).

    Written by ``csv_text``, which neutralises cells a spreadsheet would run as a formula.
    """
    rows = [(a.email, a.name, a.company, agenda_url(a)) for a in _attendees_by_name(event)]
    return csv_text(LINKS_HEADER, rows)


def links_export(event: Event) -> Export:
    """The links CSV as a download named after the event."""
    return Export(links_csv(event).encode("utf-8"), CSV, f"{event.slug}-links.csv")


def reissue_link(attendee: Attendee) -> str:
    """Give ``attendee`` a new secret link; the old one stops working at once."""
    token = attendee.reissue_token()
    db.session.commit()
    return token
