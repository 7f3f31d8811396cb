"""``goldfleet adopt``: hand an existing resource to an object of the configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

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
    from goldfleet.api import adoption
else:
    (adoption,) = api_modules("adoption")


def _said(result: dict[str, Any]) -> None:
    if result["adopted"]:
        console.print(
            styled(
                "{} is now {}'s (it was {}).",
                result["resource"],
                result["owner"],
                result["previous"] or "nobody's",
            )
        )
    else:
        console.print(styled("{} is {}'s already.", result["resource"], result["owner"]))


@waits
def adopt(
    resource_id: Annotated[str, typer.Argument(help="The ARM id of the resource.")],
    as_owner: Annotated[
        str,
        typer.Option(
            "--as",
            help="The object that will own it, KIND/NAME: tenant/NAME (resource groups), "
            "gallery/NAME, definition/NAME, pipeline/NAME (image versions), pool/NAME (a host "
            "pool, its group and its session host VMs) or workspace/NAME.",
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why (it goes in the audit trail).")],
    take_over: Annotated[
        bool,
        typer.Option(help="Take it even though another goldfleet object or installation owns it."),
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
    """Let goldfleet manage a resource it did not make: tag it as an object's own (audited).
    Until then goldfleet never changes or deletes it, and plan reports it as a conflict."""
    result = adoption.adopt(
        config_path(config),
        target(cloud, emulator, emulator_ca, state_dir),
        resource_id,
        as_owner,
        reason,
        take_over=take_over,
    )
    emit(result, output, query, _said)
