"""An event's team: inviting co-organisers and door staff, door links for shared phones.

Rules (README, "Door staff and co-organisers"): only the owner adds or removes co-organisers;
the owner and co-organisers add and remove door staff and make and revoke door links. Door
access, by log-in or by link, ends on its own at ``door_closes_at``: 06:00 (event time) on
the day after the event. Every secret token is ``secrets.token_urlsafe(32)`` (256 bits), kept
only as its SHA-256.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import DoorLink, Event, EventMember, Organiser, OutboxMessage
from app.models.common import utcnow
from app.models.team import CO_ORGANISER, DOOR, MAX_LABEL, ROLES, token_digest
from app.services.accounts import find_organiser, set_password
from app.services.events.clock import to_utc, utc_now
from app.services.messages.mailing import SendReport, store_and_send
from app.services.scheduling.vocabulary import clean_text, email_problem

INVITE_LASTS = timedelta(days=7)  # how long an invitation to choose a password works
DOOR_CLOSES = time(6, 0)  # door access ends at this local time, the day after the event
TEAM_INVITE = "team_invite"  # OutboxMessage.kind of invitations
ROLE_NAMES = {CO_ORGANISER: "co-organiser", DOOR: "door staff"}


class TeamRefused(ValueError):
    """A team change that cannot be made; the message says why, for the organiser."""


@dataclass(frozen=True)
class Added:
    """Who was added, and the link to choose a password when the account is new."""

    member: EventMember
    invite_url: str | None
    mail: SendReport


@dataclass(frozen=True)
class Team:
    """The event's team as the team page lists it."""

    owner: Organiser | None
    co_organisers: list[EventMember]
    door_staff: list[EventMember]
    links: list[DoorLink]  # newest first, revoked and expired ones included


