"""``goldfleet status``, ``goldfleet tenant list|show`` and ``goldfleet audit list|verify``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from goldfleet.api import status
from goldfleet.cli.common import (
    CloudOption,
    ConfigOption,
    EmulatorCaOption,
    EmulatorOption,
    StateDirOption,
    config_path,
    target,
)
from goldfleet.cli.output import Output, OutputOption, QueryOption, console, emit
from goldfleet.domain.errors import UserInputError

tenant_app = typer.Typer(help="Tenants of the configuration.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only audit trail.", no_args_is_help=True)


def _table(rows: list[dict[str, Any]], columns: list[str], title: str) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(str(row.get(c) if row.get(c) is not None else "")) for c in columns))
    console.print(table)


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
        lambda r: _table(r, ["id", "workflow", "state", "worker", "created"], "Workflows"),
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
        lambda r: _table(
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


@audit_app.command("list")
def audit_list(
    output: Output = OutputOption,
    query: str | None = QueryOption,
    limit: Annotated[int, typer.Option(help="The most recent N entries.")] = 100,
    state_dir: StateDirOption = None,
) -> None:
    """Who asked for what, when, under which plan and workflow."""
    target(None, None, None, state_dir)
    view = status.audit_trail(limit)
    emit(
        view.entries,
        output,
        query,
        lambda r: _table(r, ["seq", "at", "actor", "action", "subject"], "Audit trail"),
    )


@audit_app.command("verify")
def audit_verify(state_dir: StateDirOption = None) -> None:
    """Check the hash chain of the whole audit trail (exit 1 if it was tampered with)."""
    target(None, None, None, state_dir)
    view = status.audit_trail(None)
    if view.intact:
        console.print(f"The audit trail is intact ({len(view.entries)} entries).")
        return
    console.print(
        f"[red]The audit trail is broken at entry {view.broken_at}[/]: "
        "an entry was changed, removed or reordered."
    )
    raise typer.Exit(1)
