"""``goldfleet plan`` and ``goldfleet apply``: what would change, and making it so."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.tree import Tree

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
)
from goldfleet.cli.lazy import api_modules
from goldfleet.cli.output import (
    Output,
    OutputOption,
    QueryOption,
    console,
    emit,
    err_console,
    styled,
)

if TYPE_CHECKING:
    from goldfleet.api import changes
else:
    (changes,) = api_modules("changes")

SYMBOLS = {
    "create": "[green]+[/] {} {}  [dim]{}[/]",
    "update": "[yellow]~[/] {} {}  [dim]{}[/]",
    "replace": "[red]-/+[/] {} {}  [dim]{}[/]",
    "delete": "[red]-[/] {} {}  [dim]{}[/]",
    "no-op": "[dim]=[/] {} {}  [dim]{}[/]",
}


def render_plan(data: dict[str, Any], show_unchanged: bool = False) -> None:
    tenants: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for change in data["changes"]:
        tenants.setdefault(change["tenant"], {}).setdefault(change["subscriptionId"], []).append(
            change
        )
    summary = data["summary"]
    for name, subs in tenants.items():
        counts = {a: sum(1 for s in subs.values() for c in s if c["action"] == a) for a in SYMBOLS}
        label = (
            ", ".join(f"{n} {a}" for a, n in counts.items() if n and a != "no-op") or "no changes"
        )
        tree = Tree(styled("[bold]{}[/]  ({})", name, label))
        for sub, items in subs.items():
            branch = tree.add(f"subscription {sub}")
            for c in items:
                if c["action"] == "no-op" and not show_unchanged:
                    continue
                relative = c["resourceId"].split(f"/subscriptions/{sub}/", 1)[-1]
                branch.add(styled(SYMBOLS[c["action"]], c["kind"], relative, c["reason"]))
        console.print(tree)
    for problem in data["problems"]:
        err_console.print(styled("[red]problem:[/] {}", problem))
    pending = {a: n for a, n in summary.items() if n and a != "no-op"}
    text = ", ".join(f"{n} to {a}" for a, n in pending.items()) or "nothing to do"
    console.print(f"\nPlan {data['hash'][:12]}: {text} ({summary['no-op']} unchanged).")


def plan(
    config: ConfigOption = None,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    out: Annotated[
        Path | None, typer.Option("--out", help="Save the plan (JSON) for apply.")
    ] = None,
    subscription: Annotated[
        str | None, typer.Option(help="Show only this subscription's changes.")
    ] = None,
    show_unchanged: Annotated[bool, typer.Option(help="List no-op changes too.")] = False,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Show what apply would change, grouped by tenant and subscription. Exit code 1 when the
    plan has problems (printed; a plan with problems cannot be applied, and --out saves
    nothing)."""
    result = changes.plan(config_path(config), target(cloud, emulator, emulator_ca, state_dir))
    problems = result.plan.problems
    if out is not None and not problems:
        changes.save_plan(result, out)
    data = result.plan.to_json()
    if subscription:
        data["changes"] = [
            c for c in data["changes"] if c["subscriptionId"].lower() == subscription.lower()
        ]
    emit(data, output, query, lambda d: render_plan(d, show_unchanged))
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        saved = f"; nothing was saved to {out}" if out is not None else ""
        err_console.print(
            styled("[bold red]error:[/] the plan has {} and cannot be applied{}", count, saved)
        )
        raise typer.Exit(1)
    if out is not None and output is Output.TABLE:
        console.print(f"Saved to {out}: goldfleet apply {out}")


def apply(
    plan_file: Annotated[
        Path | None, typer.Argument(help="A plan saved by `goldfleet plan --out`.")
    ] = None,
    config: ConfigOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    output: Output = OutputOption,
    query: str | None = QueryOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
    wait: WaitOption = False,
) -> None:
    """Carry out a plan durably (a fresh one, or a saved one that still matches Azure). An
    apply that was interrupted is finished first; another command changing the same objects
    makes this one refuse (exit code 75), or wait with --wait."""
    where = target(cloud, emulator, emulator_ca, state_dir)
    path = config_path(config)
    if not yes:
        preview = changes.plan(path, where)
        if output is Output.TABLE:
            render_plan(preview.plan.to_json())
        if not preview.plan.pending:
            console.print("Nothing to do.")
            return
        if not typer.confirm("Apply these changes?"):
            raise typer.Exit(1)
    with Progress(
        TextColumn("applying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=output is not Output.TABLE,
    ) as bar:
        task = bar.add_task("apply", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with waiting(WAIT_FOREVER if wait else None):
            result = changes.apply(
                path,
                where,
                plan_file,
                on_progress=progress,
                on_note=lambda note: err_console.print(note, markup=False, highlight=False),
            )
    data = {
        "plan": result.plan.hash,
        "workflowId": result.workflow_id,
        "ranIn": result.mode,
        "applied": result.applied,
        "summary": result.plan.counts(),
    }

    def table(d: dict[str, Any]) -> None:
        if not d["applied"]:
            console.print("Nothing to do: Azure already matches the configuration.")
            return
        for line in d["applied"]:
            console.print(styled("  [green]done[/] {}", line))
        count = len(d["applied"])
        console.print(f"Applied plan {d['plan'][:12]} ({count} changes) as {d['workflowId']}.")

    emit(data, output, query, table)
