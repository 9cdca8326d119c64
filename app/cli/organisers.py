"""Organiser accounts: create one, give one a new password."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.services.accounts import AccountError, create_organiser, find_organiser, set_password

organisers_cli = AppGroup("organisers", help="Manage organiser accounts.")


@click.command("create-organiser")
@click.argument("email")
@click.option("--name", default="", help="Name shown in the app (default: from the e-mail).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def create_organiser_command(email: str, name: str, password_stdin: bool) -> None:
    """Create an organiser account that can log in to the web app."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        organiser = create_organiser(email, password, name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created organiser {organiser.email}.")


@organisers_cli.command("set-password")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def organisers_set_password(email: str, password_stdin: bool) -> None:
    """Give an organiser a new password; every session they have is logged out."""
    organiser = find_organiser(email)
    if organiser is None:
        raise click.ClickException(f"no organiser has the e-mail {email.strip().lower()}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(organiser, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Password changed for {organiser.email}; their sessions are logged out.")
