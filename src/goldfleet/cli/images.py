"""``goldfleet image version ...``: releases - create and distribute, list as a matrix, show,
promote, retire."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from goldfleet.api.session import waiting
from goldfleet.cli.common import (
    WAIT_FOREVER,
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
from goldfleet.cli.output import Output, OutputOption, QueryOption, console, emit
from goldfleet.domain.errors import UserInputError

if TYPE_CHECKING:
    from goldfleet.api import images, promotion, provenance, retention
else:
    images, promotion, provenance, retention = api_modules(
        "images", "promotion", "provenance", "retention"
    )

image_app = typer.Typer(help="Golden images.", no_args_is_help=True)
version_app = typer.Typer(help="Image versions (releases).", no_args_is_help=True)
image_app.add_typer(version_app, name="version")

COLOURS = {
    "Completed": "green",
    "Replicating": "yellow",
    "Queued": "dim",
    "Failed": "red",
    "Skipped": "dim",
    "Unreachable": "red",
    "PartiallyFailed": "red",
}


def _matrix(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Image versions", title_justify="left")
    for column in ("version", "stage", "tenant", "target", "region", "state"):
        table.add_column(column)
    for row in rows:
        state = row["state"] or ""
        colour = COLOURS.get(state, "white")
        table.add_row(
            row["version"],
            row["stage"],
            row["tenant"] or "",
            row["target"],
            row["region"] or "-",
            Text(state, style=colour),
        )
    console.print(table)


def _outcome_table(d: dict[str, Any]) -> None:
    if d.get("continued"):
        console.print(f"Continued release {d['release']}: it was requested before.")
    console.print(f"Release {d['release']}: {d.get('stage', '?')}")
    for name, outcome in d["targets"].items():
        extra = (
            outcome.get("fix")
            or outcome.get("reason")
            or ", ".join(outcome.get("failedRegions", []))
        )
        console.print(f"  {name}: {outcome['state']} {extra or ''}")


@version_app.command("create")
def create(
    pipeline: Annotated[
        str, typer.Argument(help="Image pipeline (its name in the configuration).")
    ],
    source: Annotated[
        str, typer.Option(help="Managed image or gallery image version to start from.")
    ],
    version: Annotated[
        str | None, typer.Option(help="Version name (default: the pipeline's scheme).")
    ] = None,
    end_of_life: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="End-of-life date of the version (YYYY-MM-DD)."),
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
    """Create a version from a source and distribute it to every region and tenant. The same
    request again (same pipeline and source, and the same --version or, without one, the same
    day) continues the release it made instead of making another: after a crash, run it
    again."""
    with waiting(WAIT_FOREVER if wait else None):
        result = images.create_release(
            config_path(config),
            target(cloud, emulator, emulator_ca, state_dir),
            pipeline,
            source,
            version,
            end_of_life=end_of_life.date() if end_of_life else None,
        )
    data = {
        "release": result.release_id,
        "version": result.version,
        "continued": result.resumed,
        **result.outcome,
    }
    emit(data, output, query, _outcome_table)


@version_app.command("replicate")
def replicate(
    release: Annotated[str, typer.Argument(help="pipeline:version")],
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Distribute a release again: retry failed regions, reach tenants fixed or added since."""
    with waiting(WAIT_FOREVER if wait else None):
        result = images.replicate_release(
            config_path(config), target(cloud, emulator, emulator_ca, state_dir), release
        )
    data = {"release": result.release_id, "version": result.version, **result.outcome}
    emit(data, output, query, _outcome_table)


@version_app.command("list")
def list_versions(
    pipeline: Annotated[str | None, typer.Option(help="Only this pipeline's releases.")] = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    state_dir: StateDirOption = None,
) -> None:
    """Every release as a matrix: version x target x region, with its stage."""
    target(None, None, None, state_dir)
    emit(images.release_matrix(pipeline), output, query, _matrix)


def _tags_reader(
    config: Path | None,
    cloud: str | None,
    emulator: str | None,
    emulator_ca: Path | None,
    state_dir: Path | None,
) -> provenance.TagsReader | None:
    """Read versions' tags from Azure only when a configuration is named."""
    if config is None:
        return None
    return provenance.version_tags_reader(config, target(cloud, emulator, emulator_ca, state_dir))


