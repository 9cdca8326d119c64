"""Printing from the command line: badges, agendas with follow-up forms, table signs (PDF)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cli.common import event_by_slug
from app.models import Attendee, Event
from app.services.printing.agendas import render_agendas
from app.services.printing.badges import DEFAULT_LAYOUT, LAYOUTS, render_badges
from app.services.printing.data import (
    NothingPublished,
    agenda_data,
    attendees_to_print,
    badge_data,
    record_badges_printed,
    table_sign_data,
)
from app.services.printing.signs import render_table_signs


def _write_pdf(out: Path, data: bytes, what: str) -> None:
    """Write ``data`` to ``out`` and say what it holds."""
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {what} to {out} ({len(data) / 1024:,.0f} KiB).")


def _printable_attendees(event: Event, emails: tuple[str, ...]) -> list[Attendee]:
    """The attendees with these e-mails (all when none), or exit 1 naming the unknown ones."""
    try:
        return attendees_to_print(event, emails)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc


PDF_OUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("badges")
@click.argument("slug")
@click.option("--out", type=PDF_OUT, required=True, help="The PDF file to write.")
@click.option(
    "--layout",
    type=click.Choice(sorted(LAYOUTS)),
    default=DEFAULT_LAYOUT,
    show_default=True,
    help="Sheet: a6 (one badge per A6 card), a4-2x4 (8 labels of 99.1 x 67.7 mm), "
    "letter-2x3 (6 badges of 4 x 3 in).",
)
@click.option(
    "--attendee",
    "emails",
    multiple=True,
    metavar="EMAIL",
    help="Only this attendee's badge (repeatable), e.g. to reprint a lost one.",
)
@click.option("--duplex", is_flag=True, help="Print each badge's meetings on the sheet's back.")
@with_appcontext
def badges_command(
    slug: str, out: Path, layout: str, emails: tuple[str, ...], duplex: bool
) -> None:
    """Write print-ready badges, each with a QR code opening the attendee's agenda."""
    event = event_by_slug(slug)
    attendees = _printable_attendees(event, emails)
    if not attendees:
        raise click.ClickException(f"{event.slug} has no attendees to print badges for")
    try:
        data = render_badges(badge_data(event, attendees, duplex), layout, duplex)
    except NothingPublished as exc:
        raise click.ClickException(f"--duplex prints the agenda: {exc}") from exc
    sheets = LAYOUTS[layout].pages(len(attendees)) * (2 if duplex else 1)
    _write_pdf(out, data, f"{len(attendees)} badge(s) on {sheets} {layout} page(s)")
    if not emails:  # a reprint of a few badges is not the event's print run
        record_badges_printed(event)


@click.command("agendas")
@click.argument("slug")
@click.option("--out", type=PDF_OUT, required=True, help="The PDF file to write.")
@click.option("--attendee", "email", metavar="EMAIL", help="Only this attendee's agenda.")
@with_appcontext
def agendas_command(slug: str, out: Path, email: str | None) -> None:
    """Write printed agendas of the published schedule with paper follow-up forms."""
    event = event_by_slug(slug)
    attendees = _printable_attendees(event, (email,) if email else ())
    try:
        agendas = agenda_data(event, attendees[0]) if email else agenda_data(event)
    except NothingPublished as exc:
        raise click.ClickException(str(exc)) from exc
    _write_pdf(out, render_agendas(agendas), f"{len(agendas)} agenda(s)")


@click.command("table-signs")
@click.argument("slug")
@click.option("--out", type=PDF_OUT, required=True, help="The PDF file to write.")
@with_appcontext
def table_signs_command(slug: str, out: Path) -> None:
    """Write one sign per table in use: who sits there in each round of the published schedule."""
    event = event_by_slug(slug)
    try:
        signs = table_sign_data(event)
    except NothingPublished as exc:
        raise click.ClickException(str(exc)) from exc
    _write_pdf(out, render_table_signs(signs), f"{len(signs)} table sign(s)")