def new_token() -> tuple[str, str]:
    """A fresh 256-bit URL-safe token and the SHA-256 digest to store."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def door_closes_at(event: Event) -> datetime:
    """When door access ends (naive UTC): 06:00 event time, the day after the last round."""
    rounds = event.round_times()
    last = rounds[-1][1] if rounds else event.starts_at
    local = datetime.combine(last.date() + timedelta(days=1), DOOR_CLOSES)
    return to_utc(event, local).replace(tzinfo=None)


def event_team(event: Event) -> Team:
    """Owner, co-organisers and door staff (by e-mail), door links newest first."""
    members = db.session.scalars(
        select(EventMember)
        .join(Organiser, Organiser.id == EventMember.organiser_id)
        .where(EventMember.event_id == event.id)
        .order_by(Organiser.email)
    ).all()
    links = db.session.scalars(
        select(DoorLink).where(DoorLink.event_id == event.id).order_by(DoorLink.id.desc())
    ).all()
    return Team(
        owner=event.organiser,
        co_organisers=[m for m in members if m.role == CO_ORGANISER],
        door_staff=[m for m in members if m.role == DOOR],
        links=list(links),
    )


def member_events(organiser: Organiser) -> list[tuple[Event, str]]:
    """Other people's events ``organiser`` works on, with the role, soonest last."""
    now = utc_now().replace(tzinfo=None)
    members = db.session.scalars(
        select(EventMember)
        .join(Event, Event.id == EventMember.event_id)
        .where(EventMember.organiser_id == organiser.id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    ).all()
    return [(m.event, m.role) for m in members if m.active(now)]


# Members


def add_member(event: Event, email: str, role: str, by: Organiser) -> Added:
    """Give the account ``email`` the ``role`` on ``event``; make the account when there is none.

    A new account (or one that never chose a password) gets an invitation link, valid
    ``INVITE_LASTS``, to choose its password; it can work on the events it is invited to and
    create none of its own. The invitation, or a note to an existing account, goes to the
    outbox (and out by SMTP when configured).

    Raises:
        TeamRefused: bad e-mail or role, the owner, someone already on the team, or a
            co-organiser asked for by someone other than the owner.
    """
    if role not in ROLES:
        raise TeamRefused(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role == CO_ORGANISER and by.id != event.organiser_id:
        raise TeamRefused("only the event's owner can add co-organisers")
    address = clean_text(email).lower()
    if problem := email_problem(address):
        raise TeamRefused(f"{address!r} is not a valid e-mail address: {problem}")
    account = find_organiser(address)
    if account is not None and account.id == event.organiser_id:
        raise TeamRefused(f"{address} owns this event already")
    existing = _member(event, account) if account is not None else None
    if existing is not None:
        current = ROLE_NAMES[existing.role]
        raise TeamRefused(f"{address} is on the team already, as {current}: remove them first")
    token = None
    if account is None:
        account = Organiser(
            email=address, name=address.split("@")[0], password_hash="", can_create_events=False
        )
        db.session.add(account)
    if not account.password_hash:
        token, account.invite_token_hash = new_token()
        account.invite_expires_at = utcnow() + INVITE_LASTS
    member = EventMember(
        event=event,
        organiser=account,
        role=role,
        expires_at=door_closes_at(event) if role == DOOR else None,
    )
    db.session.add(member)
    db.session.flush()
    invite_url = f"{current_app.config['PUBLIC_URL']}/organiser/invite/{token}" if token else None
    mail = store_and_send([_invitation(event, member, by, invite_url)])
    return Added(member, invite_url, mail)


def _member(event: Event, organiser: Organiser) -> EventMember | None:
    return db.session.scalar(
        select(EventMember).where(
            EventMember.event_id == event.id, EventMember.organiser_id == organiser.id
        )
    )


def _invitation(
    event: Event, member: EventMember, by: Organiser, invite_url: str | None
) -> OutboxMessage:
    """The e-mail telling the new member what they may do, and how to log in."""
    base = current_app.config["PUBLIC_URL"]
    what = (
        "co-organise it with full rights on the event"
        if member.role == CO_ORGANISER
        else "check attendees in at its door"
    )
    lines = [
        "Hello,",
        "",
        f"{by.name or by.email} added you to the team of {event.name} on Mingle, to {what}.",
        "",
    ]
    if invite_url:
        lines += [
            "Choose your password with this link (it works once, for 7 days):",
            invite_url,
        ]
    else:
        lines += ["Log in with your usual e-mail and password:", f"{base}/organiser/login"]
    subject = " ".join(f"You are on the team of {event.name}".split())
    return OutboxMessage(
        event_id=event.id,
        to_address=member.organiser.email,
        subject=subject[:300],
        body="\n".join(lines) + "\n",
        kind=TEAM_INVITE,
    )


def remove_member(event: Event, member_id: int, by: Organiser) -> str:
    """Take a member off the team (their access ends at their next request); their e-mail.

    Raises:
        TeamRefused: no such member of this event, or a co-organiser removed by someone other
            than the owner.
    """
    member = db.session.get(EventMember, member_id)
    if member is None or member.event_id != event.id:
        raise TeamRefused("that person is not on this event's team")
    if member.role == CO_ORGANISER and by.id != event.organiser_id:
        raise TeamRefused("only the event's owner can remove co-organisers")
    email = member.organiser.email
    db.session.delete(member)
    db.session.commit()
    return email


# Invitations


def invited_account(token: str, now: datetime | None = None) -> Organiser | None:
    """The account whose unused, unexpired invitation ``token`` is, else None."""
    if not token or len(token) > 100:
        return None
    account = db.session.scalar(
        select(Organiser).where(Organiser.invite_token_hash == token_digest(token))
    )
    if account is None or account.invite_expires_at is None:
        return None
    return account if (now or utcnow()) < account.invite_expires_at else None


def accept_invite(token: str, password: str, now: datetime | None = None) -> Organiser:
    """Set the invited account's password (policy checked) and use the invitation up.

    Raises:
        TeamRefused: the invitation is unknown, used or expired.
        AccountError: the password breaks the policy.
    """
    account = invited_account(token, now)
    if account is None:
        raise TeamRefused("this invitation does not work any more: ask the organiser again")
    set_password(account, password)  # raises AccountError; commits
    account.invite_token_hash = None
    account.invite_expires_at = None
    db.session.commit()
    return account


# Door links


def create_door_link(event: Event, label: str) -> tuple[DoorLink, str]:
    """A new door link for ``event``; returns it and its URL (shown once, never stored).

    Raises:
        TeamRefused: an empty or too long label.
    """
    label = clean_text(label)
    if not label:
        raise TeamRefused("give the link a label, such as “Phone at entrance B”")
    if len(label) > MAX_LABEL:
        raise TeamRefused(f"the label may have at most {MAX_LABEL} characters, not {len(label)}")
    token, digest = new_token()
    link = DoorLink(
        event_id=event.id, label=label, token_hash=digest, expires_at=door_closes_at(event)
    )
    db.session.add(link)
    db.session.commit()
    return link, f"{current_app.config['PUBLIC_URL']}/door/{token}"


def revoke_door_link(event: Event, link_id: int) -> DoorLink:
    """Stop a door link at once (a phone already open on it loses the door at its next request).

    Raises:
        TeamRefused: no such link of this event.
    """
    link = db.session.get(DoorLink, link_id)
    if link is None or link.event_id != event.id:
        raise TeamRefused("there is no such door link on this event")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.commit()
    return link


def door_link_by_token(token: str) -> DoorLink | None:
    """The door link of ``token`` (active or not), else None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(DoorLink).where(DoorLink.token_hash == token_digest(token)))
