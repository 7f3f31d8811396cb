"""``goldfleet dr sync|scale-out|drill|status``: the standby scale sets of host pools with a
DR region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

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
    from goldfleet.api import dr
else:
    (dr,) = api_modules("dr")

dr_app = typer.Typer(
    help="DR: standby scale sets in each pool's DR region: sync, scale-out, drill, status.",
    no_args_is_help=True,
)

PoolArgument = Annotated[str, typer.Argument(help="The (primary) host pool's name.")]


def _hosts(report: dict[str, Any]) -> None:
    for host in report.get("hosts") or []:
        ready = host["readyAfterSeconds"]
        after = f" after {ready / 60:.1f} min" if ready is not None else ""
        colour = "green" if host["healthy"] else "red"
        console.print(
            Text.assemble(
                "  ",
                (host["name"], colour),
                f": {host['status']}{' healthy' if host['healthy'] else ''}{after}",
            )
        )


def _scale_report(report: dict[str, Any]) -> None:
    console.print(
        styled(
            "[bold]{}[/] ({}, {}): {}, {} instances",
            report["scaleSet"],
            report["region"],
            report["version"].rsplit("/", 1)[-1],
            report["state"],
            report.get("capacity", report["capacityBefore"]),
        )
    )
    _hosts(report)
    if report.get("reason"):
        console.print(f"  {report['reason']}")


@dr_app.command("sync")
@waits
def sync(
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
    """Create the standby scale set (0 instances) or move its model to the newest promoted
    version replicated to the DR region."""
    report = dr.sync(config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool)
    emit(report, output, query, _scale_report)
    if report["state"] != "done":
        raise typer.Exit(1)


@dr_app.command("scale-out")
@waits
def scale_out(
    pool: PoolArgument,
    capacity: Annotated[int, typer.Argument(help="How many DR session hosts to run.")],
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Bring the standby scale set to CAPACITY instances, each registered and healthy in the DR
    host pool (0 scales it back in)."""
    report = dr.scale_out(
        config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool, capacity
    )
    emit(report, output, query, _scale_report)
    if report["state"] != "done":
        raise typer.Exit(1)


@dr_app.command("drill")
@waits
def drill(
    pool: PoolArgument,
    instances: Annotated[int, typer.Option(help="How many instances the drill makes.")] = 1,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Scale out, verify registration and health, scale back in, and report."""
    report = dr.drill(
        config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool, instances
    )

    def human(found: dict[str, Any]) -> None:
        colour = "green" if found["state"] == "passed" else "red"
        console.print(
            Text.assemble(
                styled(
                    "DR drill of [bold]{}[/] in {} ({}): ",
                    found["pool"],
                    found["region"],
                    found["version"].rsplit("/", 1)[-1],
                ),
                (found["state"], colour),
                f" in {found['minutes']} min; capacity {found['capacityBefore']} -> "
                f"{found['capacityBefore'] + found['instancesAsked']} -> {found['capacityAfter']}",
            )
        )
        _hosts(found)
        for problem in found["problems"]:
            console.print(styled("  [red]{}[/]", problem))

    emit(report, output, query, human)
    if report["state"] != "passed":
        raise typer.Exit(1)


@dr_app.command("status")
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
    """The standby scale set (model version, capacity, instances) and the DR pool's hosts."""
    found = dr.status(config_path(config), target(cloud, emulator, emulator_ca, state_dir), pool)

    def human(report: dict[str, Any]) -> None:
        if not report["exists"]:
            console.print(f"{report['scaleSet']}: not created (goldfleet dr sync)")
            return
        table = Table(
            title=f"{report['scaleSet']} in {report['region']}: {report['capacity']} instances, "
            f"model {str(report['version']).rsplit('/', 1)[-1]}",
            title_justify="left",
        )
        for column in ("session host", "status", "healthy"):
            table.add_column(column)
        for host in report["hosts"]:
            table.add_row(host["name"], str(host["status"]), str(host["healthy"]))
        console.print(table)

    emit(found, output, query, human)
