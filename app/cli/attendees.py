"""Importing attendees from a CSV or XLSX file."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import event_by_slug
from app.services.attendees.importing import ImportPreview, apply_import, preview_import

attendees_cli = AppGroup("attendees", help="Import attendees.")


@attendees_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
def attendees_import(slug: str, file: Path, dry_run: bool) -> None:
    """Import or update attendees from a CSV or XLSX file (upsert by e-mail)."""
    event = event_by_slug(slug)
    preview = preview_import(event, file.read_bytes(), file.name)
    if not preview.ok:
        click.echo(
            f"{file.name}: {len(preview.problems)} problem(s); nothing was imported.", err=True
        )
        for problem in preview.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"Dry run, nothing written: {preview.counts()}.")
        _echo_meetings(preview, would=True)
        return
    result = apply_import(event, preview)
    click.echo(f"Imported {file.name} into {event.slug}: {result.summary()}.")
    _echo_meetings(preview, would=False)


def _echo_meetings(preview: ImportPreview, would: bool) -> None:
    """Tell which meetings the changes break: removed from the draft, or kept in the published."""
    removed = preview.impact.removed
    if removed:
        verb = "would remove" if would else "removed"
        click.echo(f"Changes {verb} {len(removed)} meeting(s) that now break a rule:")
        for conflict in removed:
            click.echo(f"  {conflict}")
    published = preview.impact.published
    if published:
        click.echo(
            f"Warning: the published schedule keeps {len(published)} meeting(s) that now break a "
            "rule; build and publish a new version:",
            err=True,
        )
        for conflict in published:
            click.echo(f"  {conflict}", err=True)
