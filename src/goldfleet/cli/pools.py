"""``goldfleet pool rollout|rollback|preflight|status``: re-imaging host pools."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from goldfleet.cli.common import (
    CloudOption,
    ConfigOption,
    EmulatorCaOption,
    EmulatorOption,
    StateDirOption,
    WaitOption,
    config_path,
    target,
    waits,
)
from goldfleet.cli.lazy import api_modules
from goldfleet.cli.output import Output, OutputOption, QueryOption, console, emit, styled

if TYPE_CHECKING:
    from goldfleet.api import pool_status, rollouts
else:
    pool_status, rollouts = api_modules("pool_status", "rollouts")

pool_app = typer.Typer(
    help="Host pools: rollouts, rollback, preflight, status.", no_args_is_help=True
)

PoolArgument = Annotated[str, typer.Argument(help="The host pool's name in the configuration.")]
VersionOption = Annotated[
    str | None,
    typer.Option(help="The image version (default: the newest the pool may run)."),
]


def _report(report: dict[str, Any]) -> None:
    console.print(
        styled(
            "[bold]{}[/]: {}",
            report["pool"],
            f"{report['state']} - created {len(report['created'])}, retired "
            f"{len(report['retired'])}, failed {len(report['failed'])}, forced logoffs "
            f"{report['forcedLogoffs']}, windows waited {report['windowsWaited']}",
        )
    )
    for host, why in report["failed"].items():
        console.print(styled("  [red]{}[/]: {}", host, why))
    if report.get("reason"):
        console.print(f"  {report['reason']}")


@pool_app.command("rollout")
@waits
def rollout(
    pool: PoolArgument,
    version: VersionOption = None,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Re-image a pool's session hosts to its image version, in its maintenance windows."""
    report = rollouts.roll_out(
        config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool, version
    )
    emit(report, output, query, _report)
    if report["state"] not in ("done",):
        raise typer.Exit(1)


@pool_app.command("rollback")
@waits
def rollback(
    pool: PoolArgument,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Bring back the hosts a rollout kept deallocated, and take out those that replaced them."""
    report = rollouts.roll_back(
        config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool
    )
    emit(report, output, query, _report)
    if report["state"] != "done":
        raise typer.Exit(1)


@pool_app.command("preflight")
def preflight(
    pool: PoolArgument,
    version: VersionOption = None,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Check free IPs, vCPU quota, replication and the registration token before a rollout."""
    found = rollouts.preflight(
        config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool, version
    )

    def human(report: dict[str, Any]) -> None:
        if report["ok"]:
            console.print(styled("[green]{}: ready[/] for {}", report["pool"], report["version"]))
        for problem in report["problems"]:
            console.print(
                styled(
                    "[red]{}[/]: {}\n  fix: {}", problem["check"], problem["text"], problem["fix"]
                )
            )

    emit(found, output, query, human)
    if not found["ok"]:
        raise typer.Exit(1)


@pool_app.command("status")
def status(
    pool: PoolArgument,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """The pool's hosts, their state and their drift from the version the pool should run."""
    found = pool_status.pool_status(
        config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool
    )

    def human(report: dict[str, Any]) -> None:
        table = Table(title=f"{report['pool']} ({report['version']})", title_justify="left")
        for column in ("host", "power", "status", "sessions", "version", "drift"):
            table.add_column(column)
        for row in report["hosts"]:
            table.add_row(
                row["name"],
                str(row["power"] or ""),
                str(row["status"]),
                str(row["sessions"]),
                row["version"],
                "; ".join(row["drift"]),
            )
        console.print(table)

    emit(found, output, query, human)
