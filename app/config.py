"""Settings read from the environment, so one build runs on a laptop and in production."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # 10 MiB: an attendee spreadsheet of thousands
SQLITE_FILENAME = "mingle.sqlite3"
SECRET_KEY_FILENAME = "secret_key"
DEFAULT_MAIL_FROM = "Mingle <no-reply@localhost>"
DEFAULT_SMTP_TIMEOUT = 10.0  # seconds per SMTP command, so a dead server cannot hang a request
TRUE_WORDS = ("1", "true", "yes", "on")
# Failed log-ins allowed per client address and, separately, per e-mail address.
DEFAULT_LOGIN_RATE_LIMIT = "5/minute;20/hour"
# Where schedule builds run: in the caller (the request or command waits for the result), in a
# thread of the web process, or on RQ workers. Unset: rq when REDIS_URL is set, else thread.
BUILD_RUNNERS = ("inline", "thread", "rq")


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver, the only one installed."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_production(environ: Mapping[str, str]) -> bool:
    """Whether ``MINGLE_ENV`` says this process serves real users."""
    return environ.get("MINGLE_ENV", "development").strip().lower() == "production"


def engine_options(url: str) -> dict[str, Any]:
    """SQLAlchemy engine options suited to the database behind ``url``."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # Fail fast instead of hanging /healthz when the server is unreachable.
        options["connect_args"] = {"connect_timeout": 5}
    elif url.startswith("sqlite"):
        # SQLite has one writer at a time: a request waits for a build's heartbeat or another
        # edit to commit (30 s) rather than fail with "database is locked" after pysqlite's 5 s.
        options["connect_args"] = {"timeout": 30}
    return options


def dev_secret_key(instance_path: str | os.PathLike[str]) -> str:
    """Return the development secret kept in the instance folder, creating it on first use.

    Persisting it keeps sessions valid across restarts of the development server.
    """
    path = Path(instance_path) / SECRET_KEY_FILENAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key


def _flag(value: str | None, default: bool) -> bool:
    """An on/off environment variable: 1/true/yes/on (any case) is on; unset is ``default``."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() in TRUE_WORDS


def build_runner(environ: Mapping[str, str]) -> str | None:
    """The ``BUILD_RUNNER`` setting, or None to let ``REDIS_URL`` decide when a build starts.

    Raises:
        ValueError: for a runner not in ``BUILD_RUNNERS``, or rq without ``REDIS_URL``.
    """
    runner = (environ.get("BUILD_RUNNER") or "").strip().lower()
    if not runner:
        return None
    if runner not in BUILD_RUNNERS:
        raise ValueError(f"BUILD_RUNNER must be one of {', '.join(BUILD_RUNNERS)}, not {runner!r}")
    if runner == "rq" and not environ.get("REDIS_URL"):
        raise ValueError("BUILD_RUNNER=rq needs REDIS_URL, the Redis the RQ workers read")
    return runner


DEFAULT_FOLLOWUP_DAYS = 14


def followup_days(environ: Mapping[str, str]) -> int:
    """``FOLLOWUP_DAYS``: how many days after its last round an event's follow-ups close.

    Raises:
        ValueError: not a whole number of days from 1 to 365.
    """
    raw = (environ.get("FOLLOWUP_DAYS") or "").strip()
    if not raw:
        return DEFAULT_FOLLOWUP_DAYS
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 365:
        raise ValueError(f"FOLLOWUP_DAYS must be a whole number of days from 1 to 365, not {raw!r}")
    return int(raw)


AGENDA_CACHES = ("redis", "memory", "off")
DEFAULT_AGENDA_CACHE_SIZE = 5000  # pages per process (about 12 kB each) in the memory cache


def agenda_cache(environ: Mapping[str, str]) -> str | None:
    """The ``AGENDA_CACHE`` setting, or None to let ``REDIS_URL`` decide (redis, else memory).

    Raises:
        ValueError: for a value not in ``AGENDA_CACHES``, or redis without ``REDIS_URL``.
    """
    raw = (environ.get("AGENDA_CACHE") or "").strip().lower()
    if not raw:
        return None
    if raw not in AGENDA_CACHES:
        raise ValueError(f"AGENDA_CACHE must be one of {', '.join(AGENDA_CACHES)}, not {raw!r}")
    if raw == "redis" and not environ.get("REDIS_URL"):
        raise ValueError("AGENDA_CACHE=redis needs REDIS_URL")
    return raw


def agenda_cache_size(environ: Mapping[str, str]) -> int:
    """``AGENDA_CACHE_SIZE``: how many agenda pages each process keeps in the memory cache."""
    raw = (environ.get("AGENDA_CACHE_SIZE") or "").strip()
    if not raw:
        return DEFAULT_AGENDA_CACHE_SIZE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1_000_000:
        raise ValueError(f"AGENDA_CACHE_SIZE must be a whole number from 1 to 1000000, not {raw!r}")
    return int(raw)


def smtp_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The ``SMTP_*`` and ``MAIL_FROM`` settings; without ``SMTP_HOST`` mail stays in the outbox.

    STARTTLS defaults to on when a user is set (a password never travels in clear unless
    ``SMTP_TLS=off`` says so), and the port to 587 with STARTTLS, else 25.
    """
    user = environ.get("SMTP_USER") or None
    tls = _flag(environ.get("SMTP_TLS"), default=user is not None)
    return {
        "SMTP_HOST": (environ.get("SMTP_HOST") or "").strip() or None,
        "SMTP_PORT": int(environ.get("SMTP_PORT") or (587 if tls else 25)),
        "SMTP_USER": user,
        "SMTP_PASSWORD": environ.get("SMTP_PASSWORD") or None,
        "SMTP_TLS": tls,
        "SMTP_TIMEOUT": float(environ.get("SMTP_TIMEOUT") or DEFAULT_SMTP_TIMEOUT),
        "MAIL_FROM": (environ.get("MAIL_FROM") or "").strip() or DEFAULT_MAIL_FROM,
    }


