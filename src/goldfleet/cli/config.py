"""``goldfleet validate`` and ``goldfleet schema``: check a desired-state configuration and
publish the JSON Schema that editors use to complete and check it."""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from goldfleet.api import configuration as config_api
from goldfleet.cli.output import console, err_console, print_json, styled
from goldfleet.config import ConfigurationError, LoadedConfiguration
from goldfleet.domain.configuration import Configuration


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def kind_counts(configuration: Configuration) -> dict[str, int]:
    return {
        "Tenant": len(configuration.tenants),
        "Gallery": len(configuration.galleries),
        "ImageDefinition": len(configuration.image_definitions),
        "ImagePipeline": len(configuration.pipelines),
        "HostPool": len(configuration.host_pools),
        "RolloutPolicy": len(configuration.rollout_policies),
        "Ring": len(configuration.rings),
    }


def summary(path: Path, loaded: LoadedConfiguration) -> dict[str, Any]:
    configuration = loaded.configuration
    pools = Counter(pool.tenant for pool in configuration.host_pools)
    return {
        "valid": True,
        "path": str(path),
        "files": list(loaded.files),
        "documents": loaded.documents,
        "counts": kind_counts(configuration),
        "tenants": [
            {
                "name": t.name,
                "displayName": t.display_name,
                "tenantId": t.tenant_id,
                "role": t.role.value,
                "timeZone": t.time_zone,
                "ring": t.ring,
                "subscriptions": len(t.subscriptions),
                "hostPools": pools[t.name],
            }
            for t in configuration.tenants
        ],
    }


def _print_summary(report: dict[str, Any]) -> None:
    files = len(report["files"])
    console.print(
        styled(
            "[green]valid:[/] {} ({} file{}, {} documents)",
            report["path"],
            files,
            "s" if files != 1 else "",
            report["documents"],
        )
    )
    kinds = Table("Kind", "Count", box=None)
    for kind, count in report["counts"].items():
        kinds.add_row(kind, str(count))
    console.print(kinds)
    tenants = Table("Tenant", "Display name", "Role", "Time zone", "Ring", "Pools", box=None)
    for t in report["tenants"]:
        tenants.add_row(
            t["name"],
            t["displayName"],
            t["role"],
            t["timeZone"],
            t["ring"] or "-",
            str(t["hostPools"]),
        )
    console.print(tenants)


def validate(
    path: Annotated[Path, typer.Argument(help="A configuration file or a directory of *.yaml.")],
    output: Annotated[
        OutputFormat, typer.Option("--output", "-o", help="table (people) or json (machines).")
    ] = OutputFormat.TABLE,
) -> None:
    """Validate a desired-state configuration; print a summary, or every problem (exit 1)."""
    try:
        loaded = config_api.validate_configuration(path)
    except ConfigurationError as error:
        if output is OutputFormat.JSON:
            print_json({"valid": False, "problems": [p.to_json() for p in error.problems]})
        else:
            for problem in error.problems:
                err_console.print(str(problem))
            err_console.print(styled("[bold red]error:[/] {}", error.summary))
            err_console.print(styled("[yellow]hint:[/] {}", error.hint))
        raise typer.Exit(error.exit_code) from None
    report = summary(path, loaded)
    if output is OutputFormat.JSON:
        print_json(report)
    else:
        _print_summary(report)


def schema(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the schema to this file, not stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of goldfleet's configuration documents (for editors)."""
    text = json.dumps(config_api.configuration_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {out}")
