"""``goldfleet demo``: the main job on the embedded emulator (grows stage by stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.rule import Rule
from rich.tree import Tree

from goldfleet.api.examples import EXAMPLE_CONFIGURATION, EXAMPLE_SCENARIO
from goldfleet.cli.changes import render_plan
from goldfleet.cli.output import console, styled


def _estate(tenants: Any) -> None:
    for tenant in tenants:
        tree = Tree(styled("[bold]{}[/]  tenant {}", tenant.display_name, tenant.tenant_id))
        for sub in tenant.subscriptions:
            branch = tree.add(styled("subscription [cyan]{}[/] ({})", sub.name, sub.state))
            groups = ", ".join(g.name for g in sub.resource_groups)
            branch.add(f"{len(sub.resource_groups)} resource group(s): {groups}")
            roles = ", ".join(sorted({ra.role for ra in sub.role_assignments}))
            branch.add(f"{len(sub.role_assignments)} role assignment(s): {roles}")
        console.print(tree)


def _release(release: Any) -> None:
    console.print(f"Release {release.release_id} is {release.outcome.get('stage')}:")
    for target, outcome in release.outcome["targets"].items():
        regions = outcome.get("regions") or {}
        where = ", ".join(sorted(regions)) if regions else ""
        why = outcome.get("reason") or outcome.get("fix") or ""
        console.print(f"  {target}: {outcome['state']} {where}{why}", highlight=False)


def _build(result: Any) -> None:
    d = result.to_json()
    console.print(
        f"Build {d['build']} ({d['builder']}): {d['state']}, version {d['version']}",
        highlight=False,
    )
    report = d.get("report")
    if report is not None:
        blocking = [f["check"] for f in report["findings"] if f["blocks"]]
        verdict = "blocked by " + ", ".join(blocking) if blocking else "all clear"
        console.print(f"  pre-sysprep checks on the clone: {verdict}", highlight=False)
    steps = d.get("steps") or []
    if steps:
        timed = sum(s.get("durationSeconds") or 0 for s in steps)
        console.print(
            f"  {len(steps)} customizations, {timed / 60:.0f} simulated minutes, provenance in"
            " the version's tags and the store",
            highlight=False,
        )
    if d.get("error"):
        console.print(styled("  [red]error[/]: {}", d["error"]))
    if result.release is not None:
        _release(result.release)


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
    elif name == "capture":
        console.print(Rule("6. Capture the master VM, without touching it"))
        _build(value)
    elif name == "schedule":
        console.print(Rule("7. The build scheduler: Azure Image Builder, then release"))
        for item in value.due:
            console.print(f"{item.pipeline} is due: {item.reason}", highlight=False)
        for result in value.results:
            _build(result)
        for pipeline, error in value.errors.items():
            console.print(styled("[red]{}[/]: {}", pipeline, error))
    elif name in ("pools", "re-imaged"):
        title = "8. Host pools provisioned" if name == "pools" else "10. Host pools re-imaged"
        console.print(Rule(f"{title} in their maintenance windows, users signed in"))
        for report in value:
            if report["state"] == "not started" or "created" not in report:
                console.print(f"{report['pool']}: not started - {report.get('reason')}")
                continue
            console.print(
                f"{report['pool']}: {report['state']} - {len(report['created'])} hosts on "
                f"{report['version'].rsplit('/', 1)[-1]}, {len(report['retired'])} retired, "
                f"{report['messagedSessions']} sessions messaged, {report['forcedLogoffs']} "
                f"forced logoffs, {len(report['batches'])} batches",
                highlight=False,
            )
    elif name == "update":
        console.print(Rule("9. A new version of the monthly image, promoted"))
        _release(value)
    elif name == "dr":
        console.print(Rule("11. DR drills: standby scale sets in the DR regions"))
        for report in value:
            if report["state"] == "not started":
                console.print(f"{report['pool']}: not started - {report.get('reason')}")
                continue
            ready = [h["readyAfterSeconds"] for h in report["hosts"] if h["healthy"]]
            console.print(
                f"{report['pool']}: drill {report['state']} in {report['region']} - "
                f"{len(ready)} of {report['instancesAsked']} instances of {report['scaleSet']} "
                f"({report['version'].rsplit('/', 1)[-1]}) registered healthy"
                + (f" within {max(ready) / 60:.0f} min" if ready else "")
                + f", scaled back to {report['capacityAfter']}",
                highlight=False,
            )
            for problem in report.get("problems", []):
                console.print(styled("  [red]{}[/]", problem))
    elif name == "audit":
        console.print(Rule("12. Audit trail"))
        verdict = "intact" if value.intact else f"BROKEN at {value.broken_at}"
        console.print(f"{len(value.entries)} entries, hash chain {verdict}.")


def demo(
    scenario: Annotated[
        Path, typer.Option(help="Emulator scenario to start with.")
    ] = EXAMPLE_SCENARIO,
    config: Annotated[
        Path, typer.Option(help="goldfleet configuration to apply.")
    ] = EXAMPLE_CONFIGURATION,
) -> None:
    """Start the embedded emulator with the example MSP estate, then validate, plan and apply
    the example configuration against it, capture the master VM and run the build scheduler."""
    from goldfleet.api.demo import run_demo  # the emulator and every stage: load them here

    result = run_demo(scenario, config, on_stage=_stage)
    made = [result.capture, *result.schedule.results]
    versions = ", ".join(f"{r.pipeline} {r.version} ({r.state})" for r in made)
    console.print(
        f"\nDone: {len(result.tenants)} tenants, {len(result.applied.applied)} changes applied, "
        f"versions {versions}, {result.requests} requests served by the emulator."
    )
