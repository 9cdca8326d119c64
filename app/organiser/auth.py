"""The organiser's account pages: log in (rate-limited), log out everywhere, change password."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from app.extensions import limiter
from app.models.common import utcnow
from app.organiser.blueprint import bp, safe_next
from app.organiser.forms import ChangePasswordForm, LoginForm
from app.security import retry_later
from app.services.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    WrongPassword,
    attempt_login,
    change_password,
    end_sessions,
)
from app.services.scheduling.vocabulary import clean_text


def _login_limit() -> str:
    """The log-in rate limit, read per request so tests and deployments can set it."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_email() -> str:
    """The rate-limit key of a log-in: the e-mail typed, so many addresses cannot share out."""
    # Cleaned as the form cleans it, so "a\x01da@..." is the same key as "ada@...".
    return "email:" + clean_text(request.form.get("email", "")).lower()[:254]


def _login_failed(response: Response) -> bool:
    """Only refused log-ins count: a success redirects (302)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_login_limit, key_func=_login_email, methods=["POST"], deduct_when=_login_failed)
def login() -> ResponseReturnValue:
    """Log an organiser in with e-mail and password (rate-limited, locked after failures)."""
    if current_user.is_authenticated:
        return redirect(url_for("organiser.events"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = attempt_login(form.email.data, form.password.data)
        if result.organiser is not None:
            login_user(result.organiser)
            return redirect(safe_next(form.next.data) or url_for("organiser.events"))
        if result.locked_until is not None:
            return retry_later(max(1, int((result.locked_until - utcnow()).total_seconds())))
        flash("Wrong e-mail or password.", "error")
    return render_template("organiser/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out everywhere: every saved cookie of this account stops working."""
    organiser = current_user._get_current_object()
    logout_user()
    end_sessions(organiser)
    flash("You are logged out.", "success")
    return redirect(url_for("organiser.login"))


@bp.route("/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    """Change one's own password; every other session of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        organiser = current_user._get_current_object()
        try:
            change_password(organiser, form.current.data, form.new.data)
        except WrongPassword as refused:
            form.current.errors = [_sentence(refused)]
        except AccountError as refused:
            form.new.errors = [_sentence(refused)]
        else:
            login_user(organiser)  # this session carries on with the new session version
            flash("Your password is changed; other sessions are logged out.", "success")
            return redirect(url_for("organiser.events"))
    return render_template("organiser/password.html", form=form, min_length=MIN_PASSWORD_LENGTH)


def _sentence(error: Exception) -> str:
    """An error's message as a sentence: capital first, full stop last."""
    text = str(error)
    return text[:1].upper() + text[1:] + "."
