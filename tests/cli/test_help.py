"""Every command line's ``--help`` works: the Flask CLI, ``python -m solver`` and the bench."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from flask.cli import cli as flask_cli

import bench.__main__
import bench.load_client
import solver.__main__

ROOT = Path(__file__).resolve().parents[2]

# The Flask CLI: flask --app wsgi ...


@pytest.fixture
def help_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for ``wsgi``'s app, so reading help writes nothing into the work tree."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'help.sqlite3'}",
        "SECRET_KEY": "help-secret-key",
        "REDIS_URL": "",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def click_paths(group: click.Group, ctx: click.Context) -> Iterator[tuple[str, ...]]:
    """Every command under ``group``, depth first, as its path of names."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (name,)
        if isinstance(command, click.Group):
            sub = click.Context(command, parent=ctx, info_name=name)
            yield from ((name, *rest) for rest in click_paths(command, sub))


def flask_paths() -> list[tuple[str, ...]]:
    """Paths of every command ``flask --app wsgi`` offers: Flask's, Flask-Migrate's, Mingle's."""
    # Closing the context pops the app context that loading ``wsgi`` pushed; left pushed, it
    # would be the current app of every later test's CLI command.
    with click.Context(flask_cli, info_name="flask", obj=ScriptInfo(app_import_path="wsgi")) as ctx:
        return [(), *click_paths(flask_cli, ctx)]


def test_the_flask_cli_lists_mingles_commands(help_env: dict[str, str]) -> None:
    """The walk below sees the app's own commands and groups, not only Flask's built-ins."""
    paths = flask_paths()
    for expected in [("schedule", "build"), ("create-organiser",), ("db", "upgrade"), ("run",)]:
        assert expected in paths


def test_every_flask_command_has_help(help_env: dict[str, str]) -> None:
    """``flask --app wsgi [COMMAND ...] --help`` exits 0 with a usage line naming the command."""
    runner = CliRunner()
    for path in flask_paths():
        result = runner.invoke(flask_cli, ["--app", "wsgi", *path, "--help"], prog_name="flask")
        assert result.exit_code == 0, (path, result.output, result.exception)
        usage = " ".join(["Usage: flask", *path])
        assert usage in result.output, (path, result.output)


# The argparse command lines: python -m solver, python -m bench, python -m bench.load_client


class _Parsed(Exception):
    """Raised in place of parsing, to hand the parser a ``main`` built back to the test."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__()
        self.parser = parser


def argparse_paths(main: Callable[[list[str]], object]) -> list[tuple[str, ...]]:
    """Every sub-command path of the parser that ``main`` builds, the bare command first."""

    def stop(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        raise _Parsed(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(argparse.ArgumentParser, "parse_args", stop)
        try:
            main([])
        except _Parsed as parsed:
            parser = parsed.parser
        else:  # pragma: no cover - main always parses its arguments
            raise AssertionError(f"{main} parsed no arguments")

    def walk(p: argparse.ArgumentParser) -> Iterator[tuple[str, ...]]:
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield (name,)
                    yield from ((name, *rest) for rest in walk(sub))

    return [(), *walk(parser)]


MODULES = [
    ("solver", solver.__main__.main),
    ("bench", bench.__main__.main),
    ("bench.load_client", bench.load_client.main),
]


def test_solver_cli_has_its_sub_commands() -> None:
    """The parser walk finds ``solve``, ``check`` and ``place``, so the loop below covers them."""
    assert argparse_paths(solver.__main__.main) == [(), ("solve",), ("check",), ("place",)]


@pytest.mark.parametrize(("module", "main"), MODULES, ids=[m for m, _ in MODULES])
def test_every_python_m_command_has_help(module: str, main: Callable[[list[str]], int]) -> None:
    """``python -m MODULE [SUB ...] --help`` exits 0 with a usage line naming the command."""
    for path in argparse_paths(main):
        result = subprocess.run(
            [sys.executable, "-m", module, *path, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, (path, result.stderr)
        usage = " ".join(["usage: python -m", module, *path])
        assert result.stdout.startswith(usage), (path, result.stdout)