@version_app.command("show")
def show(
    release: Annotated[str, typer.Argument(help="pipeline:version")],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Read the version's tags from Azure when the store lacks them."
        ),
    ] = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """One release: stage, targets, regions, lineage, validation, and its provenance."""
    target(None, None, None, state_dir)
    reader = _tags_reader(config, cloud, emulator, emulator_ca, state_dir)
    try:
        data: dict[str, Any] = images.show_release(release)
    except UserInputError:
        data = {"release": release}  # a version with provenance but no release record yet
        data["provenance"] = provenance.show_version_provenance(release, reader)
    else:
        try:
            data["provenance"] = provenance.show_version_provenance(release, reader)
        except UserInputError as missing:
            data["provenance"] = None
            data["provenanceMissing"] = missing.message
    emit(data, output if output is not Output.TABLE else Output.YAML, query)


@version_app.command("promote")
@waits
def promote(
    release: Annotated[str, typer.Argument(help="pipeline:version")],
    override_validation: Annotated[
        bool, typer.Option(help="Promote a release that was not validated.")
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why (required with --override-validation; audited).")
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
    """Make a validated release the one production hosts get as "latest"."""
    if override_validation and not reason:
        raise typer.BadParameter("--override-validation needs --reason")
    data = promotion.promote_release(
        config_path(config),
        target(cloud, emulator, emulator_ca, state_dir),
        release,
        reason if override_validation else None,
    )
    emit(
        data,
        output,
        query,
        lambda d: console.print(f"Promoted {d['release']} in {len(d['promoted'])} galleries."),
    )


@version_app.command("retire")
@waits
def retire(
    pipeline: Annotated[str, typer.Argument(help="Image pipeline whose old versions go.")],
    keep: Annotated[
        int | None,
        typer.Option(help="Newest versions kept per target (default: the pipeline's keepLast)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Only show what would be kept and deleted.")
    ] = False,
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Show what retention keeps and why, and delete the rest (with --yes, or when confirmed)."""
    where = target(cloud, emulator, emulator_ca, state_dir)
    path = config_path(config)
    rows = retention.retention_plan(path, where, pipeline, keep)

    def table(r: list[dict[str, Any]]) -> None:
        kept = f"keep {keep}" if keep is not None else "its policy"
        t = Table(title=f"Retention for {pipeline} ({kept})", title_justify="left")
        for column in ("tenant", "target", "version", "action", "why"):
            t.add_column(column)
        for row in r:
            t.add_row(row["tenant"], row["target"], row["version"], row["action"], row["why"])
        console.print(t)

    if dry_run or not any(r["action"] in ("delete", "deprecate") for r in rows):
        emit(rows, output, query, table)
        return
    if not yes:
        table(rows)
        if not typer.confirm("Delete (and set end-of-life dates) as shown?"):
            raise typer.Exit(1)
    emit(retention.retire(path, where, pipeline, keep), output, query, table)


def _differences(d: dict[str, Any]) -> None:
    differences = d["differences"]
    if not differences:
        console.print(f"{d['a']} and {d['b']} were made the same way.")
        return
    title = f"{d['a']} -> {d['b']}"
    table = Table(title=title, title_justify="left")
    for column in ("kind", "what", "before", "after"):
        table.add_column(column)
    for row in differences:
        after = row["after"] or ""
        if row["details"]:
            after = "; ".join(row["details"])
        table.add_row(row["kind"], row["subject"], row["before"] or "", after)
    console.print(table)


@image_app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="The older version, pipeline:version.")],
    b: Annotated[str, typer.Argument(help="The newer version, pipeline:version.")],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Read versions' tags from Azure when the store lacks them."
        ),
    ] = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """How two image versions were made differently: source, builder, customizations."""
    target(None, None, None, state_dir)
    reader = _tags_reader(config, cloud, emulator, emulator_ca, state_dir)
    emit(provenance.diff_versions(a, b, reader), output, query, _differences)


__all__ = ["image_app"]
