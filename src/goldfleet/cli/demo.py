"""``goldfleet demo``: the main job on the embedded emulator (grows stage by stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.rule import Rule
from rich.tree import Tree

from goldfleet import api
from goldfleet.api.demo import EXAMPLE_CONFIGURATION
from goldfleet.cli.changes import render_plan
from goldfleet.cli.output import console


def _estate(tenants: Any) -> None:
    for tenant in tenants:
        tree = Tree(f"[bold]{tenant.display_name}[/]  tenant {tenant.tenant_id}")
        for sub in tenant.subscriptions:
            branch = tree.add(f"subscription [cyan]{sub.name}[/] ({sub.state})")
            groups = ", ".join(g.name for g in sub.resource_groups)
            branch.add(f"{len(sub.resource_groups)} resource group(s): {groups}")
            roles = ", ".join(sorted({ra.role for ra in sub.role_assignments}))
            branch.add(f"{len(sub.role_assignments)} role assignment(s): {roles}")
        console.print(tree)


def _stage(name: str, value: Any) -> None:
    if name == "validated":
        counts = {"tenants": len(value.configuration.tenants), "files": len(value.files)}
        console.print(Rule("1. The desired state"))
        console.print(
            f"examples/goldfleet is valid: {counts['tenants']} tenants in {counts['files']} files."
        )
    elif name == "emulator":
        console.print(Rule("2. Azure, emulated"))
        console.print(f"Emulator serving HTTPS at {value.endpoint} (CA {value.ca_path}).")
    elif name == "estate":
        console.print(
            "What goldfleet's multi-tenant app sees, tenant by tenant, through the Azure SDK:"
        )
        _estate(value)
    elif name == "plan":
        console.print(Rule("3. Plan"))
        render_plan(value.plan.to_json())
    elif name == "apply":
        console.print(Rule("4. Apply, durably"))
        console.print(
            f"Workflow {value.workflow_id} carried out {len(value.applied)} changes, one "
            "checkpointed step each, through the ARM gate."
        )
    elif name == "replan":
        console.print(Rule("5. Plan again"))
        render_plan(value.plan.to_json())
    elif name == "release":
        console.print(Rule("6. Release an image version"))
        console.print(f"Release {value.release_id} is {value.outcome.get('stage')}:")
        for target, outcome in value.outcome["targets"].items():
            regions = outcome.get("regions") or {}
            where = ", ".join(sorted(regions)) if regions else ""
            why = outcome.get("reason") or outcome.get("fix") or ""
            console.print(f"  {target}: {outcome['state']} {where}{why}", highlight=False)
    elif name == "audit":
        console.print(Rule("7. Audit trail"))
        verdict = "intact" if value.intact else f"BROKEN at {value.broken_at}"
        console.print(f"{len(value.entries)} entries, hash chain {verdict}.")


def demo(
    scenario: Annotated[
        Path, typer.Option(help="Emulator scenario to start with.")
    ] = api.EXAMPLE_SCENARIO,
    config: Annotated[
        Path, typer.Option(help="goldfleet configuration to apply.")
    ] = EXAMPLE_CONFIGURATION,
) -> None:
    """Start the embedded emulator with the example MSP estate, then validate, plan and apply
    the example configuration against it."""
    result = api.run_demo(scenario, config, on_stage=_stage)
    console.print(
        f"\nDone: {len(result.tenants)} tenants, {len(result.applied.applied)} changes applied, "
        f"release {result.release.version} distributed, {result.requests} requests served by "
        "the emulator."
    )
