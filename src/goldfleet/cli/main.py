"""The ``goldfleet`` command: the root Typer app, and the mapping of errors to exit codes
(0 ok, 1 error, 2 usage) with a message and a hint instead of a traceback."""

from __future__ import annotations

import sys

import typer

from goldfleet import __version__
from goldfleet.api import session
from goldfleet.cli import adoption as adoption_command
from goldfleet.cli import audit as audit_commands
from goldfleet.cli import builds as build_commands  # noqa: F401 (registers image capture)
from goldfleet.cli import changes as change_commands
from goldfleet.cli import config as config_commands
from goldfleet.cli import demo as demo_command
from goldfleet.cli import dr as dr_commands
from goldfleet.cli import emulator
from goldfleet.cli import images as image_commands
from goldfleet.cli import pools as pool_commands
from goldfleet.cli import status as status_commands
from goldfleet.cli import worker as worker_commands
from goldfleet.cli.output import console, err_console, print_error
from goldfleet.domain.errors import GoldfleetError

app = typer.Typer(
    name="goldfleet",
    help="Azure Virtual Desktop golden images across many tenants.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(emulator.app, name="emulator")
app.add_typer(worker_commands.app, name="worker")
app.command(name="demo")(demo_command.demo)
app.command(name="validate")(config_commands.validate)
app.command(name="schema")(config_commands.schema)
app.command(name="plan")(change_commands.plan)
app.command(name="apply")(change_commands.apply)
app.command(name="adopt")(adoption_command.adopt)
app.command(name="status")(status_commands.show_status)
app.add_typer(status_commands.tenant_app, name="tenant")
app.add_typer(audit_commands.audit_app, name="audit")
app.add_typer(image_commands.image_app, name="image")
app.add_typer(pool_commands.pool_app, name="pool")
app.add_typer(dr_commands.dr_app, name="dr")


@app.command()
def version() -> None:
    """Print goldfleet's version."""
    console.print(__version__)


def run() -> None:
    session.notes = lambda note: err_console.print(note, markup=False, highlight=False)
    try:
        app()
    except GoldfleetError as error:
        print_error(error)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