def from_environment(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Build the Flask config from environment variables (``SECRET_KEY`` is resolved later).

    Args:
        environ: usually ``os.environ``.
        instance_path: the app's instance folder, home of the default SQLite file.

    Returns:
        Flask config keys; ``SECRET_KEY`` is present only when the environment sets it.
    """
    default_db = "sqlite:///" + str(Path(instance_path) / SQLITE_FILENAME)
    database_url = normalise_database_url(environ.get("DATABASE_URL") or default_db)
    config: dict[str, Any] = {
        "MINGLE_ENV": "production" if is_production(environ) else "development",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": environ.get("REDIS_URL") or None,
        "BUILD_RUNNER": build_runner(environ),
        "FOLLOWUP_DAYS": followup_days(environ),
        "AGENDA_CACHE": agenda_cache(environ),
        "AGENDA_CACHE_SIZE": agenda_cache_size(environ),
        "PUBLIC_URL": (environ.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
        "MAX_CONTENT_LENGTH": int(environ.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_CONTENT_LENGTH),
        # How many proxies in front set X-Forwarded-For/-Proto/-Host (0: none, trust nothing).
        "TRUSTED_PROXIES": int(environ.get("TRUSTED_PROXIES") or 0),
        "LOGIN_RATE_LIMIT": (environ.get("LOGIN_RATE_LIMIT") or "").strip()
        or DEFAULT_LOGIN_RATE_LIMIT,
        **smtp_settings(environ),
        # Web Push: the contact push services see, and where the VAPID key is kept.
        "VAPID_SUBJECT": (environ.get("VAPID_SUBJECT") or "").strip() or None,
        "VAPID_KEY_FILE": (environ.get("VAPID_KEY_FILE") or "").strip() or None,
        # Push reminders' clock in the web process (without REDIS_URL); off: none runs there.
        "REMINDER_CLOCK": _flag(environ.get("REMINDER_CLOCK"), default=True),
    }
    # Cookies only over HTTPS once the public address is HTTPS.
    secure = config["PUBLIC_URL"].startswith("https://")
    config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
    )
    if environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = environ["SECRET_KEY"]
    return config
