"""``goldfleet worker ...``: run a durable-engine worker, list the workers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from goldfleet.api.session import emulator_clock as follow_emulator_clock
from goldfleet.cli.output import console, print_json
from goldfleet.engine.clock import Clock
from goldfleet.engine.settings import EngineSettings

app = typer.Typer(help="Durable-engine workers.", no_args_is_help=True)

# Modules that declare goldfleet's workflows; every worker imports them before it launches.
# Lifecycle stages add theirs here as they land.
WORKFLOW_MODULES: tuple[str, ...] = ("goldfleet.lifecycle",)

WorkerId = Annotated[
    str | None,
    typer.Option("--id", help="Stable worker id (default: $GOLDFLEET_WORKER_ID or worker-0)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(help="PostgreSQL URL (default: $GOLDFLEET_DATABASE_URL, else SQLite)."),
]
StateDir = Annotated[
    Path | None,
    typer.Option(help="Where the SQLite database lives (default: ~/.goldfleet/state)."),
]


@app.command()
def run(
    worker_id: WorkerId = None,
    module: Annotated[
        list[str] | None,
        typer.Option("--module", "-m", help="Also import this module of workflows (repeatable)."),
    ] = None,
    database_url: DatabaseUrl = None,
    state_dir: StateDir = None,
    emulator_clock: Annotated[
        str | None,
        typer.Option(help="Follow this emulator's simulated clock (its HTTPS endpoint)."),
    ] = None,
    emulator_ca: Annotated[
        Path | None,
        typer.Option(
            help="The emulator's CA bundle (with --emulator-clock); its control secret is read "
            "from $GOLDFLEET_EMULATOR_SECRET or the control-secret file beside it."
        ),
    ] = None,
) -> None:
    """Run a worker in the foreground until Ctrl+C or SIGTERM."""
    from goldfleet.engine.workers import run_worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    settings = EngineSettings.from_env(
        worker_id=worker_id, state_dir=state_dir, database_url=database_url
    )
    clock: Clock | None = None
    if emulator_clock:
        clock = follow_emulator_clock(emulator_clock, emulator_ca)

    def ready(_: object) -> None:
        mode = "sqlite" if settings.is_sqlite else "postgresql"
        console.print(
            f"worker {settings.worker_id} ready: {mode} {settings.redacted_url} "
            f"(goldfleet {settings.app_version})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )

    code = run_worker(
        settings, modules=[*WORKFLOW_MODULES, *(module or [])], clock=clock, on_ready=ready
    )
    if code:
        console.print(f"worker {settings.worker_id} was declared dead elsewhere and stopped")
        raise typer.Exit(code)


@app.command(name="list")
def list_workers(
    database_url: DatabaseUrl = None,
    state_dir: StateDir = None,
    output: Annotated[str, typer.Option("--output", "-o", help="table or json")] = "table",
) -> None:
    """Workers known to the database, with their last heartbeat."""
    from goldfleet.engine.heartbeat import Heartbeats

    heartbeats = Heartbeats(EngineSettings.from_env(state_dir=state_dir, database_url=database_url))
    try:
        rows = heartbeats.rows()
    finally:
        heartbeats.close()
    if output == "json":
        print_json([row.__dict__ for row in rows])
        return
    table = Table("worker", "state", "host", "pid", "version", "last seen", "recovered by")
    for row in rows:
        table.add_row(
            row.worker_id,
            row.state,
            row.host,
            str(row.pid),
            row.app_version,
            f"{row.seconds_since_seen:.0f} s ago",
            row.recovered_by or "",
        )
    console.print(table)
