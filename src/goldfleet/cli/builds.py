"""``goldfleet image capture | build | build-log | schedule | sweep``: making image versions from
a master VM or with Image Builder, on demand or on schedule, reading a build's log, and removing
what an interrupted build left behind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from goldfleet.api.session import clock_for
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
from goldfleet.cli.images import image_app
from goldfleet.cli.lazy import api_modules
from goldfleet.cli.output import Output, OutputOption, QueryOption, console, emit, styled

if TYPE_CHECKING:
    from goldfleet.api import builds, scheduling
else:
    builds, scheduling = api_modules("builds", "scheduling")

EXIT_FAILED = 1
EXIT_BLOCKED = 3


def _report(report: dict[str, Any] | None) -> None:
    if not report:
        return
    findings = report.get("findings") or []
    if not findings:
        console.print(styled("Pre-sysprep checks: [green]all clear[/]"))
        return
    console.print("Pre-sysprep checks:")
    for f in findings:
        console.print(
            styled(
                "  [red]blocks[/] {}: {}" if f["blocks"] else "  [yellow]warns[/] {}: {}",
                f["check"],
                f["found"],
            )
        )
        console.print(f"         why: {f['why']}")
        console.print(f"         fix: {f['fix']}")


def _build_view(d: dict[str, Any]) -> None:
    colour = {"succeeded": "green", "blocked": "yellow", "failed": "red"}.get(d["state"], "white")
    console.print(Text.assemble(f"Build {d['build']} ({d['builder']}): ", (d["state"], colour)))
    _report(d.get("report"))
    for step in d.get("steps") or []:
        console.print(f"  step {step['name']}: exit {step.get('exitCode')}")
    if d.get("error"):
        console.print(f"  error: {d['error']}")
    if d.get("release"):
        console.print(f"  release {d['release']}: {d.get('stage')}")
    if d.get("cleanedUp") is not None:  # captures and direct builds; a template always goes
        console.print(
            f"  temporary resource group removed: {'yes' if d['cleanedUp'] else 'gone already'}"
        )


@image_app.command("capture")
@waits
def capture(
    pipeline: Annotated[str, typer.Argument(help="Image pipeline with a masterVm source.")],
    override_checks: Annotated[
        str | None,
        typer.Option(help="Capture despite blocking pre-sysprep checks; the reason is audited."),
    ] = None,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Capture the pipeline's master VM (left untouched) into a new version and distribute it.
    Exit code 3: blocked by the pre-sysprep checks; 1: the capture failed."""
    result = builds.capture(
        config_path(config),
        target(cloud, emulator, emulator_ca, state_dir),
        pipeline,
        override=override_checks,
    )
    emit(result.to_json(), output, query, _build_view)
    if result.state == "blocked":
        raise typer.Exit(EXIT_BLOCKED)
    if result.state != "succeeded":
        raise typer.Exit(EXIT_FAILED)


@image_app.command("sweep")
def sweep(
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Remove temporary resource groups (tag goldfleet-temporary) no running build owns."""
    removed = builds.sweep(config_path(config), target(cloud, emulator, emulator_ca, state_dir))

    def show(groups: list[str]) -> None:
        console.print(f"Removed {len(groups)} temporary resource group(s)")
        for group in groups:
            console.print(f"  {group}")

    emit(removed, output, query, show)


@image_app.command("build")
@waits
def build(
    pipeline: Annotated[str, typer.Argument(help="Image pipeline to build now.")],
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Build a new version of the pipeline with Azure VM Image Builder and distribute it.
    Exit code 1: the build failed (its customization log is in the build record)."""
    result = builds.build(
        config_path(config), target(cloud, emulator, emulator_ca, state_dir), pipeline
    )
    emit(result.to_json(), output, query, _build_view)
    if result.state != "succeeded":
        raise typer.Exit(EXIT_FAILED)


@image_app.command("build-log")
def build_log(
    build_id: Annotated[str, typer.Argument(help="The build's id (pipeline@YYYYmmddTHHMMSSZ).")],
    state_dir: StateDirOption = None,
) -> None:
    """Print a build's log: Image Builder's customization log, or a capture's check report."""
    target(None, None, None, state_dir)
    record = builds.build_record(build_id)
    typer.echo(record.log or f"(build {build_id} has no log: {record.error or record.status})")


@image_app.command("schedule")
@waits
def schedule(
    watch: Annotated[
        float | None,
        typer.Option(help="Look again every this many minutes (of the cloud's clock)."),
    ] = None,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Build every scheduled pipeline that is due now; report pipelines that keep failing."""
    where = target(cloud, emulator, emulator_ca, state_dir)
    while True:
        tick = scheduling.tick(config_path(config), where)
        emit(tick.to_json(), output, query, _tick_view)
        if watch is None:
            return
        clock_for(where).sleep(watch * 60)


def _tick_view(d: dict[str, Any]) -> None:
    console.print(f"Schedule at {d['at']}: {len(d['due'])} build(s) due")
    for item in d["due"]:
        console.print(f"  {item['pipeline']}: {item['reason']}")
    for result in d["builds"]:
        _build_view(result)
    for name, error in d["errors"].items():
        console.print(styled("  [red]{}[/]: {}", name, error))
    for name, warning in d["failing"].items():
        console.print(styled("  [yellow]failing[/] {}: {}", name, warning))
