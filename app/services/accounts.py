"""Organiser accounts: creating them, the password policy, log-in with lockout, sessions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import case, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from app.extensions import db
from app.models import Organiser
from app.models.common import utcnow
from app.services.scheduling.vocabulary import email_problem

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200  # the log-in form's limit; scrypt of more buys nothing
COMMON_PASSWORDS = 10_000  # refuse the most used passwords of the leaked-password lists
# Lockout: after LOCK_AFTER failed log-ins in a row the account refuses every log-in, the
# right password too, for LOCK_FIRST; each further failure doubles it, up to LOCK_LONGEST.
LOCK_AFTER = 5
LOCK_FIRST = timedelta(minutes=1)
LOCK_LONGEST = timedelta(hours=1)


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why, for the user."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is wrong."""


@dataclass(frozen=True)
class LoginResult:
    """What a log-in attempt gave: the organiser, or why not (``locked_until`` when locked)."""

    organiser: Organiser | None
    locked_until: datetime | None = None


# Password policy


@cache
def _common_passwords() -> frozenset[str]:
    """The most common passwords, lower-case: zxcvbn's ranked list from leaked-password data."""
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS])


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` may not be used by the account ``email``, or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password may have at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.strip().lower()
    email = email.strip().lower()
    if email and lowered in (email, email.split("@")[0]):
        return "the password must not be the e-mail address"
    if len(set(lowered)) < 4:
        return "the password must use at least 4 different characters"
    if lowered in _common_passwords():
        return "that password is one of the most common ones: choose another"
    return None


def _check_policy(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)


# Accounts


def create_organiser(email: str, password: str, name: str = "") -> Organiser:
    """Create an organiser with a hashed password; refuse bad or taken e-mails, weak passwords."""
    email = email.strip().lower()
    if problem := email_problem(email):
        raise AccountError(f"{email!r} is not a valid e-mail address: {problem}")
    _check_policy(password, email)
    if find_organiser(email) is not None:
        raise AccountError(f"an organiser with the e-mail {email} already exists")
    organiser = Organiser(email=email, name=name.strip() or email.split("@")[0])
    organiser.set_password(password)
    db.session.add(organiser)
    db.session.commit()
    return organiser


def find_organiser(email: str) -> Organiser | None:
    """The organiser with this e-mail (any case), or None."""
    query = select(Organiser).where(Organiser.email == email.strip().lower())
    return db.session.scalar(query)


def set_password(organiser: Organiser, password: str) -> None:
    """Give ``organiser`` a new password (policy checked) and end every session they have."""
    _check_policy(password, organiser.email)
    organiser.set_password(password)
    organiser.failed_logins = 0
    organiser.locked_until = None
    end_sessions(organiser)


def change_password(organiser: Organiser, current: str, new: str) -> None:
    """Replace the password after checking the current one; every other session ends."""
    if not organiser.check_password(current):
        raise WrongPassword("the current password is wrong")
    if new == current:
        raise AccountError("the new password must differ from the current one")
    set_password(organiser, new)


def end_sessions(organiser: Organiser) -> None:
    """Make every session cookie of ``organiser`` stop working (logout, password change)."""
    _increment(organiser, "session_version")


# Log-in


def authenticate(email: str, password: str) -> Organiser | None:
    """The organiser whose e-mail and password match, else None (lockout and counting apply)."""
    return attempt_login(email, password).organiser


def attempt_login(email: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a log-in; count failures and lock the account out, with backoff, after too many.

    Each attempt first claims a try in the database, before the (slow) password check: the
    claim counts it as a failure until the password proves right, and the claim that reaches
    ``LOCK_AFTER`` sets the lock at once. So parallel guesses cannot all pass a lock that is
    not written yet: at most ``LOCK_AFTER`` passwords are checked per lock, and one per lock
    after that. A locked account refuses the right password too. Failures older than a quiet
    ``LOCK_LONGEST`` after the last lock are forgotten, so the backoff starts again from one
    minute. The result never says whether the e-mail exists, except through the lockout.
    """
    now = now or utcnow()
    organiser = find_organiser(email)
    if organiser is None:
        # Hash anyway, so an unknown e-mail takes as long to refuse as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return LoginResult(None)
    failures = _claim_attempt(organiser, now)
    if failures is None:
        db.session.refresh(organiser)
        return LoginResult(None, locked_until=organiser.locked_until)
    if organiser.check_password(password):
        db.session.execute(
            update(Organiser)
            .where(Organiser.id == organiser.id)
            .values(failed_logins=0, locked_until=None)
        )
        db.session.commit()
        db.session.refresh(organiser)
        return LoginResult(organiser)
    db.session.refresh(organiser)
    return LoginResult(
        None, locked_until=organiser.locked_until if failures >= LOCK_AFTER else None
    )


def _claim_attempt(organiser: Organiser, now: datetime) -> int | None:
    """Count one attempt as a failure, unless the account is locked (then None).

    The UPDATE holds the row (PostgreSQL) or the database (SQLite) until the commit, so a
    parallel claim waits and then sees the lock this one may set.
    """
    forgotten = Organiser.locked_until.is_not(None) & (Organiser.locked_until <= now - LOCK_LONGEST)
    claimed = db.session.execute(
        update(Organiser)
        .where(
            Organiser.id == organiser.id,
            or_(Organiser.locked_until.is_(None), Organiser.locked_until <= now),
        )
        .values(failed_logins=case((forgotten, 1), else_=Organiser.failed_logins + 1))
        .returning(Organiser.failed_logins)
    ).scalar()
    if claimed is None:
        db.session.rollback()
        return None
    if claimed >= LOCK_AFTER:
        doublings = min(claimed - LOCK_AFTER, math.ceil(math.log2(LOCK_LONGEST / LOCK_FIRST)))
        db.session.execute(
            update(Organiser)
            .where(Organiser.id == organiser.id)
            .values(locked_until=now + min(LOCK_FIRST * 2**doublings, LOCK_LONGEST))
        )
    db.session.commit()
    return claimed


def _increment(organiser: Organiser, column: str) -> None:
    """Add one to a counter of ``organiser`` in the database itself, so parallel requests
    never lose a count, and commit."""
    counter = getattr(Organiser, column)
    db.session.execute(
        update(Organiser).where(Organiser.id == organiser.id).values({counter: counter + 1})
    )
    db.session.commit()
    db.session.refresh(organiser)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
