"""A long-running server survives the report pages (CPython 3.11 crash, see ``app/gc_guard``).

On Python 3.11 without the guard, the second request for a sponsor report of the demo event
killed the process with a segmentation fault. A crash would take pytest down with it, so the
requests run in a child process and the test reads its exit status.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm.state import InstanceState

from app import gc_guard

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 40

# Serve the sponsor pages of every sponsor contact, REQUESTS rounds, in one process.
SERVE_REPORTS = """
import sys
from sqlalchemy import select
from app import create_app
from app.extensions import db
from app.models import SponsorContact

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "test-secret-key"})
with app.app_context():
    tokens = list(db.session.scalars(select(SponsorContact.token).order_by(SponsorContact.id)))

# A macro that reads a context variable ties the template context, and every mapped object in
# it, into a reference cycle that outlives the request: what the sponsor report page did when
# its figures still held Attendee and FollowUp objects.
from flask import render_template_string
from app.models import FollowUp
from app.sponsor.routes import sponsor_by_token

@app.get("/s/<token>/in-a-cycle")
def answers_in_a_cycle(token):
    contact = sponsor_by_token(token)
    event = contact.event
    answers = db.session.scalars(select(FollowUp).where(FollowUp.event_id == event.id)).all()
    return render_template_string(
        "{% macro note() %}{{ small_sample }}{% endmacro %}{{ answers|length }}"
        "{% for a in answers[:50] %}{{ a.attendee.company }}{% endfor %}",
        answers=answers,
        people=event.attendees,
        small_sample=10,
    )

client = app.test_client()
served = 0
for path in ("/in-a-cycle", "", "/answers/held", "/report.csv"):
    for _ in range(int(sys.argv[2])):
        response = client.get(f"/s/{tokens[served % len(tokens)]}{path}")
        assert response.status_code == 200, (path, response.status_code)
        served += 1
print(f"served {served} pages")
"""


def test_create_app_installs_the_guard_on_python_311_only(app: Flask) -> None:
    assert (sys.version_info[:2] == (3, 11)) == gc_guard.AFFECTED
    guarded = getattr(InstanceState.__init__, "mingle_guard", False)
    assert guarded == gc_guard.AFFECTED
    assert gc_guard.install() is False  # once is enough


def test_report_pages_survive_many_requests_in_one_process(
    runner: FlaskCliRunner, database_url: str
) -> None:
    """Many report requests in one server process: every one answers, the process lives."""
    made = runner.invoke(args=["demo", "--past", "--time-limit", "2"])
    assert made.exit_code == 0, made.output

    child = subprocess.run(
        [sys.executable, "-c", SERVE_REPORTS, database_url, str(REQUESTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert child.returncode == 0, f"exit {child.returncode}\n{child.stdout}\n{child.stderr}"
    assert f"served {4 * REQUESTS} pages" in child.stdout
