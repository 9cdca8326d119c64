"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import CursorResult, MetaData, Result
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names: Alembic can only alter or drop a constraint it can name, and
# SQLite batch mode rebuilds tables by name. Same names on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Mingle model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    Model = Base  # db.Model is made at run time; type checkers see the base it extends
else:
    Model = db.Model


def rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE run through ``db.session.execute``.

    Such a statement's result is a ``CursorResult``, but the session types it as a plain one.
    """
    return cast("CursorResult[Any]", result).rowcount


# Batch mode lets SQLite run ALTER TABLE migrations; PostgreSQL is unaffected.
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits by client address (behind a proxy: as ProxyFix reads it, see TRUSTED_PROXIES); the
# store is Redis when REDIS_URL is set, so every worker process counts together.
limiter = Limiter(key_func=get_remote_address)
# Rendered attendee agenda pages (app/services/attendees/agenda_cache.py): on Redis when
# REDIS_URL is set, so every worker shares them, else in each process's memory.
agenda_pages = Cache()


login_manager.login_view = "organiser.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "warning"


@login_manager.user_loader
def load_organiser(user_id: str) -> object | None:
    """The logged-in organiser for the id kept in the session, or None (anonymous)."""
    from app.models.organiser import Organiser  # here: the models import this module

    organiser_id, _, version = user_id.partition(".")
    if not (organiser_id.isascii() and organiser_id.isdigit()):
        return None
    if not (version.isascii() and version.isdigit()):
        return None  # a cookie from before session versions, or forged: log in again
    organiser = db.session.get(Organiser, int(organiser_id))
    # A logout or password change elsewhere bumped the version: this cookie is dead.
    if organiser is None or organiser.session_version != int(version):
        return None
    return organiser
