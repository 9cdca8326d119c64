"""Organiser accounts: creating them and checking passwords."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import Organiser
from solver.text import email_problem

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why, for the user."""


def create_organiser(email: str, password: str, name: str = "") -> Organiser:
    """Create an organiser with a hashed password; refuse bad or taken e-mails, short passwords."""
    email = email.strip().lower()
    if problem := email_problem(email):
        raise AccountError(f"{email!r} is not a valid e-mail address: {problem}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
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


def authenticate(email: str, password: str) -> Organiser | None:
    """The organiser whose e-mail and password match, else None (never says which was wrong)."""
    organiser = find_organiser(email)
    if organiser is None:
        # Hash anyway, so an unknown e-mail takes as long to refuse as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return None
    return organiser if organiser.check_password(password) else None


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
