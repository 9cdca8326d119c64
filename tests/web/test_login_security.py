"""Log-in hardening (issue 11, items 11 and 12): rate limits, lockout with backoff, the
password policy, and sessions that end for real on logout and password change."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from redis import Redis

from app import create_app
from app.extensions import db
from app.models.common import utcnow
from app.services.accounts import AccountError, create_organiser, find_organiser
from tests.conftest import DEFAULT_PASSWORD, REDIS_URL, csrf_token

LOCK_AFTER = 5  # failed log-ins in a row that lock an account (accounts.LOCK_AFTER)


def log_in(client: FlaskClient, email: str, password: str):
    """POST the log-in form as a browser does (its CSRF token from the log-in page)."""
    with client.application.app_context():
        token = csrf_token(client, "/organiser/login")
    data = {"email": email, "password": password, "csrf_token": token}
    return send(client, "POST", "/organiser/login", data=data)


def send(client: FlaskClient, method: str, url: str, **options):
    """One request in an app context of its own, as a server gives each request: the
    logged-in user and the rate limiter's bookkeeping (on ``g``) are not carried over from
    the test's context."""
    with client.application.app_context():
        return client.open(url, method=method, **options)


def from_address(app: Flask, address: str) -> FlaskClient:
    """A client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


# Item 11: brute force


def test_brute_force_gets_429_and_then_the_right_password_is_refused(
    app: Flask, make_organiser
) -> None:
    """Wrong guesses, then 429 with a plain retry time; and the right password is refused too."""
    make_organiser(email="ada@example.org")
    client = app.test_client()
    for guess in range(LOCK_AFTER - 1):
        response = log_in(client, "ada@example.org", f"guess number {guess}")
        assert response.status_code == 200, guess
        assert "Wrong e-mail or password." in response.get_data(as_text=True)
    for guess in ("one more guess", "and another", DEFAULT_PASSWORD):
        refused = log_in(client, "ada@example.org", guess)
        assert refused.status_code == 429, guess
        page = refused.get_data(as_text=True)
        assert "Too many log-in attempts" in page and "Try again in" in page
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert send(client, "GET", "/organiser/events").status_code == 302


def test_the_per_email_limit_holds_across_addresses(app: Flask) -> None:
    """Guesses at one e-mail spread over client addresses meet the per-e-mail limit (5 a
    minute), even for an e-mail that has no account, so no answer tells them apart."""
    for guess in range(5):
        client = from_address(app, f"192.0.2.{guess + 1}")
        assert log_in(client, "nobody@example.org", f"guess number {guess}").status_code == 200
    other = from_address(app, "192.0.2.99")
    assert log_in(other, "nobody@example.org", "one more guess").status_code == 429
    # Another e-mail from that address is not held back.
    assert log_in(other, "somebody@example.org", "first guess here").status_code == 200


def test_the_per_email_limit_sees_through_invisible_characters(app: Flask) -> None:
    """``a\x01da@...`` and ``ADA@...`` reach the same account as ada@...: one limit for all."""
    spellings = ["a\x01da@example.org", "ad\x7fa@example.org", " ADA@example.org",
                 "ada\u200b@example.org".replace("\u200b", "\x02"), "Ada@Example.org"]  # fmt: skip
    for guess, spelling in enumerate(spellings):
        client = from_address(app, f"192.0.2.{guess + 1}")
        assert log_in(client, spelling, f"guess number {guess}").status_code == 200
    other = from_address(app, "192.0.2.99")
    assert log_in(other, "ada@example.org", "one more guess").status_code == 429


def test_the_per_address_limit_holds_across_emails(app: Flask) -> None:
    """One address guessing many e-mails meets the per-address limit."""
    client = from_address(app, "203.0.113.5")
    for guess in range(5):
        assert log_in(client, f"user{guess}@example.org", "some guess here").status_code == 200
    assert log_in(client, "user9@example.org", "some guess here").status_code == 429
    assert (
        log_in(from_address(app, "203.0.113.6"), "user9@example.org", "x" * 12).status_code == 200
    )


def test_successful_log_ins_do_not_use_up_the_limit(app: Flask, make_organiser) -> None:
    """An office that logs in often is never slowed: only refused log-ins count."""
    make_organiser(email="ada@example.org")
    for _ in range(8):
        client = app.test_client()
        assert log_in(client, "ada@example.org", DEFAULT_PASSWORD).status_code == 302


def test_lockout_refuses_the_right_password_and_backs_off(app_ctx, make_organiser) -> None:
    """After LOCK_AFTER failures the account is locked; each further failure doubles it."""
    from app.services.accounts import attempt_login

    make_organiser(email="ada@example.org")
    start = utcnow()
    for guess in range(LOCK_AFTER - 1):
        assert attempt_login("ada@example.org", f"guess {guess}", now=start).locked_until is None
    first = attempt_login("ada@example.org", "guess last", now=start).locked_until
    assert first == start + timedelta(minutes=1)
    during = attempt_login("ada@example.org", DEFAULT_PASSWORD, now=start + timedelta(seconds=30))
    assert during.organiser is None and during.locked_until == first
    later = start + timedelta(minutes=2)
    second = attempt_login("ada@example.org", "guess again", now=later).locked_until
    assert second == later + timedelta(minutes=2)
    much_later = later + timedelta(minutes=3)
    third = attempt_login("ada@example.org", "and again", now=much_later).locked_until
    assert third == much_later + timedelta(minutes=4)
    after = attempt_login("ada@example.org", DEFAULT_PASSWORD, now=third + timedelta(seconds=1))
    assert after.organiser is not None
    assert find_organiser("ada@example.org").failed_logins == 0


def test_parallel_guesses_cannot_pass_a_lock_not_written_yet(app: Flask, make_organiser) -> None:
    """16 wrong passwords at the same instant from 16 addresses: only LOCK_AFTER are checked,
    and the account is locked for the right password straight after (before, all 16 were
    checked, so one right guess among them would have logged in)."""
    make_organiser(email="ada@example.org")
    clients = [from_address(app, f"10.0.1.{i}") for i in range(16)]
    tokens = []
    for client in clients:
        with app.app_context():  # Flask-WTF keeps the token on g: one context per browser
            tokens.append(csrf_token(client, "/organiser/login"))
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def guess(i: int) -> None:
        barrier.wait()
        form = {"email": "ada@example.org", "password": f"wrong guess {i}", "csrf_token": tokens[i]}
        codes.append(send(clients[i], "POST", "/organiser/login", data=form).status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        assert find_organiser("ada@example.org").failed_logins == LOCK_AFTER, codes
        from app.services.accounts import attempt_login

        assert attempt_login("ada@example.org", DEFAULT_PASSWORD).organiser is None


def test_failures_are_forgotten_after_a_quiet_hour(app_ctx, make_organiser) -> None:
    """Someone who knows the e-mail cannot build up hour-long locks for good: after an hour
    of quiet past the last lock, the backoff starts again at one minute."""
    from app.services.accounts import attempt_login

    make_organiser(email="ada@example.org")
    moment = utcnow()
    for guess in range(LOCK_AFTER + 8):  # each failure after a lock has ended
        result = attempt_login("ada@example.org", f"guess {guess}", now=moment)
        moment = (result.locked_until or moment) + timedelta(seconds=1)
    longest = attempt_login("ada@example.org", "one more", now=moment).locked_until
    assert longest == moment + timedelta(hours=1)
    quiet = longest + timedelta(hours=1, seconds=1)
    assert attempt_login("ada@example.org", "after a quiet hour", now=quiet).locked_until is None
    assert find_organiser("ada@example.org").failed_logins == 1


def test_a_locked_account_shows_the_429_page(app: Flask, database_url: str, make_organiser) -> None:
    """With the rate limit off, the account lockout alone refuses the right password."""
    make_organiser(email="ada@example.org")
    unlimited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "no-limits",
            "SQLALCHEMY_DATABASE_URI": database_url,  # the database ``app`` migrated and filled
            "RATELIMIT_ENABLED": False,
        }
    )
    try:
        for guess in range(LOCK_AFTER - 1):
            response = log_in(unlimited.test_client(), "ada@example.org", f"guess {guess}")
            assert response.status_code == 200
        locked = log_in(unlimited.test_client(), "ada@example.org", "the fifth guess")
        assert locked.status_code == 429
        response = log_in(unlimited.test_client(), "ada@example.org", DEFAULT_PASSWORD)
        assert response.status_code == 429
        assert "Try again in" in response.get_data(as_text=True)
        assert 1 <= int(response.headers["Retry-After"]) <= 60
    finally:
        with unlimited.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.redis
def test_limits_are_kept_in_redis_when_redis_url_is_set(database_url: str) -> None:
    """With REDIS_URL set, the counts live in Redis, shared by every worker process."""
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception as exc:  # noqa: BLE001  (any connection failure)
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    address = f"198.18.{uuid.uuid4().int % 256}.{uuid.uuid4().int % 256}"  # keys of this test only
    settings = {
        "TESTING": True,
        "SECRET_KEY": "redis-limits",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": REDIS_URL,
    }
    apps = [create_app(settings), create_app(settings)]  # two worker processes
    try:
        assert apps[0].config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        for guess in range(5):  # alternately on each worker
            client = from_address(apps[guess % 2], address)
            response = log_in(client, email, f"guess number {guess}")
            assert response.status_code == 200, guess
        assert redis.keys(f"*{email}*"), "no rate-limit key in Redis"
        assert log_in(from_address(apps[1], address), email, "again").status_code == 429
    finally:
        for pattern in (f"*{email}*", f"*/{address}/*"):
            for key in redis.scan_iter(pattern):
                redis.delete(key)
        for one in apps:
            with one.app_context():
                db.session.remove()
                db.engine.dispose()


def test_without_redis_the_limits_are_in_memory(app: Flask) -> None:
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


# Item 11: password policy


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("aaaaaaaa", "ada@example.org", "at least 12 characters"),
        ("aaaaaaaaaaaaaaa", "ada@example.org", "at least 4 different characters"),
        ("1q2w3e4r5t6y", "ada@example.org", "most common"),
        ("QWERTY123456", "ada@example.org", "most common"),
        ("ada.lovelace@example.org", "Ada.Lovelace@example.org", "not be the e-mail"),
        ("ada.lovelace", "ada.lovelace@example.org", "not be the e-mail"),
        ("x" * 201, "ada@example.org", "at most 200"),
    ],
)
def test_weak_passwords_are_refused(password: str, email: str, problem: str) -> None:
    from app.services.accounts import password_problem

    assert problem in (password_problem(password, email) or "")


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Tulip-Rose-2030!", "löwe tiger bär"]
)
def test_reasonable_passwords_pass(password: str) -> None:
    from app.services.accounts import password_problem

    assert password_problem(password, "ada@example.org") is None


def test_create_organiser_applies_the_policy(app_ctx) -> None:
    with pytest.raises(AccountError, match="at least 12 characters"):
        create_organiser("ada@example.org", "aaaaaaaa")
    assert find_organiser("ada@example.org") is None


# Item 12: sessions end on logout and password change


def test_a_copied_cookie_stops_working_after_logout(app: Flask, make_organiser) -> None:
    """Copy the session cookie, log out, and the copy is refused: the session is over."""
    make_organiser(email="ada@example.org")
    browser = app.test_client()
    assert log_in(browser, "ada@example.org", DEFAULT_PASSWORD).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert send(thief, "GET", "/organiser/events").status_code == 200  # the copy works, before
    with app.app_context():
        token = csrf_token(browser, "/organiser/events")
    assert send(browser, "POST", "/organiser/logout", data={"csrf_token": token}).status_code == 302
    response = send(thief, "GET", "/organiser/events")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organiser/login")


def change(client: FlaskClient, current: str, new: str, repeat: str | None = None):
    """Send the change-password form."""
    with client.application.app_context():
        token = csrf_token(client, "/organiser/password")
    data = {"current": current, "new": new, "repeat": repeat or new, "csrf_token": token}
    return send(client, "POST", "/organiser/password", data=data)


def test_changing_the_password_ends_other_sessions_only(app: Flask, make_organiser) -> None:
    """The change-password page keeps this session, ends the others, and applies the policy."""
    make_organiser(email="ada@example.org")
    here, elsewhere = app.test_client(), app.test_client()
    for client in (here, elsewhere):
        assert log_in(client, "ada@example.org", DEFAULT_PASSWORD).status_code == 302
    page = send(here, "GET", "/organiser/password")
    assert page.status_code == 200 and "Change your password" in page.get_data(as_text=True)
    weak = change(here, DEFAULT_PASSWORD, "aaaaaaaa")
    assert "at least 12 characters" in weak.get_data(as_text=True)
    wrong = change(here, "not my password", "a brand new secret")
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    differ = change(here, DEFAULT_PASSWORD, "a brand new secret", "a brand new secreT")
    assert "The two new passwords differ." in differ.get_data(as_text=True)
    assert send(elsewhere, "GET", "/organiser/events").status_code == 200  # nothing changed yet
    assert change(here, DEFAULT_PASSWORD, "a brand new secret").status_code == 302
    assert send(here, "GET", "/organiser/events").status_code == 200
    assert send(elsewhere, "GET", "/organiser/events").status_code == 302
    assert log_in(app.test_client(), "ada@example.org", DEFAULT_PASSWORD).status_code == 200
    assert log_in(app.test_client(), "ada@example.org", "a brand new secret").status_code == 302


def test_cli_set_password_applies_the_policy_and_ends_sessions(
    app: Flask, runner: FlaskCliRunner, make_organiser
) -> None:
    """`flask organisers set-password` refuses weak passwords and logs every session out."""
    make_organiser(email="ada@example.org")
    browser = app.test_client()
    assert log_in(browser, "ada@example.org", DEFAULT_PASSWORD).status_code == 302
    command = ["organisers", "set-password", "--password-stdin"]
    weak = runner.invoke(args=[*command, "ada@example.org"], input="aaaaaaaa\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    unknown = runner.invoke(args=[*command, "nobody@example.org"], input="a new secret\n")
    assert unknown.exit_code == 1 and "no organiser" in unknown.output
    done = runner.invoke(args=[*command, "ADA@example.org"], input="a brand new secret\n")
    assert done.exit_code == 0, done.output
    assert send(browser, "GET", "/organiser/events").status_code == 302
    assert log_in(app.test_client(), "ada@example.org", "a brand new secret").status_code == 302


def test_an_old_style_session_cookie_is_refused(app: Flask, login_as, make_organiser) -> None:
    """A cookie made before session versions (the bare id) no longer logs anyone in."""
    organiser = make_organiser()
    client = login_as(organiser)
    assert send(client, "GET", "/organiser/events").status_code == 200
    with client.session_transaction() as session:
        session["_user_id"] = str(organiser.id)
    assert send(client, "GET", "/organiser/events").status_code == 302


def test_the_tests_lock_after_matches_the_service() -> None:
    from app.services.accounts import LOCK_AFTER as SERVICE_LOCK_AFTER

    assert SERVICE_LOCK_AFTER == LOCK_AFTER
