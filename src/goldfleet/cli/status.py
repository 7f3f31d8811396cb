"""``goldfleet status`` and ``goldfleet tenant list|show`` (the audit trail: ``cli.audit``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from goldfleet.cli.common import (
    CloudOption,
    ConfigOption,
    EmulatorCaOption,
    EmulatorOption,
    StateDirOption,
    config_path,
    target,
)
from goldfleet.cli.lazy import api_modules
from goldfleet.cli.output import Output, OutputOption, QueryOption, emit, print_rows
from goldfleet.domain.errors import UserInputError

if TYPE_CHECKING:
    from goldfleet.api import status
else:
    (status,) = api_modules("status")

tenant_app = typer.Typer(help="Tenants of the configuration.", no_args_is_help=True)


def show_status(
    output: Output = OutputOption,
    query: str | None = QueryOption,
    limit: Annotated[int, typer.Option(help="How many workflows to list.")] = 50,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """What is in flight (and what ran last) on the durable engine."""
    rows = status.workflows(target(cloud, emulator, emulator_ca, state_dir), limit)
    emit(
        rows,
        output,
        query,
        lambda r: print_rows(r, ["id", "workflow", "state", "worker", "created"], "Workflows"),
    )


@tenant_app.command("list")
def tenant_list(
    config: ConfigOption = None, output: Output = OutputOption, query: str | None = QueryOption
) -> None:
    """Tenants in the configuration."""
    rows = status.tenants(config_path(config))
    emit(
        rows,
        output,
        query,
        lambda r: print_rows(
            [{**t, "subscriptions": len(t["subscriptions"])} for t in r],
            ["name", "displayName", "role", "tenantId", "timeZone", "ring", "subscriptions"],
            "Tenants",
        ),
    )


@tenant_app.command("show")
def tenant_show(
    name: Annotated[str, typer.Argument(help="goldfleet name, tenant id or display name.")],
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
) -> None:
    """One tenant, in full."""
    rows = status.tenants(config_path(config))
    key = name.lower()
    found = [
        t
        for t in rows
        if key in (t["name"].lower(), t["tenantId"].lower(), t["displayName"].lower())
    ]
    if not found:
        names = ", ".join(t["name"] for t in rows)
        raise UserInputError(f"no tenant {name!r} in the configuration", hint=f"tenants: {names}")
    emit(found[0], output if output is not Output.TABLE else Output.YAML, query)
