"""Flask CLI commands of FORMATS.md section 5: organisers, events, attendees, schedules, demo,
and printing (badges, agendas, table signs).

Exit codes follow the solver's command line: 0 on success, 1 for a wrong argument (an unknown
slug, a bad file) or a build that crashed, 2 when the hard rules cannot all hold.
"""

from __future__ import annotations

from flask import Flask

from app.cli.attendees import attendees_cli
from app.cli.demo import demo_command
from app.cli.events import events_cli
from app.cli.organisers import create_organiser_command, organisers_cli
from app.cli.printing import agendas_command, badges_command, table_signs_command
from app.cli.schedule import schedule_cli, worker_command


def register_cli(app: Flask) -> None:
    """Add Mingle's commands to ``flask``."""
    app.cli.add_command(create_organiser_command)
    app.cli.add_command(organisers_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(attendees_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(badges_command)
    app.cli.add_command(agendas_command)
    app.cli.add_command(table_signs_command)
