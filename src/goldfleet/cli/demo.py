"""``goldfleet demo``: the main job on the embedded emulator (grows stage by stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.tree import Tree

from goldfleet import api
from goldfleet.cli.output import console


def demo(
    scenario: Annotated[
        Path, typer.Option(help="Emulator scenario to start with.")
    ] = api.EXAMPLE_SCENARIO,
) -> None:
    """Start the embedded emulator with the example MSP estate and show what the SDK sees."""
    console.print(f"Starting the embedded Azure emulator with [bold]{scenario.name}[/] ...")
    result = api.run_demo(scenario)
    console.print(f"Emulator served at {result.endpoint} (CA {result.ca_path})\n")
    for tenant in result.tenants:
        tree = Tree(f"[bold]{tenant.display_name}[/]  tenant {tenant.tenant_id}")
        for sub in tenant.subscriptions:
            branch = tree.add(
                f"subscription [cyan]{sub.name}[/] {sub.subscription_id} ({sub.state})"
            )
            groups = branch.add(f"{len(sub.resource_groups)} resource group(s)")
            for group in sub.resource_groups:
                tags = ", ".join(f"{k}={v}" for k, v in sorted(group.tags.items()))
                groups.add(f"{group.name}  [dim]{group.location}  {tags}[/]")
            roles = branch.add(f"{len(sub.role_assignments)} role assignment(s)")
            for ra in sub.role_assignments:
                roles.add(f"{ra.role}  [dim]at {ra.scope}[/]")
        console.print(tree)
    console.print(
        f"\n{len(result.tenants)} tenants read through the Azure SDK over HTTPS, "
        f"{result.requests} requests served by the emulator."
    )
